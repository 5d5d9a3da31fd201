/**
 * The aggregation header, "RTP Payload Format For AV1" v1.0 section 4.4: the first byte of every RTP
 * payload, followed by OBU elements (4.3).
 *
 *   0 1 2 3 4 5 6 7
 *  +-+-+-+-+-+-+-+-+
 *  |Z|Y| W |N|-|-|-|
 *  +-+-+-+-+-+-+-+-+
 *
 * Z: the first OBU element continues an OBU fragment of the previous packet. Y: the last OBU element
 * continues in the next packet. W: the number of OBU elements (1..3), the last one without its length;
 * 0: every element has a leb128 length. N: the packet is the first of a coded video sequence.
 */
import { ParseError } from '../../errors.js'
import { readLeb128 } from './leb128.js'

const Z_BIT = 0x80
const Y_BIT = 0x40
const W_SHIFT = 4
const W_MASK = 0x03
const N_BIT = 0x08
export const AGGREGATION_HEADER_SIZE = 1
/** W can count at most 3 elements. */
export const MAX_COUNTED_ELEMENTS = 3

export interface Av1AggregationHeader {
  continuation: boolean
  continues: boolean
  count: number
  newSequence: boolean
}

export interface Av1Payload extends Av1AggregationHeader {
  /** The OBU elements (views of the payload). */
  elements: Buffer[]
}

export function writeAggregationHeader(h: Av1AggregationHeader): number {
  return (h.continuation ? Z_BIT : 0) | (h.continues ? Y_BIT : 0) | ((h.count & W_MASK) << W_SHIFT) | (h.newSequence ? N_BIT : 0)
}

/**
 * Reads a payload's aggregation header and splits its OBU elements. Throws ParseError('ERR_AV1_PAYLOAD')
 * for an empty payload, a length past the end, or fewer elements than W says.
 */
export function parseAv1Payload(payload: Buffer): Av1Payload {
  if (payload.length < AGGREGATION_HEADER_SIZE + 1) {
    throw new ParseError('ERR_AV1_PAYLOAD', 'AV1 RTP payload without an OBU element', { observed: payload.length, allowed: '>= 2' })
  }
  const b = payload[0]!
  const h: Av1Payload = {
    continuation: (b & Z_BIT) !== 0,
    continues: (b & Y_BIT) !== 0,
    count: (b >> W_SHIFT) & W_MASK,
    newSequence: (b & N_BIT) !== 0,
    elements: [],
  }
  let at = AGGREGATION_HEADER_SIZE
  while (at < payload.length) {
    if (h.count !== 0 && h.elements.length === h.count - 1) {
      h.elements.push(payload.subarray(at))
      return h
    }
    const len = readLeb128(payload, at, 'ERR_AV1_PAYLOAD')
    at += len.size
    if (at + len.value > payload.length) {
      throw new ParseError('ERR_AV1_PAYLOAD', `OBU element of ${len.value} bytes runs past the end of the payload`, {
        observed: payload.length - at,
        allowed: `>= ${len.value}`,
      })
    }
    h.elements.push(payload.subarray(at, at + len.value))
    at += len.value
  }
  if (h.count !== 0) {
    throw new ParseError('ERR_AV1_PAYLOAD', `aggregation header counts ${h.count} OBU elements, the payload has ${h.elements.length}`, {
      observed: h.elements.length,
      allowed: h.count,
    })
  }
  return h
}
