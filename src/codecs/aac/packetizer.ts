/**
 * RTP payload format for MPEG-4 AAC, RFC 3640 (mpeg4-generic), mode AAC-hbr (3.3.6): sizeLength 13,
 * indexLength 3, indexDeltaLength 3, no CTS/DTS, no auxiliary section.
 *
 * Payload (3.2.1, 3.2.1.1):
 *  +---------+-----------+-----------+---------------+
 *  | RTP     | AU Header | Auxiliary | Access Unit   |
 *  | Header  | Section   | Section   | Data Section  |
 *  +---------+-----------+-----------+---------------+
 *  AU-header section: AU-headers-length (16 bits, in bits) then one 16-bit AU-header per AU:
 *   0                   1
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    AU-size (13 bits)    |Index|   AU-Index (first header) or AU-Index-delta (the others), 0 here
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Consecutive AUs that fit go into one packet; the RTP timestamp is that of the first AU (3.2.2). An AU
 * larger than a packet is fragmented (3.2.3): each fragment carries one AU-header with the size of the
 * whole AU. The marker bit is set on every packet that ends an AU, so on all but non-final fragments
 * (3.2.2: "set to 1 to indicate that the RTP packet payload contains either the final fragment of a
 * fragmented Access Unit or one or more complete Access Units").
 *
 * The packetizer owns SSRC and sequence numbers; the caller owns timestamps.
 */
