/**
 * RTP depacketizer for H.265, RFC 7798, single RTP stream (tx-mode SRST): single NAL unit packets
 * (4.4.1), aggregation packets (4.4.2), fragmentation units (4.4.3) and PACI packets (4.4.4),
 * reassembled into access units.
 *
 * DONL/DOND (4.4): only sprop-max-don-diff = 0 is supported, where the payloads carry no decoding order
 * numbers and transmission order is decoding order (6.1). With sprop-max-don-diff > 0 every payload
 * would start with a DONL field this depacketizer would take for NAL data; callers must refuse such
 * sessions (parseH265Fmtp reports `maxDonDiff`).
 *
 * Access-unit boundaries (4.1): the marker bit is set on the last packet of an access unit; when it was
 * lost, a packet with a new timestamp also ends the previous access unit.
 * Types 51..63 are ignored: 4.4 "NAL-unit-like structures with nal_unit_type in the range of 48 to 63,
 * inclusive, MUST NOT be passed to the decoder", and this format defines only 48, 49 and 50.
 * FU (4.4.3): "A fragmented NAL unit MUST NOT be transmitted in one FU; that is, the Start bit and End
 * bit MUST NOT both be set to one in the same FU header." Some senders do it anyway for a NAL unit that
 * fits one packet; such an FU is accepted as a whole NAL unit. A lost fragment makes the whole NAL unit
 * useless, so fragments must have consecutive sequence numbers.
 * PACI (4.4.4): the PACI header gives the F bit (A) and Type (cType) of the payload it wraps, which is
 * then read without its own PayloadHdr; the header extensions (PHES, e.g. TSCI) are skipped.
 *
 * The input packet is never modified. Single NAL units and AP entries are views of the packet payload;
 * an FU NAL unit is copied once into a new buffer when its last fragment arrives (a PACI-wrapped single
 * NAL unit is copied too, to rebuild its header). `push` then writes each access unit once into
 * a new Annex-B buffer. Any error resets the state: the access unit in progress is dropped. Packets
 * that follow, up to the marker, are still assembled into an access unit (the rest of the damaged one);
 * callers that need only whole access units should wait for the next keyframe after an error. An access
 * unit completed by the failing packet's new timestamp is not lost: the next `push` returns it.
 */
