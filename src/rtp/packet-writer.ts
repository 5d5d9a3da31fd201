/**
 * What every packetizer shares: the RTP header fields it owns (payload type, SSRC, sequence number,
 * RFC 3550 5.1) and the packet size limit. The caller owns timestamps and the payload layout.
 * Packetizers hold one of these (composition), so the options are checked in one place.
 */
import { ConfigError } from '../errors.js'
import { cryptoRandom, type Random } from '../util/random.js'
import { RTP_HEADER_SIZE, writeRtpHeader } from './rtp-packet.js'

/** A UDP payload over IPv4 cannot be larger. */
export const RTP_MAX_PACKET_SIZE = 65507
const MAX_PAYLOAD_TYPE = 127
const MAX_U16 = 0xffff
const MAX_U32 = 0xffffffff
/** Codes are `${codePrefix}PAYLOAD_TYPE`, `…MAX_PACKET_SIZE`, `…SSRC`, `…SEQUENCE`. */
const DEFAULT_CODE_PREFIX = 'ERR_RTP_'

/** The options every packetizer takes, as the user gives them. */
export interface RtpPacketWriterOptions {
  payloadType?: number | undefined
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number | undefined
  /** Largest serialized RTP packet, header included. */
  maxPacketSize?: number | undefined
  /** Randomness for the default initial sequence number; default crypto. */
  random?: Random | undefined
}

/** What the payload format decides. */
export interface RtpPacketFormat {
  defaultPayloadType: number
  defaultMaxPacketSize: number
  /** Smallest maxPacketSize the payload format can work with. */
  minPacketSize: number
  /** Prefix of the error codes; default 'ERR_RTP_' (RTP/JPEG has always used 'ERR_'). */
  codePrefix?: string | undefined
}

export class RtpPacketWriter {
  readonly payloadType: number
  readonly ssrc: number
  readonly maxPacketSize: number
  private sequence: number

  /** Throws ConfigError, checking payload type, maxPacketSize, SSRC and initial sequence in that order. */
  constructor(opts: RtpPacketWriterOptions, format: RtpPacketFormat) {
    const { ssrc } = opts
    const { minPacketSize } = format
    const payloadType = opts.payloadType ?? format.defaultPayloadType
    const maxPacketSize = opts.maxPacketSize ?? format.defaultMaxPacketSize
    const initialSequence = opts.initialSequence ?? (opts.random ?? cryptoRandom).u16()
    const prefix = format.codePrefix ?? DEFAULT_CODE_PREFIX
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > MAX_PAYLOAD_TYPE) {
      throw new ConfigError(`${prefix}PAYLOAD_TYPE`, `payload type ${payloadType} is not in 0..${MAX_PAYLOAD_TYPE}`, {
        observed: payloadType,
        allowed: `0..${MAX_PAYLOAD_TYPE}`,
      })
    }
    if (!Number.isInteger(maxPacketSize) || maxPacketSize < minPacketSize || maxPacketSize > RTP_MAX_PACKET_SIZE) {
      throw new ConfigError(
        `${prefix}MAX_PACKET_SIZE`,
        `maxPacketSize ${maxPacketSize} is not in ${minPacketSize}..${RTP_MAX_PACKET_SIZE}`,
        {
          observed: maxPacketSize,
          allowed: `${minPacketSize}..${RTP_MAX_PACKET_SIZE}`,
        },
      )
    }
    if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > MAX_U32) {
      throw new ConfigError(`${prefix}SSRC`, `SSRC ${ssrc} is not a 32-bit unsigned integer`, { observed: ssrc, allowed: `0..${MAX_U32}` })
    }
    if (!Number.isInteger(initialSequence) || initialSequence < 0 || initialSequence > MAX_U16) {
      throw new ConfigError(`${prefix}SEQUENCE`, `initial sequence ${initialSequence} is not a 16-bit unsigned integer`, {
        observed: initialSequence,
        allowed: `0..${MAX_U16}`,
      })
    }
    this.payloadType = payloadType
    this.ssrc = ssrc
    this.maxPacketSize = maxPacketSize
    this.sequence = initialSequence
  }

  /** Sequence number of the next packet. */
  get nextSequence(): number {
    return this.sequence
  }

  /** Largest payload that fits maxPacketSize. */
  get maxPayloadSize(): number {
    return this.maxPacketSize - RTP_HEADER_SIZE
  }

  /**
   * One packet with its 12-byte header written and `payloadSize` bytes of payload, uninitialized, from
   * offset RTP_HEADER_SIZE; advances the sequence number. One allocation, nothing else (hot path).
   */
  alloc(payloadSize: number, timestamp: number, marker = false): Buffer {
    const buf = Buffer.allocUnsafe(RTP_HEADER_SIZE + payloadSize)
    writeRtpHeader(buf, 0, { marker, payloadType: this.payloadType, sequenceNumber: this.sequence, timestamp, ssrc: this.ssrc })
    this.sequence = (this.sequence + 1) & MAX_U16
    return buf
  }

  /** One packet carrying `payload` as is (copied once, after the header). */
  packet(payload: Uint8Array, timestamp: number, marker = false): Buffer {
    const buf = this.alloc(payload.length, timestamp, marker)
    buf.set(payload, RTP_HEADER_SIZE)
    return buf
  }
}
