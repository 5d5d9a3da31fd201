import { auDuration, parseAudioSpecificConfig, type AudioSpecificConfig } from './audio-specific-config.js'
import { aacFmtp, aacRtpmap, DEFAULT_AAC_PAYLOAD_TYPE } from './format.js'
import { AacPacketizer } from './packetizer.js'
import { ConfigError, RtspkitError } from '../../errors.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import { AudioFrameTrack, type MediaTrack } from '../media-track.js'

/** The explicit 24-bit samplingFrequency of an AudioSpecificConfig. */
const MAX_SAMPLE_RATE = 0xffffff
/** The most channels a program config element can name (ISO/IEC 14496-3 4.5.1.2: 16 front, side, back, 8 LFE … capped). */
const MAX_CHANNELS = 48

export interface AacTrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  /** Dynamic payload type, default 97. */
  payloadType?: number | undefined
  /** RTP clock rate and rtpmap rate (RFC 3640 3.2.2 recommends the sampling rate). */
  sampleRate: number
  channels: number
  /** The AudioSpecificConfig (fmtp `config`). */
  config: Uint8Array
}

/**
 * AAC over RTP as mpeg4-generic AAC-hbr (RFC 3640). Pushed frames are raw access units (no ADTS header):
 * one Buffer, or an array of consecutive AUs that are aggregated into as few packets as fit. Every AU is a
 * keyframe as far as a reader joining is concerned.
 */
export class AacTrack extends AudioFrameTrack implements MediaTrack {
  readonly kind = 'audio'
  readonly codec = 'MPEG4-GENERIC'
  readonly ready = true
  readonly clockRate: number
  readonly payloadType: number
  readonly channels: number
  readonly config: Buffer
  readonly asc: AudioSpecificConfig
  protected readonly packetizer: AacPacketizer

  constructor(opts: AacTrackOptions) {
    super()
    if (!Number.isInteger(opts.sampleRate) || opts.sampleRate < 1 || opts.sampleRate > MAX_SAMPLE_RATE) {
      throw new ConfigError('ERR_AUDIO_SAMPLE_RATE', `AAC sample rate ${opts.sampleRate} is not in 1..${MAX_SAMPLE_RATE}`, {
        observed: opts.sampleRate,
        allowed: `1..${MAX_SAMPLE_RATE}`,
      })
    }
    if (!Number.isInteger(opts.channels) || opts.channels < 1 || opts.channels > MAX_CHANNELS) {
      throw new ConfigError('ERR_AUDIO_CHANNELS', `AAC with ${opts.channels} channels is not in 1..${MAX_CHANNELS}`, {
        observed: opts.channels,
        allowed: `1..${MAX_CHANNELS}`,
      })
    }
    try {
      this.asc = parseAudioSpecificConfig(opts.config)
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
      throw new ConfigError(
        'ERR_AAC_CONFIG',
        `invalid AAC config ${Buffer.from(opts.config).toString('hex') || '(empty)'}: ${err.message}`,
        { observed: Buffer.from(opts.config).toString('hex') },
        { cause: err },
      )
    }
    this.clockRate = opts.sampleRate
    this.channels = opts.channels
    this.config = Buffer.from(opts.config)
    this.packetizer = new AacPacketizer({
      payloadType: opts.payloadType ?? DEFAULT_AAC_PAYLOAD_TYPE,
      ssrc: opts.ssrc,
      initialSequence: opts.initialSequence,
      maxPacketSize: opts.maxPacketSize,
      auDuration: auDuration(this.asc, opts.sampleRate),
    })
    this.payloadType = this.packetizer.payloadType
  }

  sdpAttributes(): SdpAttribute[] {
    return [
      { key: 'rtpmap', value: aacRtpmap(this.payloadType, this.clockRate, this.channels) },
      { key: 'fmtp', value: `${this.payloadType} ${aacFmtp(this.config)}` },
    ]
  }
}
