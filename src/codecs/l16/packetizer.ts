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
import { CodecError, ConfigError } from '../../errors.js'
import { RTP_HEADER_SIZE, writeRtpHeader } from '../../rtp/rtp-packet.js'
import { cryptoRandom } from '../../util/random.js'
import type { CodecPacketizer } from '../codec.js'
import { DEFAULT_L16_PAYLOAD_TYPE, L16_BYTES_PER_SAMPLE, l16StaticPayloadType } from './format.js'

export const DEFAULT_MAX_PACKET_SIZE = 1400
export const DEFAULT_PACKET_TIME_MS = 20
export const MAX_PACKET_TIME_MS = 1000
export const MAX_MAX_PACKET_SIZE = 65507
/** Accepted sample rates: 1 Hz to 384 kHz (the highest rate WAV and ffmpeg use). */
export const MAX_L16_SAMPLE_RATE = 384000
/** Most channels per sampling instant; a packet must still hold one instant. */
export const MAX_L16_CHANNELS = 64
const MAX_PAYLOAD_TYPE = 127
const MAX_U16 = 0xffff
const MAX_U32 = 0xffffffff

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
    throw new ConfigError('ERR_AUDIO_SAMPLE_RATE', `sample rate ${sampleRate} is not in 1..${MAX_L16_SAMPLE_RATE}`, { observed: sampleRate, allowed: `1..${MAX_L16_SAMPLE_RATE}` })
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_L16_CHANNELS) {
    throw new ConfigError('ERR_AUDIO_CHANNELS', `${channels} channels is not in 1..${MAX_L16_CHANNELS}`, { observed: channels, allowed: `1..${MAX_L16_CHANNELS}` })
  }
}

export class L16Packetizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly sampleRate: number
  readonly channels: number
  /** Sampling instants per full packet. */
  readonly samplesPerPacket: number
  private readonly bytesPerInstant: number
  private sequence: number

  constructor(opts: L16PacketizerOptions) {
    checkL16Layout(opts.sampleRate, opts.channels)
    const payloadType = opts.payloadType ?? l16StaticPayloadType(opts.sampleRate, opts.channels) ?? DEFAULT_L16_PAYLOAD_TYPE
    const maxPacketSize = opts.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE
    const initialSequence = opts.initialSequence ?? cryptoRandom.u16()
    const packetTimeMs = opts.packetTimeMs ?? DEFAULT_PACKET_TIME_MS
    const bytesPerInstant = opts.channels * L16_BYTES_PER_SAMPLE
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > MAX_PAYLOAD_TYPE) {
      throw new ConfigError('ERR_RTP_PAYLOAD_TYPE', `payload type ${payloadType} is not in 0..${MAX_PAYLOAD_TYPE}`, { observed: payloadType, allowed: `0..${MAX_PAYLOAD_TYPE}` })
    }
    const minPacketSize = RTP_HEADER_SIZE + bytesPerInstant
    if (!Number.isInteger(maxPacketSize) || maxPacketSize < minPacketSize || maxPacketSize > MAX_MAX_PACKET_SIZE) {
      throw new ConfigError('ERR_RTP_MAX_PACKET_SIZE', `maxPacketSize ${maxPacketSize} is not in ${minPacketSize}..${MAX_MAX_PACKET_SIZE}`, { observed: maxPacketSize, allowed: `${minPacketSize}..${MAX_MAX_PACKET_SIZE}` })
    }
    if (!Number.isInteger(opts.ssrc) || opts.ssrc < 0 || opts.ssrc > MAX_U32) {
      throw new ConfigError('ERR_RTP_SSRC', `SSRC ${opts.ssrc} is not a 32-bit unsigned integer`, { observed: opts.ssrc, allowed: `0..${MAX_U32}` })
    }
    if (!Number.isInteger(initialSequence) || initialSequence < 0 || initialSequence > MAX_U16) {
      throw new ConfigError('ERR_RTP_SEQUENCE', `initial sequence ${initialSequence} is not a 16-bit unsigned integer`, { observed: initialSequence, allowed: `0..${MAX_U16}` })
    }
    if (!Number.isFinite(packetTimeMs) || packetTimeMs <= 0 || packetTimeMs > MAX_PACKET_TIME_MS) {
      throw new ConfigError('ERR_AUDIO_PACKET_TIME', `packet time ${packetTimeMs} ms is not in (0, ${MAX_PACKET_TIME_MS}]`, { observed: packetTimeMs, allowed: `(0, ${MAX_PACKET_TIME_MS}]` })
    }
    this.ssrc = opts.ssrc
    this.payloadType = payloadType
    this.sampleRate = opts.sampleRate
    this.channels = opts.channels
    this.bytesPerInstant = bytesPerInstant
    const timeSamples = Math.max(1, Math.round((opts.sampleRate * packetTimeMs) / 1000))
    this.samplesPerPacket = Math.min(timeSamples, Math.floor((maxPacketSize - RTP_HEADER_SIZE) / bytesPerInstant))
    this.sequence = initialSequence
  }

  get nextSequence(): number {
    return this.sequence
  }

  /**
   * Cuts a block of big-endian samples (or consecutive blocks) into packets. Throws CodecError when the
   * block is not a whole number of sampling instants. An empty block gives no packets.
   */
  packetize(frame: Uint8Array | readonly Uint8Array[], timestamp: number): Buffer[] {
    const block = frame instanceof Uint8Array ? frame : frame.length === 1 ? frame[0]! : Buffer.concat(frame)
    if (block.length % this.bytesPerInstant !== 0) {
      throw new CodecError('ERR_AUDIO_PARTIAL_SAMPLE', `${block.length} bytes of L16 is not a whole number of ${this.channels}-channel samples`, { observed: block.length, allowed: `a multiple of ${this.bytesPerInstant}` })
    }
    const bytesPerPacket = this.samplesPerPacket * this.bytesPerInstant
    const out: Buffer[] = []
    for (let off = 0; off < block.length; off += bytesPerPacket) {
      const end = Math.min(off + bytesPerPacket, block.length)
      const buf = Buffer.allocUnsafe(RTP_HEADER_SIZE + end - off)
      writeRtpHeader(buf, 0, { marker: false, payloadType: this.payloadType, sequenceNumber: this.sequence, timestamp: (timestamp + off / this.bytesPerInstant) >>> 0, ssrc: this.ssrc })
      this.sequence = (this.sequence + 1) & MAX_U16
      buf.set(block.subarray(off, end), RTP_HEADER_SIZE)
      out.push(buf)
    }
    return out
  }
}
