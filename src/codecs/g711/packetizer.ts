/**
 * RTP payload format for G.711, RFC 3551 sections 4.5.14 (PCMA, PCMU) and 4.3 (sample-based audio):
 * one byte per sample, samples of all channels of one instant together (4.3: "samples for all channels
 * belonging to a single sampling instant MUST be within the same octet sequence"), the RTP timestamp
 * counting sampling instants at 8000 Hz. The payload is the G.711 codes as they are:
 *
 *  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *  |  sample 0 (ch 1..n)  |  sample 1 (ch 1..n)  |  ...            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A pushed block is cut on sample boundaries into packets of `packetTimeMs` (default 20 ms, 4.2 "default
 * packetization interval"), fewer when a packet of that length would exceed maxPacketSize; the last
 * packet of a block may be shorter. Nothing is buffered across calls: the caller owns timestamps, and a
 * block's first sample is stamped `timestamp`, each next packet advancing by the samples before it.
 * The marker bit stays 0 (4.1: it flags the first packet after silence, which a continuous source has not).
 */
import { ConfigError } from '../../errors.js'
import { RTP_MAX_PACKET_SIZE, RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import type { CodecPacketizer } from '../codec.js'
import { packetizeSampleBlock, samplesPerPacket, type SampleLayout } from '../sample-blocks.js'
import { G711_CLOCK_RATE, g711StaticPayloadType, type G711Law } from './format.js'

export const DEFAULT_MAX_PACKET_SIZE = 1400
export const DEFAULT_PACKET_TIME_MS = 20
/** Longest packet time accepted (RFC 3551 4.2 allows long packets; one second is already unusual). */
export const MAX_PACKET_TIME_MS = 1000
export const MAX_MAX_PACKET_SIZE = RTP_MAX_PACKET_SIZE
/** Most channels per sampling instant (RFC 3551 4.1 defines up to 6 in the rtpmap; WAV allows more). */
export const MAX_G711_CHANNELS = 64

export interface G711PacketizerOptions {
  law: G711Law
  /** Default: 0 (PCMU) or 8 (PCMA). */
  payloadType?: number | undefined
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number | undefined
  /** Largest serialized RTP packet, header included. Default 1400. */
  maxPacketSize?: number | undefined
  /** Interleaved channels per sampling instant, default 1. */
  channels?: number | undefined
  /** Audio per packet, default 20 ms (160 samples). */
  packetTimeMs?: number | undefined
}

export class G711Packetizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly law: G711Law
  readonly channels: number
  /** Sampling instants per full packet. */
  readonly samplesPerPacket: number
  private readonly writer: RtpPacketWriter
  private readonly layout: SampleLayout

  constructor(opts: G711PacketizerOptions) {
    const defaultPayloadType = g711StaticPayloadType(opts.law)
    const channels = opts.channels ?? 1
    const packetTimeMs = opts.packetTimeMs ?? DEFAULT_PACKET_TIME_MS
    if (opts.law !== 'pcmu' && opts.law !== 'pcma') {
      throw new ConfigError('ERR_G711_LAW', `G.711 law "${String(opts.law)}" is not pcmu or pcma`, {
        observed: opts.law,
        allowed: ['pcmu', 'pcma'],
      })
    }
    // Before the RTP options: the smallest packet holds one sampling instant.
    if (!Number.isInteger(channels) || channels < 1 || channels > MAX_G711_CHANNELS) {
      throw new ConfigError('ERR_AUDIO_CHANNELS', `${channels} channels is not in 1..${MAX_G711_CHANNELS}`, {
        observed: channels,
        allowed: `1..${MAX_G711_CHANNELS}`,
      })
    }
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType,
      defaultMaxPacketSize: DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: RTP_HEADER_SIZE + channels,
    })
    const timeSamples = Math.round((G711_CLOCK_RATE * packetTimeMs) / 1000)
    if (!Number.isFinite(packetTimeMs) || timeSamples < 1 || packetTimeMs > MAX_PACKET_TIME_MS) {
      throw new ConfigError(
        'ERR_AUDIO_PACKET_TIME',
        `packet time ${packetTimeMs} ms is not in ${1000 / G711_CLOCK_RATE}..${MAX_PACKET_TIME_MS}`,
        { observed: packetTimeMs, allowed: `${1000 / G711_CLOCK_RATE}..${MAX_PACKET_TIME_MS}` },
      )
    }
    this.law = opts.law
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.channels = channels
    this.layout = { label: 'G.711', channels, bytesPerInstant: channels }
    this.samplesPerPacket = samplesPerPacket(this.writer, timeSamples, channels)
  }

  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /**
   * Cuts a block of G.711 codes (or consecutive blocks) into packets. Throws CodecError when the block is
   * not a whole number of sampling instants. An empty block gives no packets.
   */
  packetize(frame: Uint8Array | readonly Uint8Array[], timestamp: number): Buffer[] {
    return packetizeSampleBlock(this.writer, this.layout, this.samplesPerPacket, frame, timestamp)
  }
}
