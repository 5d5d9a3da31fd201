/**
 * Payload formats rtspkit does not understand, carried unchanged (RFC 3550 section 5.1: the payload
 * is opaque to RTP). Sending: each frame is the payload of one packet, marker set (receiving is
 * depacketizer.ts). This is enough to relay a stream or record its payloads raw.
 */
import { ConfigError, LimitError } from '../../errors.js'
import { RTP_HEADER_SIZE, writeRtpHeader } from '../../rtp/rtp-packet.js'
import { cryptoRandom, type Random } from '../../util/random.js'
import type { CodecPacketizer } from '../codec.js'

const MAX_PAYLOAD_TYPE = 127
const SEQUENCE_MASK = 0xffff
/** Largest UDP payload over IPv4. */
export const PASSTHROUGH_MAX_PACKET_SIZE = 65507

export interface PassthroughPacketizerOptions {
  payloadType: number
  ssrc: number
  initialSequence?: number
  /** Largest serialized packet; a larger frame is a LimitError (it cannot be split without knowing the format). */
  maxPacketSize?: number
  random?: Random
}

/** One packet per frame, marker set. */
export class PassthroughPacketizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private sequence: number

  constructor(opts: PassthroughPacketizerOptions) {
    if (!Number.isInteger(opts.payloadType) || opts.payloadType < 0 || opts.payloadType > MAX_PAYLOAD_TYPE) {
      throw new ConfigError('ERR_RTP_PAYLOAD_TYPE', `payload type ${opts.payloadType} is not in 0..${MAX_PAYLOAD_TYPE}`, {
        observed: opts.payloadType,
        allowed: `0..${MAX_PAYLOAD_TYPE}`,
      })
    }
    this.payloadType = opts.payloadType
    this.ssrc = opts.ssrc >>> 0
    this.maxPacketSize = opts.maxPacketSize ?? PASSTHROUGH_MAX_PACKET_SIZE
    this.sequence = (opts.initialSequence ?? (opts.random ?? cryptoRandom).u16()) & SEQUENCE_MASK
  }

  get nextSequence(): number {
    return this.sequence
  }

  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[] {
    const parts = Buffer.isBuffer(frame) ? [frame] : frame
    let size = RTP_HEADER_SIZE
    for (const p of parts) size += p.length
    if (size > this.maxPacketSize) {
      throw new LimitError(
        'ERR_RTP_PAYLOAD_SIZE',
        `a ${size - RTP_HEADER_SIZE}-byte payload does not fit a ${this.maxPacketSize}-byte packet`,
        { observed: size, allowed: this.maxPacketSize },
      )
    }
    const buf = Buffer.allocUnsafe(size)
    writeRtpHeader(buf, 0, { marker: true, payloadType: this.payloadType, sequenceNumber: this.sequence, timestamp, ssrc: this.ssrc })
    let off = RTP_HEADER_SIZE
    for (const p of parts) off += p.copy(buf, off)
    this.sequence = (this.sequence + 1) & SEQUENCE_MASK
    return [buf]
  }
}
