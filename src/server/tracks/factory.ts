import { ConfigError } from '../../errors.js'
import type { TrackInfo } from '../../sources/source.js'
import { H264Track } from './h264-track.js'
import { JpegTrack } from './jpeg-track.js'
import type { MediaTrack } from './media-track.js'

/** Identity and size settings every track gets from its stream. */
export interface TrackCommon {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number
  payloadType?: number
}

const VIDEO_CODECS = ['h264', 'jpeg', 'mjpeg']
const AUDIO_CODECS: string[] = []

/** Creates the codec half of a server track from a track description. */
export function createMediaTrack(info: TrackInfo | (Omit<TrackInfo, 'codec'> & { codec: string }), common: TrackCommon): MediaTrack {
  const t = info as TrackInfo
  if (t.kind === 'video') {
    switch (t.codec as string) {
      case 'h264':
        return new H264Track({ ...common, sps: t.sps, pps: t.pps })
      case 'jpeg':
      case 'mjpeg':
        return new JpegTrack({ ...common, width: t.width, height: t.height, fps: t.fps })
    }
  }
  const allowed = t.kind === 'video' ? VIDEO_CODECS : AUDIO_CODECS
  throw new ConfigError('ERR_STREAM_CODEC', `unsupported ${t.kind} codec "${String(t.codec)}"; supported: ${allowed.join(', ') || 'none yet'}`, {
    observed: t.codec,
    allowed,
  })
}
