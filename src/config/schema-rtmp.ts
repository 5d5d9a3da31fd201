/**
 * The `rtmp:` section: the RTMP room (src/rtmp), where OBS, ffmpeg, GStreamer and hardware encoders
 * publish and players read, on port 1935 by default (MediaMTX's rtmp* settings without the prefix).
 * RTMPS is MediaMTX's rtmpEncryption (no | optional | strict), rtmpsAddress (:1936) and
 * rtmpServerCert / rtmpServerKey: here `encryption`, `rtmpsPort` and `tls.cert` / `tls.key`, the
 * latter empty by default to use server.tls, the RTSPS certificate.
 */
import type { Encryption, SectionSpec } from './schema.js'

/** server.encryption's values (ENCRYPTIONS in schema.ts, which imports this file: no value import back). */
const RTMP_ENCRYPTIONS: readonly Encryption[] = ['no', 'optional', 'strict']

export interface RtmpConfig {
  enabled: boolean
  /** '' listens on every interface. */
  host: string
  port: number
  /** no: RTMP only; optional: RTMP and RTMPS; strict: RTMPS only. */
  encryption: Encryption
  /** The RTMPS port. */
  rtmpsPort: number
  /** PEM file names for RTMPS; both '' = server.tls's. */
  tls: { cert: string; key: string }
}

const MAX_PORT = 65_535

export const RTMP_SECTION: SectionSpec = {
  type: 'section',
  fields: {
    enabled: { type: 'bool', apply: 'restart-rtmp' },
    host: { type: 'string', apply: 'restart-rtmp' },
    port: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-rtmp' },
    encryption: { type: 'enum', values: RTMP_ENCRYPTIONS, apply: 'restart-rtmp' },
    rtmpsPort: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-rtmp' },
    tls: {
      type: 'section',
      fields: { cert: { type: 'string', apply: 'restart-rtmp' }, key: { type: 'string', apply: 'restart-rtmp' } },
    },
  },
}

export const defaultRtmpConfig = (): RtmpConfig => ({
  enabled: true,
  host: '',
  port: 1935,
  encryption: 'no',
  rtmpsPort: 1936,
  tls: { cert: '', key: '' },
})
