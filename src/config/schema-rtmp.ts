/**
 * The `rtmp:` section: the RTMP room (src/rtmp), where OBS, ffmpeg, GStreamer and hardware encoders
 * publish and players read, on port 1935 by default (MediaMTX's rtmp* settings without the prefix).
 */
import type { SectionSpec } from './schema.js'

export interface RtmpConfig {
  enabled: boolean
  /** '' listens on every interface. */
  host: string
  port: number
}

const MAX_PORT = 65_535

export const RTMP_SECTION: SectionSpec = {
  type: 'section',
  fields: {
    enabled: { type: 'bool', apply: 'restart-rtmp' },
    host: { type: 'string', apply: 'restart-rtmp' },
    port: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-rtmp' },
  },
}

export const defaultRtmpConfig = (): RtmpConfig => ({ enabled: true, host: '', port: 1935 })
