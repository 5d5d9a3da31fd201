/**
 * RTP packetizer for AV1, "RTP Payload Format For AV1" v1.0 sections 4 and 5: a temporal unit (its OBUs
 * in the low-overhead format, with or without its temporal delimiter) becomes packets of OBU elements.
 * Temporal delimiters and tile list OBUs are dropped (5: "SHOULD be removed"); every OBU is sent without
 * obu_size (4.3: its length is the element's). OBUs are packed in order and fragmented where the packet
 * size limit falls (Z/Y mark the fragments); W counts the elements when there are at most 3, the last then
 * without its length. N is set on the first packet of a temporal unit that starts a coded video sequence
 * (a sequence header with a key frame); the marker bit ends the temporal unit. The packetizer owns SSRC
 * and sequence; the caller owns timestamps.
 */
import { CodecError } from '../../errors.js'
import { RtpPacketWriter } from '../../rtp/packet-writer.js'
import { RTP_HEADER_SIZE } from '../../rtp/rtp-packet.js'
import type { Random } from '../../util/random.js'
import type { CodecPacketizer } from '../codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN } from '../format-helpers.js'
import { wholeFrame } from '../frame-video-track.js'
import { AGGREGATION_HEADER_SIZE, MAX_COUNTED_ELEMENTS, writeAggregationHeader } from './aggregation-header.js'
import { leb128Size, writeLeb128 } from './leb128.js'
import { headerWithoutSize, isAv1KeyTemporalUnit, OBU_TEMPORAL_DELIMITER, OBU_TILE_LIST, splitObus, type Obu } from './obu.js'

export const AV1_DEFAULT_MAX_PACKET_SIZE = 1400
/** Header, aggregation header, a one-byte length and one byte of OBU. */
export const AV1_MIN_PACKET_SIZE = RTP_HEADER_SIZE + AGGREGATION_HEADER_SIZE + 2

export interface Av1PacketizerOptions {
  payloadType?: number | undefined
  ssrc: number
  initialSequence?: number | undefined
  maxPacketSize?: number | undefined
  random?: Random | undefined
}

/** Part of an OBU as sent: byte `from` to `to` of its header (S cleared) followed by its payload. */
interface Element {
  obu: Obu
  from: number
  to: number
}

interface PlannedPacket {
  elements: Element[]
  continuation: boolean
  continues: boolean
}

export class Av1Packetizer implements CodecPacketizer {
  readonly ssrc: number
  readonly payloadType: number
  readonly maxPacketSize: number
  private readonly writer: RtpPacketWriter

  constructor(opts: Av1PacketizerOptions) {
    this.writer = new RtpPacketWriter(opts, {
      defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
      defaultMaxPacketSize: AV1_DEFAULT_MAX_PACKET_SIZE,
      minPacketSize: AV1_MIN_PACKET_SIZE,
      codePrefix: 'ERR_AV1_',
    })
    this.ssrc = this.writer.ssrc
    this.payloadType = this.writer.payloadType
    this.maxPacketSize = this.writer.maxPacketSize
  }

  get nextSequence(): number {
    return this.writer.nextSequence
  }

  /**
   * Packets of one temporal unit. Throws ParseError('ERR_AV1_OBU') for OBUs that do not parse and
   * CodecError('ERR_AV1_FRAME_EMPTY') for a unit with nothing to send.
   */
  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[] {
    const obus = splitObus(wholeFrame(frame)).filter((o) => o.type !== OBU_TEMPORAL_DELIMITER && o.type !== OBU_TILE_LIST)
    if (obus.length === 0) {
      throw new CodecError('ERR_AV1_FRAME_EMPTY', 'AV1 temporal unit without an OBU to send', { observed: 0, allowed: '>= 1' })
    }
    const plan = this.plan(obus)
    const newSequence = isAv1KeyTemporalUnit(obus)
    return plan.map((p, i) => this.write(p, timestamp, i === 0 && newSequence, i === plan.length - 1))
  }

  /** Fills packets in order, every element counted with its length (dropping the last one's can only shrink a packet). */
  private plan(obus: readonly Obu[]): PlannedPacket[] {
    const room = this.writer.maxPayloadSize - AGGREGATION_HEADER_SIZE
    const packets: PlannedPacket[] = []
    let current: PlannedPacket = { elements: [], continuation: false, continues: false }
    let used = 0
    for (const obu of obus) {
      const length = obu.header.length + obu.payload.length
      for (let from = 0; from < length;) {
        const left = length - from
        const space = room - used
        if (leb128Size(left) + left <= space) {
          current.elements.push({ obu, from, to: length })
          used += leb128Size(left) + left
          break
        }
        const part = space - leb128Size(space)
        if (part > 0) {
          current.elements.push({ obu, from, to: from + part })
          from += part
          current.continues = true
        }
        if (current.elements.length > 0) packets.push(current)
        current = { elements: [], continuation: from > 0, continues: false }
        used = 0
      }
    }
    if (current.elements.length > 0) packets.push(current)
    return packets
  }

  private write(p: PlannedPacket, timestamp: number, newSequence: boolean, last: boolean): Buffer {
    const counted = p.elements.length <= MAX_COUNTED_ELEMENTS
    let size = AGGREGATION_HEADER_SIZE
    p.elements.forEach((e, i) => {
      const n = e.to - e.from
      size += n + (counted && i === p.elements.length - 1 ? 0 : leb128Size(n))
    })
    const buf = this.writer.alloc(size, timestamp, last)
    let at = RTP_HEADER_SIZE
    buf[at++] = writeAggregationHeader({
      continuation: p.continuation,
      continues: p.continues,
      count: counted ? p.elements.length : 0,
      newSequence,
    })
    p.elements.forEach((e, i) => {
      if (!(counted && i === p.elements.length - 1)) at += writeLeb128(buf, at, e.to - e.from)
      at = copyElement(buf, at, e)
    })
    return buf
  }
}

/** Copies bytes `from`..`to` of an OBU as sent (header without obu_size, then payload); returns the new offset. */
function copyElement(buf: Buffer, at: number, e: Element): number {
  const h = e.obu.header
  let out = at
  for (let i = e.from; i < Math.min(e.to, h.length); i++) buf[out++] = i === 0 ? headerWithoutSize(e.obu) : h[i]!
  const from = Math.max(e.from - h.length, 0)
  const to = e.to - h.length
  if (to > from) out += e.obu.payload.copy(buf, out, from, to)
  return out
}