import { CodecError, ConfigError } from '../../errors.js'
import { RTP_MAX_PACKET_SIZE, RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import type { CodecPacketizer } from '../codec.js'
import { AAC_FRAME_LENGTH } from './audio-specific-config.js'
import { DEFAULT_AAC_PAYLOAD_TYPE } from './format.js'
import { AAC_HBR_MAX_AU_SIZE } from './limits.js'

export const DEFAULT_MAX_PACKET_SIZE = 1400
export const AU_HEADERS_LENGTH_SIZE = 2
export const AAC_HBR_AU_HEADER_SIZE = 2
/** AU-size sits above the 3 index bits of an AAC-hbr AU-header. */
export const AAC_HBR_SIZE_SHIFT = 3
const BITS_PER_BYTE = 8
/** Room for the AU-header section of one AU and one byte of it. */
export const AAC_MIN_PACKET_SIZE = RTP_HEADER_SIZE + AU_HEADERS_LENGTH_SIZE + AAC_HBR_AU_HEADER_SIZE + 1
export const MAX_MAX_PACKET_SIZE = RTP_MAX_PACKET_SIZE
/** AU-headers-length is 16 bits of bits: 4095 AAC-hbr headers at most. */
const MAX_AUS_IN_HEADER_SECTION = Math.floor(0xffff / (AAC_HBR_AU_HEADER_SIZE * BITS_PER_BYTE))
const MAX_U16 = 0xffff

export interface AacPacketizerOptions {
  /** Dynamic payload type, default 97. */
  payloadType?: number | undefined
  ssrc: number
  /** Default: random (RFC 3550 5.1). */
  initialSequence?: number | undefined
  /** Largest serialized RTP packet, header included. Default 1400. */
  maxPacketSize?: number | undefined
  /** RTP timestamp ticks between consecutive AUs of one `packetize` call (default 1024, see `auDuration`). */
  auDuration?: number | undefined
}

export class AacPacketizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  readonly auDuration: number
  private readonly writer: RtpPacketWriter

  constructor(opts: AacPacketizerOptions) {
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType: DEFAULT_AAC_PAYLOAD_TYPE,
      defaultMaxPacketSize: DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: AAC_MIN_PACKET_SIZE,
    })
    const auDuration = opts.auDuration ?? AAC_FRAME_LENGTH
    if (!Number.isInteger(auDuration) || auDuration < 1 || auDuration > MAX_U16) {
      throw new ConfigError('ERR_AAC_AU_DURATION', `AU duration ${auDuration} is not in 1..${MAX_U16}`, {
        observed: auDuration,
        allowed: `1..${MAX_U16}`,
      })
    }
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.maxPacketSize = this.writer.maxPacketSize
    this.auDuration = auDuration
  }

  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /**
   * Packetizes one AU, or consecutive AUs (AU i at `timestamp + i * auDuration`). Throws CodecError, before
   * sending anything, for an empty AU or one above 8191 bytes (the 13-bit AU-size of AAC-hbr).
   */
  packetize(frame: Uint8Array | readonly Uint8Array[], timestamp: number): Buffer[] {
    const aus = frame instanceof Uint8Array ? [frame] : frame
    for (const au of aus) {
      if (au.length === 0 || au.length > AAC_HBR_MAX_AU_SIZE) {
        throw new CodecError('ERR_AAC_AU_SIZE', `AAC access unit of ${au.length} bytes cannot be sent in AAC-hbr`, {
          observed: au.length,
          allowed: `1..${AAC_HBR_MAX_AU_SIZE}`,
        })
      }
    }
    const maxPayload = this.maxPacketSize - RTP_HEADER_SIZE
    const out: Buffer[] = []
    let i = 0
    while (i < aus.length) {
      const first = aus[i]!
      const ts = (timestamp + i * this.auDuration) >>> 0
      if (AU_HEADERS_LENGTH_SIZE + AAC_HBR_AU_HEADER_SIZE + first.length > maxPayload) {
        this.writeFragments(out, first, maxPayload, ts)
        i++
        continue
      }
      // Take AUs while the next one still fits.
      let end = i + 1
      let size = AU_HEADERS_LENGTH_SIZE + AAC_HBR_AU_HEADER_SIZE + first.length
      while (end < aus.length && end - i < MAX_AUS_IN_HEADER_SECTION) {
        const next = size + AAC_HBR_AU_HEADER_SIZE + aus[end]!.length
        if (next > maxPayload) break
        size = next
        end++
      }
      this.writeAggregate(out, aus, i, end, size, ts)
      i = end
    }
    return out
  }

  private writeAggregate(
    out: Buffer[],
    aus: readonly Uint8Array[],
    start: number,
    end: number,
    payloadSize: number,
    timestamp: number,
  ): void {
    const count = end - start
    const buf = this.writer.alloc(payloadSize, timestamp, true)
    let headerOff = RTP_HEADER_SIZE
    buf.writeUInt16BE(count * AAC_HBR_AU_HEADER_SIZE * BITS_PER_BYTE, headerOff)
    headerOff += AU_HEADERS_LENGTH_SIZE
    let dataOff = headerOff + count * AAC_HBR_AU_HEADER_SIZE
    for (let k = start; k < end; k++) {
      const au = aus[k]!
      buf.writeUInt16BE(au.length << AAC_HBR_SIZE_SHIFT, headerOff) // index / index-delta 0: consecutive AUs
      headerOff += AAC_HBR_AU_HEADER_SIZE
      buf.set(au, dataOff)
      dataOff += au.length
    }
    out.push(buf)
  }

  private writeFragments(out: Buffer[], au: Uint8Array, maxPayload: number, timestamp: number): void {
    const maxFragment = maxPayload - AU_HEADERS_LENGTH_SIZE - AAC_HBR_AU_HEADER_SIZE
    for (let off = 0; off < au.length; off += maxFragment) {
      const end = Math.min(off + maxFragment, au.length)
      const buf = this.writer.alloc(AU_HEADERS_LENGTH_SIZE + AAC_HBR_AU_HEADER_SIZE + end - off, timestamp, end === au.length)
      buf.writeUInt16BE(AAC_HBR_AU_HEADER_SIZE * BITS_PER_BYTE, RTP_HEADER_SIZE)
      buf.writeUInt16BE(au.length << AAC_HBR_SIZE_SHIFT, RTP_HEADER_SIZE + AU_HEADERS_LENGTH_SIZE) // size of the whole AU
      buf.set(au.subarray(off, end), RTP_HEADER_SIZE + AU_HEADERS_LENGTH_SIZE + AAC_HBR_AU_HEADER_SIZE)
      out.push(buf)
    }
  }
}
