import { ConfigError } from '../../errors.js'
import type { TrackInfo } from '../../sources/source.js'
import { AacTrack } from './aac-track.js'
import { G711Track } from './g711-track.js'
import { H264Track } from './h264-track.js'
import { H265Track } from './h265-track.js'
import { JpegTrack } from './jpeg-track.js'
import { L16Track } from './l16-track.js'
import type { MediaTrack } from './media-track.js'
import { OpusTrack } from './opus-track.js'

/** Identity and size settings every track gets from its stream. */
export interface TrackCommon {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number
  payloadType?: number
}

const VIDEO_CODECS = ['h264', 'h265', 'jpeg', 'mjpeg']
const AUDIO_CODECS = ['aac', 'pcmu', 'pcma', 'l16', 'opus']

/** Creates the codec half of a server track from a track description. */
export function createMediaTrack(info: TrackInfo, common: TrackCommon): MediaTrack {
  if (info.kind === 'video') {
    switch (info.codec as string) {
      case 'h264':
        return new H264Track({ ...common, sps: info.sps, pps: info.pps })
      case 'h265':
        return new H265Track({ ...common, vps: info.vps, sps: info.sps, pps: info.pps })
      case 'jpeg':
      case 'mjpeg':
        return new JpegTrack({ ...common, width: info.width, height: info.height, fps: info.fps })
    }
  } else {
    switch (info.codec as string) {
      case 'aac':
        if (!info.config)
          throw new ConfigError('ERR_STREAM_AAC_CONFIG', 'an AAC track needs its AudioSpecificConfig (config)', { observed: undefined })
        return new AacTrack({ ...common, sampleRate: info.sampleRate, channels: info.channels, config: info.config })
      case 'pcmu':
      case 'pcma':
        return new G711Track({ ...common, law: info.codec as 'pcmu' | 'pcma', channels: info.channels })
      case 'l16':
        return new L16Track({ ...common, sampleRate: info.sampleRate, channels: info.channels })
      case 'opus':
        return new OpusTrack({ ...common, channels: info.channels })
    }
  }
  const allowed = info.kind === 'video' ? VIDEO_CODECS : AUDIO_CODECS
  throw new ConfigError('ERR_STREAM_CODEC', `unsupported ${info.kind} codec "${String(info.codec)}"; supported: ${allowed.join(', ')}`, {
    observed: info.codec,
    allowed,
  })
}
