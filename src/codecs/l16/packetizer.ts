/**
 * RTP payload format for L16, RFC 3551 sections 4.5.11 and 4.3 (sample-based audio): 16-bit signed
 * samples, most significant byte first, all channels of one sampling instant together, the RTP timestamp
 * counting sampling instants at the sample rate:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |   instant 0, channel 1 (BE)   |   instant 0, channel 2 (BE)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   instant 1, channel 1 (BE)   |   ...                         |
 *
 * A pushed block is cut on whole sampling instants into packets of about `packetTimeMs` (default 20 ms),
 * fewer instants when that would exceed maxPacketSize (48 kHz stereo: 20 ms is 3840 bytes, so packets of
 * 347 instants fit 1400 bytes). The last packet of a block may be shorter; nothing is buffered across calls.
 * The caller owns timestamps: the block's first instant is stamped `timestamp`. The marker bit stays 0.
 */
import { ConfigError } from '../../errors.js'
import { RTP_MAX_PACKET_SIZE, RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import type { CodecPacketizer } from '../codec.js'
import { packetizeSampleBlock, samplesPerPacket, type SampleLayout } from '../sample-blocks.js'
import { DEFAULT_L16_PAYLOAD_TYPE, L16_BYTES_PER_SAMPLE, l16StaticPayloadType } from './format.js'

export const DEFAULT_MAX_PACKET_SIZE = 1400
export const DEFAULT_PACKET_TIME_MS = 20
export const MAX_PACKET_TIME_MS = 1000
export const MAX_MAX_PACKET_SIZE = RTP_MAX_PACKET_SIZE
/** Accepted sample rates: 1 Hz to 384 kHz (the highest rate WAV and ffmpeg use). */
export const MAX_L16_SAMPLE_RATE = 384000
/** Most channels per sampling instant; a packet must still hold one instant. */
export const MAX_L16_CHANNELS = 64

export interface L16PacketizerOptions {
  /** Default: 10 or 11 for 44100 Hz stereo or mono, else 98. */
  payloadType?: number | undefined
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number | undefined
  /** Largest serialized RTP packet, header included. Default 1400. */
  maxPacketSize?: number | undefined
  sampleRate: number
  channels: number
  /** Audio per packet when it fits maxPacketSize, default 20 ms. */
  packetTimeMs?: number | undefined
}

/** Checks an L16 sample rate and channel count; throws ConfigError. */
export function checkL16Layout(sampleRate: number, channels: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > MAX_L16_SAMPLE_RATE) {
    throw new ConfigError('ERR_AUDIO_SAMPLE_RATE', `sample rate ${sampleRate} is not in 1..${MAX_L16_SAMPLE_RATE}`, {
      observed: sampleRate,
      allowed: `1..${MAX_L16_SAMPLE_RATE}`,
    })
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_L16_CHANNELS) {
    throw new ConfigError('ERR_AUDIO_CHANNELS', `${channels} channels is not in 1..${MAX_L16_CHANNELS}`, {
      observed: channels,
      allowed: `1..${MAX_L16_CHANNELS}`,
    })
  }
}

export class L16Packetizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly sampleRate: number
  readonly channels: number
  /** Sampling instants per full packet. */
  readonly samplesPerPacket: number
  private readonly writer: RtpPacketWriter
  private readonly layout: SampleLayout

  constructor(opts: L16PacketizerOptions) {
    checkL16Layout(opts.sampleRate, opts.channels)
    const packetTimeMs = opts.packetTimeMs ?? DEFAULT_PACKET_TIME_MS
    const bytesPerInstant = opts.channels * L16_BYTES_PER_SAMPLE
    const defaultPayloadType = l16StaticPayloadType(opts.sampleRate, opts.channels) ?? DEFAULT_L16_PAYLOAD_TYPE
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType,
      defaultMaxPacketSize: DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: RTP_HEADER_SIZE + bytesPerInstant,
    })
    if (!Number.isFinite(packetTimeMs) || packetTimeMs <= 0 || packetTimeMs > MAX_PACKET_TIME_MS) {
      throw new ConfigError('ERR_AUDIO_PACKET_TIME', `packet time ${packetTimeMs} ms is not in (0, ${MAX_PACKET_TIME_MS}]`, {
        observed: packetTimeMs,
        allowed: `(0, ${MAX_PACKET_TIME_MS}]`,
      })
    }
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.sampleRate = opts.sampleRate
    this.channels = opts.channels
    this.layout = { label: 'L16', channels: opts.channels, bytesPerInstant }
    const timeSamples = Math.max(1, Math.round((opts.sampleRate * packetTimeMs) / 1000))
    this.samplesPerPacket = samplesPerPacket(this.writer, timeSamples, bytesPerInstant)
  }

  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /**
   * Cuts a block of big-endian samples (or consecutive blocks) into packets. Throws CodecError when the
   * block is not a whole number of sampling instants. An empty block gives no packets.
   */
  packetize(frame: Uint8Array | readonly Uint8Array[], timestamp: number): Buffer[] {
    return packetizeSampleBlock(this.writer, this.layout, this.samplesPerPacket, frame, timestamp)
  }
}