import { LimitError, ParseError, ProtocolError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'
import { joinAnnexB } from '../annexb.js'
import { MAX_ACCESS_UNIT_SIZE, MAX_NALUS_PER_ACCESS_UNIT } from './limits.js'
import {
  H265NalType,
  MAX_H265_NAL_TYPE,
  NAL_F_LAYER_HIGH_MASK,
  NAL_FORBIDDEN_BIT,
  NAL_HEADER_SIZE,
  NAL_LAYER_ID_HIGH_BIT,
  NAL_TYPE_BITS,
  NAL_TYPE_SHIFT,
  isIrapType,
} from './nal.js'
import { AP_LENGTH_SIZE, FU_END_BIT, FU_HEADER_SIZE, FU_START_BIT, FU_TYPE_MASK, PAYLOAD_HEADER_SIZE } from './packetizer.js'

const SEQUENCE_MASK = 0xffff
/** PACI header (4.4.4) after the PayloadHdr: |A|   cType   | PHSsize |F0..2|Y| */
const PACI_HEADER_SIZE = 2
const PACI_A_BIT = 0x80
const PACI_CTYPE_MASK = 0x7e
const PACI_PHSSIZE_HIGH_MASK = 0x01
const PACI_PHSSIZE_LOW_SHIFT = 4
const PACI_PHSSIZE_HIGH_SHIFT = 4

export interface H265AccessUnit {
  nalus: Buffer[]
  /** RTP timestamp of the access unit (90 kHz). */
  timestamp: number
  /** The access unit holds a slice segment of an IRAP picture. */
  keyframe: boolean
}

export interface H265DepacketizerOptions {
  /** Cap on the NAL-unit bytes of one access unit. Default MAX_ACCESS_UNIT_SIZE. */
  maxAccessUnitSize?: number
  /** Cap on the NAL units of one access unit. Default MAX_NALUS_PER_ACCESS_UNIT. */
  maxNalusPerAccessUnit?: number
  /**
   * Parameter sets from the SDP (sprop-vps, sprop-sps, sprop-pps, in that order). They are put in front of
   * an IRAP access unit that arrives without an SPS, so the output decodes on its own (RFC 7798 7.2.4: a
   * sender may send parameter sets out of band only).
   */
  parameterSets?: readonly Buffer[]
}

function nalTypeOf(header0: number): number {
  return (header0 >>> NAL_TYPE_SHIFT) & NAL_TYPE_BITS
}

/** PHSsize of a PACI header (its two bytes after the PayloadHdr). */
function paciPhsSize(b0: number, b1: number): number {
  return ((b0 & PACI_PHSSIZE_HIGH_MASK) << PACI_PHSSIZE_HIGH_SHIFT) | (b1 >>> PACI_PHSSIZE_LOW_SHIFT)
}

/** True for an FU without the start bit, directly or wrapped in a PACI packet (a peek: no errors). */
function isFuContinuation(payload: Buffer): boolean {
  let type = nalTypeOf(payload[0]!)
  let off = PAYLOAD_HEADER_SIZE
  if (type === H265NalType.PACI && payload.length >= off + PACI_HEADER_SIZE) {
    type = (payload[off]! & PACI_CTYPE_MASK) >>> NAL_TYPE_SHIFT
    off += PACI_HEADER_SIZE + paciPhsSize(payload[off]!, payload[off + 1]!)
  }
  return type === H265NalType.FU && payload.length > off && (payload[off]! & FU_START_BIT) === 0
}

export class H265Depacketizer implements CodecDepacketizer {
  private readonly maxSize: number
  private readonly maxNalus: number
  private readonly parameterSets: readonly Buffer[]

  // Access unit in progress.
  private nalus: Buffer[] = []
  private size = 0
  private keyframe = false
  private timestamp = 0
  /** A packet of the current access unit was accepted (its timestamp is `timestamp`). */
  private started = false

  // FU in progress.
  private fragments: Buffer[] = []
  private fragmentsSize = 0
  /** Header of the NAL unit being reassembled (PayloadHdr with the FU type put back). */
  private fuHeader0 = 0
  private fuHeader1 = 0
  private fuType = 0
  private lastSequence = 0

  /**
   * Access units completed but not yet returned: a packet with a new timestamp completes the previous
   * access unit before its own payload is read, and if that payload is bad the completed one is kept
   * for the next `push` rather than lost with the error. At most one waits at a time.
   */
  private completed: H265AccessUnit[] = []

  constructor(opts: H265DepacketizerOptions = {}) {
    this.maxSize = opts.maxAccessUnitSize ?? MAX_ACCESS_UNIT_SIZE
    this.maxNalus = opts.maxNalusPerAccessUnit ?? MAX_NALUS_PER_ACCESS_UNIT
    this.parameterSets = opts.parameterSets ?? []
  }

  /**
   * Feeds one packet; returns the access units it completes as Annex-B (4-byte start codes), usually none
   * or one; two when the marker was lost and the packet both ends the previous access unit (by its new
   * timestamp) and completes its own. Throws ParseError / ProtocolError / LimitError and resets on bad
   * input.
   */
  push(p: RtpPacket): ReceivedFrame[] {
    return this.pushAccessUnits(p).map((au) => ({ data: joinAnnexB(au.nalus), timestamp: au.timestamp, keyframe: au.keyframe }))
  }

  /** Like `push`, with each access unit as NAL units (views of the packets where possible). */
  pushAccessUnits(p: RtpPacket): H265AccessUnit[] {
    try {
      this.consume(p, this.completed)
    } catch (err) {
      this.dropInProgress()
      throw err
    }
    const done = this.completed
    this.completed = []
    return done
  }

  /** Starts over: drops the access unit and fragments in progress, and a completed access unit not yet returned. */
  reset(): void {
    this.dropInProgress()
    this.completed = []
  }

  private dropInProgress(): void {
    this.nalus = []
    this.size = 0
    this.keyframe = false
    this.started = false
    this.fragments = []
    this.fragmentsSize = 0
  }

  private consume(p: RtpPacket, done: H265AccessUnit[]): void {
    const payload = p.payload
    if (payload.length < PAYLOAD_HEADER_SIZE) {
      throw new ParseError('ERR_H265_RTP_SHORT', `RTP packet has a ${payload.length}-byte H.265 payload, shorter than its PayloadHdr`, {
        observed: payload.length,
        allowed: `>= ${PAYLOAD_HEADER_SIZE}`,
      })
    }
    const type = nalTypeOf(payload[0]!)
    if (this.fragments.length > 0 && !isFuContinuation(payload)) {
      throw new ProtocolError('ERR_H265_FU_INCOMPLETE', `FU of NAL unit type ${this.fuType} ended without its end fragment`, {
        observed: { sequence: p.sequenceNumber, type },
        allowed: `FU continuation with sequence ${(this.lastSequence + 1) & SEQUENCE_MASK}`,
      })
    }
    if (this.started && p.timestamp !== this.timestamp) {
      if (this.fragments.length > 0) {
        throw new ProtocolError('ERR_H265_FU_TIMESTAMP', 'fragments of one NAL unit carry different timestamps', {
          observed: p.timestamp,
          allowed: this.timestamp,
        })
      }
      this.finish(done) // marker lost: the new timestamp ends the previous access unit
    }
    if (!this.started) {
      this.started = true
      this.timestamp = p.timestamp
    }

    this.consumePayload(p, payload[0]!, payload[1]!, payload.subarray(PAYLOAD_HEADER_SIZE), payload)

    if (p.marker) {
      if (this.fragments.length > 0) {
        throw new ProtocolError('ERR_H265_FU_MARKER', 'marker bit set on an FU fragment that is not the last', {
          observed: p.sequenceNumber,
        })
      }
      this.finish(done)
    }
  }

  /**
   * One payload structure given its PayloadHdr bytes and the bytes after them. `whole` is the payload
   * with its header as it is in the packet, so a single NAL unit can be returned as a view; it is
   * undefined for the payload a PACI packet wraps, whose header was rebuilt.
   */
  private consumePayload(p: RtpPacket, h0: number, h1: number, body: Buffer, whole?: Buffer): void {
    const type = nalTypeOf(h0)
    switch (type) {
      case H265NalType.AP:
        this.consumeAp(body)
        return
      case H265NalType.FU:
        this.consumeFu(p, h0, h1, body)
        return
      case H265NalType.PACI:
        if (!whole) throw new ParseError('ERR_H265_PACI', 'PACI packet nested in a PACI packet', { observed: type })
        this.consumePaci(p, h0, h1, body)
        return
    }
    if (type > MAX_H265_NAL_TYPE) return // 51..63: not for the decoder
    if (whole) {
      this.append(whole)
      return
    }
    const nal = Buffer.allocUnsafe(NAL_HEADER_SIZE + body.length)
    nal[0] = h0
    nal[1] = h1
    body.copy(nal, NAL_HEADER_SIZE)
    this.append(nal)
  }

  private consumeAp(body: Buffer): void {
    let off = 0
    let count = 0
    while (off < body.length) {
      if (body.length - off < AP_LENGTH_SIZE) {
        throw new ParseError('ERR_H265_AP', 'AP ends inside a NAL unit size field', {
          observed: body.length - off,
          allowed: AP_LENGTH_SIZE,
        })
      }
      const size = body.readUInt16BE(off)
      off += AP_LENGTH_SIZE
      if (size === 0) {
        // Like STAP-A in H.264: zero bytes at the end are padding; a zero size cannot start a NAL unit.
        break
      }
      if (size < NAL_HEADER_SIZE) {
        throw new ParseError('ERR_H265_AP', `AP NAL unit of ${size} byte is shorter than its header`, {
          observed: size,
          allowed: `>= ${NAL_HEADER_SIZE}`,
        })
      }
      if (size > body.length - off) {
        throw new ParseError('ERR_H265_AP', `AP NAL unit of ${size} bytes runs past the packet`, {
          observed: size,
          allowed: `<= ${body.length - off}`,
        })
      }
      const nal = body.subarray(off, off + size)
      off += size
      count++
      if (nalTypeOf(nal[0]!) > MAX_H265_NAL_TYPE) {
        throw new ParseError('ERR_H265_AP', `AP holds a NAL unit of type ${nalTypeOf(nal[0]!)}`, {
          observed: nalTypeOf(nal[0]!),
          allowed: `0..${MAX_H265_NAL_TYPE}`,
        })
      }
      this.append(nal)
    }
    // RFC 7798 asks for at least two aggregation units; one is accepted (it is still well formed).
    if (count === 0) throw new ParseError('ERR_H265_AP', 'AP holds no NAL unit', { observed: 0, allowed: '>= 1' })
  }

  private consumeFu(p: RtpPacket, h0: number, h1: number, body: Buffer): void {
    if (body.length < FU_HEADER_SIZE) {
      throw new ParseError('ERR_H265_FU', 'FU packet has no FU header', {
        observed: body.length + PAYLOAD_HEADER_SIZE,
        allowed: `>= ${PAYLOAD_HEADER_SIZE + FU_HEADER_SIZE}`,
      })
    }
    const fuHeader = body[0]!
    const start = (fuHeader & FU_START_BIT) !== 0
    const end = (fuHeader & FU_END_BIT) !== 0
    const type = fuHeader & FU_TYPE_MASK
    const fragment = body.subarray(FU_HEADER_SIZE)

    if (start) {
      if (type > MAX_H265_NAL_TYPE) {
        throw new ParseError('ERR_H265_FU', `FU of NAL unit type ${type}`, { observed: type, allowed: `0..${MAX_H265_NAL_TYPE}` })
      }
      // The NAL header: F, LayerId and TID from the PayloadHdr, Type from the FU header (4.4.3).
      this.fuHeader0 = (h0 & NAL_F_LAYER_HIGH_MASK) | (type << NAL_TYPE_SHIFT)
      this.fuHeader1 = h1
      this.fuType = type
    } else {
      if (this.fragments.length === 0) {
        // Normal when joining a stream mid-NAL-unit; a distinct code lets callers ignore it.
        throw new ProtocolError('ERR_H265_FU_NO_START', 'FU continuation without its start fragment', { observed: p.sequenceNumber })
      }
      const expected = (this.lastSequence + 1) & SEQUENCE_MASK
      if (p.sequenceNumber !== expected) {
        throw new ProtocolError('ERR_H265_FU_GAP', `FU fragment lost: sequence ${p.sequenceNumber} after ${this.lastSequence}`, {
          observed: p.sequenceNumber,
          allowed: expected,
        })
      }
      if (type !== this.fuType) {
        throw new ParseError('ERR_H265_FU', `FU fragment of NAL unit type ${type} continues type ${this.fuType}`, {
          observed: type,
          allowed: this.fuType,
        })
      }
    }

    const nalSize = NAL_HEADER_SIZE + (start ? 0 : this.fragmentsSize) + fragment.length
    if (this.size + nalSize > this.maxSize) {
      throw new LimitError('ERR_H265_AU_SIZE', `access unit larger than ${this.maxSize} bytes`, {
        observed: this.size + nalSize,
        allowed: this.maxSize,
      })
    }
    if (end && this.nalus.length + 1 > this.maxNalus) {
      throw new LimitError('ERR_H265_AU_NALUS', `access unit has more than ${this.maxNalus} NAL units`, {
        observed: this.nalus.length + 1,
        allowed: this.maxNalus,
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
    nal[0] = this.fuHeader0
    nal[1] = this.fuHeader1
    let off = NAL_HEADER_SIZE
    for (const f of this.fragments) off += f.copy(nal, off)
    this.fragments = []
    this.fragmentsSize = 0
    this.append(nal)
  }

  private consumePaci(p: RtpPacket, h0: number, h1: number, body: Buffer): void {
    if (body.length < PACI_HEADER_SIZE) {
      throw new ParseError('ERR_H265_PACI', 'PACI packet has no PACI header', {
        observed: body.length + PAYLOAD_HEADER_SIZE,
        allowed: `>= ${PAYLOAD_HEADER_SIZE + PACI_HEADER_SIZE}`,
      })
    }
    const a = body[0]! & PACI_A_BIT
    const cType = (body[0]! & PACI_CTYPE_MASK) >>> NAL_TYPE_SHIFT
    const phsSize = paciPhsSize(body[0]!, body[1]!)
    const inner = PACI_HEADER_SIZE + phsSize
    if (inner > body.length) {
      throw new ParseError('ERR_H265_PACI', `PACI header extension of ${phsSize} bytes runs past the packet`, {
        observed: phsSize,
        allowed: `<= ${body.length - PACI_HEADER_SIZE}`,
      })
    }
    // The wrapped payload's header: F from A, Type from cType, LayerId and TID from the PACI PayloadHdr.
    const innerH0 = (a === 0 ? 0 : NAL_FORBIDDEN_BIT) | (cType << NAL_TYPE_SHIFT) | (h0 & NAL_LAYER_ID_HIGH_BIT)
    this.consumePayload(p, innerH0, h1, body.subarray(inner))
  }

  private append(nal: Buffer): void {
    if (this.nalus.length + 1 > this.maxNalus) {
      throw new LimitError('ERR_H265_AU_NALUS', `access unit has more than ${this.maxNalus} NAL units`, {
        observed: this.nalus.length + 1,
        allowed: this.maxNalus,
      })
    }
    if (this.size + nal.length > this.maxSize) {
      throw new LimitError('ERR_H265_AU_SIZE', `access unit larger than ${this.maxSize} bytes`, {
        observed: this.size + nal.length,
        allowed: this.maxSize,
      })
    }
    this.nalus.push(nal)
    this.size += nal.length
    if (isIrapType(nalTypeOf(nal[0]!))) this.keyframe = true
  }

  private finish(done: H265AccessUnit[]): void {
    if (this.nalus.length > 0) {
      let nalus = this.nalus
      if (this.keyframe && this.parameterSets.length > 0 && !nalus.some((n) => nalTypeOf(n[0]!) === H265NalType.SPS))
        nalus = [...this.parameterSets, ...nalus]
      done.push({ nalus, timestamp: this.timestamp, keyframe: this.keyframe })
    }
    this.nalus = []
    this.size = 0
    this.keyframe = false
    this.started = false
  }
}
