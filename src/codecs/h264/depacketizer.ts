/**
 * RTP depacketizer for H.264, RFC 6184, modes 0 and 1 (sections 6.2, 6.3): single NAL unit packets
 * (5.6), STAP-A (5.7.1) and FU-A (5.8), reassembled into access units.
 *
 * Access-unit boundaries (5.1): the marker bit is set on the last packet of an access unit; when it
 * was lost, a packet with a new timestamp also ends the previous access unit.
 * Table 3 of section 5.4: types 0, 30 and 31 are ignored; STAP-B, MTAP16, MTAP24 and FU-B belong to
 * interleaved mode and are rejected.
 * FU-A (5.8): "a fragmented NAL unit MUST NOT be transmitted in one FU" (S and E both set is an error);
 * a lost fragment makes the whole NAL unit useless, so fragments must have consecutive sequence numbers.
 *
 * The input packet is never modified. Single NAL units and STAP-A entries are returned as views of the
 * packet payload; an FU-A NAL unit is copied once into a new buffer when its last fragment arrives.
 * Any error resets the state: the access unit in progress is dropped. Packets that follow, up to the
 * marker, are still assembled into an access unit (the rest of the damaged one); callers that need
 * only whole access units should wait for the next keyframe after an error.
 */
import { splitAnnexB } from './annexb.js'
import { CodecError, LimitError, ParseError, ProtocolError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import { MAX_ACCESS_UNIT_SIZE, MAX_NALUS_PER_ACCESS_UNIT } from './limits.js'
import { NAL_F_NRI_MASK, NAL_HEADER_SIZE, NAL_TYPE_MASK, NalType } from './nal.js'
import {
  FU_A_HEADER_SIZE,
  FU_END_BIT,
  FU_HEADER_OFFSET,
  FU_INDICATOR_OFFSET,
  FU_START_BIT,
  STAP_A_HEADER_SIZE,
  STAP_A_LENGTH_SIZE,
} from './packetizer.js'

const RESERVED_TYPE_0 = 0
const RESERVED_TYPE_30 = 30
const RESERVED_TYPE_31 = 31
const SEQUENCE_MASK = 0xffff

export interface H264AccessUnit {
  nalus: Buffer[]
  /** RTP timestamp of the access unit (90 kHz). */
  timestamp: number
  /** The access unit holds an IDR slice. */
  keyframe: boolean
}

export interface H264DepacketizerOptions {
  /** Cap on the NAL-unit bytes of one access unit. Default MAX_ACCESS_UNIT_SIZE. */
  maxAccessUnitSize?: number
  /** Cap on the NAL units of one access unit. Default MAX_NALUS_PER_ACCESS_UNIT. */
  maxNalusPerAccessUnit?: number
}

export class H264Depacketizer {
  private readonly maxSize: number
  private readonly maxNalus: number

  // Access unit in progress.
  private nalus: Buffer[] = []
  private size = 0
  private keyframe = false
  private timestamp = 0
  /** A packet of the current access unit was accepted (its timestamp is `timestamp`). */
  private started = false

  // FU-A in progress.
  private fragments: Buffer[] = []
  private fragmentsSize = 0
  /** Header of the NAL unit being reassembled: F and NRI of the FU indicator, type of the FU header. */
  private fuHeader = 0
  private fuType = 0
  private lastSequence = 0

  /** Access units completed but not yet returned (a lost marker can complete two at once). */
  private ready: H264AccessUnit[] = []

  constructor(opts: H264DepacketizerOptions = {}) {
    this.maxSize = opts.maxAccessUnitSize ?? MAX_ACCESS_UNIT_SIZE
    this.maxNalus = opts.maxNalusPerAccessUnit ?? MAX_NALUS_PER_ACCESS_UNIT
  }

  /**
   * Feeds one packet; returns an access unit when one is complete, else undefined ("need more
   * packets" is not an error). In the rare case one packet completes two access units (marker lost
   * and the next access unit fits one packet) the second is returned by the next `push` or `shift`.
   * Throws ParseError / ProtocolError / CodecError / LimitError and resets on bad input.
   */
  push(p: RtpPacket): H264AccessUnit | undefined {
    try {
      this.consume(p)
    } catch (err) {
      this.reset()
      throw err
    }
    return this.ready.shift()
  }

  /** Returns an access unit completed earlier and not yet returned, if any. */
  shift(): H264AccessUnit | undefined {
    return this.ready.shift()
  }

  /** Drops the access unit and fragments in progress (not the completed ones waiting in `shift`). */
  reset(): void {
    this.nalus = []
    this.size = 0
    this.keyframe = false
    this.started = false
    this.fragments = []
    this.fragmentsSize = 0
  }

  private consume(p: RtpPacket): void {
    const payload = p.payload
    if (payload.length < NAL_HEADER_SIZE) {
      throw new ParseError('ERR_H264_RTP_EMPTY', 'RTP packet has an empty H.264 payload', {
        observed: payload.length,
        allowed: `>= ${NAL_HEADER_SIZE}`,
      })
    }
    const type = payload[0]! & NAL_TYPE_MASK
    const continuesFu = type === NalType.FU_A && payload.length >= FU_A_HEADER_SIZE && (payload[FU_HEADER_OFFSET]! & FU_START_BIT) === 0

    if (this.fragments.length > 0 && !continuesFu) {
      throw new ProtocolError('ERR_H264_FU_INCOMPLETE', `FU-A of NAL unit type ${this.fuType} ended without its end fragment`, {
        observed: { sequence: p.sequenceNumber, type },
        allowed: `FU-A continuation with sequence ${(this.lastSequence + 1) & SEQUENCE_MASK}`,
      })
    }
    if (this.started && p.timestamp !== this.timestamp) {
      if (this.fragments.length > 0) {
        throw new ProtocolError('ERR_H264_FU_TIMESTAMP', 'FU-A fragments of one NAL unit carry different timestamps', {
          observed: p.timestamp,
          allowed: this.timestamp,
        })
      }
      this.finish() // marker lost: the new timestamp ends the previous access unit
    }
    if (!this.started) {
      this.started = true
      this.timestamp = p.timestamp
    }

    switch (type) {
      case NalType.STAP_A:
        this.consumeStapA(payload)
        break
      case NalType.FU_A:
        this.consumeFuA(p, payload)
        break
      case NalType.STAP_B:
      case NalType.MTAP16:
      case NalType.MTAP24:
      case NalType.FU_B:
        throw new CodecError('ERR_H264_INTERLEAVED', `RTP packet type ${type} needs packetization-mode=2, which is not supported`, {
          observed: type,
          allowed: [1, '...', 23, 24, 28],
        })
      case RESERVED_TYPE_0:
        // Some cameras put Annex-B byte streams (start code, then NAL units) straight into RTP
        // payloads. Type 0 cannot start a real NAL unit, so a leading start code is unambiguous.
        if (startsWithStartCode(payload)) {
          for (const nal of splitAnnexB(payload)) this.append(nal)
        }
        break // otherwise RFC 6184 Table 3: ignore
      case RESERVED_TYPE_30:
      case RESERVED_TYPE_31:
        break // RFC 6184 Table 3: ignore
      default:
        this.append(payload)
    }

    if (p.marker) {
      if (this.fragments.length > 0) {
        throw new ProtocolError('ERR_H264_FU_MARKER', 'marker bit set on an FU-A fragment that is not the last', {
          observed: p.sequenceNumber,
        })
      }
      this.finish()
    }
  }

  private consumeStapA(payload: Buffer): void {
    let off = STAP_A_HEADER_SIZE
    let count = 0
    while (off < payload.length) {
      if (payload.length - off < STAP_A_LENGTH_SIZE) {
        throw new ParseError('ERR_H264_STAP_A', 'STAP-A ends inside a NAL unit size field', {
          observed: payload.length - off,
          allowed: STAP_A_LENGTH_SIZE,
        })
      }
      const size = payload.readUInt16BE(off)
      off += STAP_A_LENGTH_SIZE
      if (size === 0) {
        // Some senders pad STAP-A with zero bytes; a zero size cannot start a NAL unit, so stop here.
        break
      }
      if (size > payload.length - off) {
        throw new ParseError('ERR_H264_STAP_A', `STAP-A NAL unit of ${size} bytes runs past the packet`, {
          observed: size,
          allowed: `<= ${payload.length - off}`,
        })
      }
      this.append(payload.subarray(off, off + size))
      off += size
      count++
    }
    if (count === 0) throw new ParseError('ERR_H264_STAP_A', 'STAP-A holds no NAL unit', { observed: 0, allowed: '>= 1' })
  }

  private consumeFuA(p: RtpPacket, payload: Buffer): void {
    if (payload.length < FU_A_HEADER_SIZE) {
      throw new ParseError('ERR_H264_FU_A', 'FU-A packet has no FU header', { observed: payload.length, allowed: `>= ${FU_A_HEADER_SIZE}` })
    }
    const fuHeader = payload[FU_HEADER_OFFSET]!
    const start = (fuHeader & FU_START_BIT) !== 0
    const end = (fuHeader & FU_END_BIT) !== 0
    const type = fuHeader & NAL_TYPE_MASK
    const fragment = payload.subarray(FU_A_HEADER_SIZE)

    if (start && end) {
      // RFC 6184 §5.8 forbids it, but some cameras fragment a small NAL unit into one FU-A: it is whole.
      const nal = Buffer.allocUnsafe(NAL_HEADER_SIZE + fragment.length)
      nal[0] = (payload[FU_INDICATOR_OFFSET]! & NAL_F_NRI_MASK) | type
      fragment.copy(nal, NAL_HEADER_SIZE)
      this.append(nal)
      return
    }
    if (start) {
      this.fuHeader = (payload[FU_INDICATOR_OFFSET]! & NAL_F_NRI_MASK) | type
      this.fuType = type
    } else {
      if (this.fragments.length === 0) {
        // Normal when joining a stream mid-NAL-unit; a distinct code lets callers ignore it.
        throw new ProtocolError('ERR_H264_FU_NO_START', 'FU-A continuation without its start fragment', { observed: p.sequenceNumber })
      }
      const expected = (this.lastSequence + 1) & SEQUENCE_MASK
      if (p.sequenceNumber !== expected) {
        throw new ProtocolError('ERR_H264_FU_GAP', `FU-A fragment lost: sequence ${p.sequenceNumber} after ${this.lastSequence}`, {
          observed: p.sequenceNumber,
          allowed: expected,
        })
      }
      if (type !== this.fuType) {
        throw new ParseError('ERR_H264_FU_A', `FU-A fragment of NAL unit type ${type} continues type ${this.fuType}`, {
          observed: type,
          allowed: this.fuType,
        })
      }
    }

    const nalSize = NAL_HEADER_SIZE + this.fragmentsSize + fragment.length
    if (this.size + nalSize > this.maxSize) {
      throw new LimitError('ERR_H264_AU_SIZE', `access unit larger than ${this.maxSize} bytes`, {
        observed: this.size + nalSize,
        allowed: this.maxSize,
      })
    }
    if (start) {
      this.fragments = [fragment]
      this.fragmentsSize = fragment.length
    } else {
      this.fragments.push(fragment)
      this.fragmentsSize += fragment.length
    }
    this.lastSequence = p.sequenceNumber
    if (!end) return

    const nal = Buffer.allocUnsafe(NAL_HEADER_SIZE + this.fragmentsSize)
    nal[0] = this.fuHeader
    let off = NAL_HEADER_SIZE
    for (const f of this.fragments) off += f.copy(nal, off)
    this.fragments = []
    this.fragmentsSize = 0
    this.append(nal)
  }

  private append(nal: Buffer): void {
    if (this.nalus.length + 1 > this.maxNalus) {
      throw new LimitError('ERR_H264_AU_NALUS', `access unit has more than ${this.maxNalus} NAL units`, {
        observed: this.nalus.length + 1,
        allowed: this.maxNalus,
      })
    }
    if (this.size + nal.length > this.maxSize) {
      throw new LimitError('ERR_H264_AU_SIZE', `access unit larger than ${this.maxSize} bytes`, {
        observed: this.size + nal.length,
        allowed: this.maxSize,
      })
    }
    this.nalus.push(nal)
    this.size += nal.length
    if ((nal[0]! & NAL_TYPE_MASK) === NalType.IDR) this.keyframe = true
  }

  private finish(): void {
    if (this.nalus.length > 0) this.ready.push({ nalus: this.nalus, timestamp: this.timestamp, keyframe: this.keyframe })
    this.nalus = []
    this.size = 0
    this.keyframe = false
    this.started = false
  }
}

/** 00 00 01 or 00 00 00 01 at the start of a payload. */
function startsWithStartCode(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0 && b[1] === 0 && (b[2] === 1 || (b[2] === 0 && b[3] === 1))
}
