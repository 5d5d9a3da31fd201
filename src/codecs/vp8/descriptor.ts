/**
 * The VP8 payload descriptor, RFC 7741 section 4.2: the first bytes of every RTP payload.
 *
 *       0 1 2 3 4 5 6 7
 *      +-+-+-+-+-+-+-+-+
 *      |X|R|N|S|R| PID | (REQUIRED)
 *      +-+-+-+-+-+-+-+-+
 * X:   |I|L|T|K| RSV   | (OPTIONAL)
 *      +-+-+-+-+-+-+-+-+
 * I:   |M| PictureID   | (OPTIONAL)
 *      +-+-+-+-+-+-+-+-+
 *      |   PictureID   | (present when M = 1: 15-bit picture ID)
 *      +-+-+-+-+-+-+-+-+
 * L:   |   TL0PICIDX   | (OPTIONAL)
 *      +-+-+-+-+-+-+-+-+
 * T/K: |TID|Y| KEYIDX  | (OPTIONAL: present when T or K is set)
 *      +-+-+-+-+-+-+-+-+
 *
 * N: non-reference frame; S: start of a VP8 partition; PID: partition index. The frame begins at the
 * packet with S = 1 and PID = 0 and ends at the RTP marker bit (section 4.1).
 */
import { ParseError } from '../../errors.js'

const X_BIT = 0x80
const N_BIT = 0x20
const S_BIT = 0x10
const PID_MASK = 0x07
const I_BIT = 0x80
const L_BIT = 0x40
const T_BIT = 0x20
const K_BIT = 0x10
const M_BIT = 0x80
const PICTURE_ID_7_MASK = 0x7f
const PICTURE_ID_15_MASK = 0x7fff
const TID_SHIFT = 6
const Y_BIT = 0x20
const KEYIDX_MASK = 0x1f

/** The descriptor our packetizer writes: X and I set, a 15-bit picture ID. */
export const VP8_PACKETIZER_DESCRIPTOR_SIZE = 4

export interface Vp8Descriptor {
  /** Bytes the descriptor takes; the VP8 payload follows. */
  size: number
  nonReference: boolean
  /** S: this packet starts a partition. */
  start: boolean
  partitionIndex: number
  /** 7- or 15-bit picture ID, when I is set. */
  pictureId?: number
  /** Whether the picture ID was sent in 15 bits (M = 1). */
  pictureIdLong?: boolean
  tl0PicIdx?: number
  temporalLayer?: number
  layerSync?: boolean
  keyIndex?: number
}

function need(payload: Uint8Array, at: number, field: string): number {
  if (at >= payload.length) {
    throw new ParseError('ERR_VP8_DESCRIPTOR', `VP8 payload descriptor truncated before its ${field}`, {
      observed: payload.length,
      allowed: `> ${at} bytes`,
    })
  }
  return payload[at]!
}

/** Reads the descriptor at the start of `payload`. Throws ParseError('ERR_VP8_DESCRIPTOR') when it is cut short. */
export function parseVp8Descriptor(payload: Uint8Array): Vp8Descriptor {
  const b0 = need(payload, 0, 'first octet')
  const d: Vp8Descriptor = { size: 1, nonReference: (b0 & N_BIT) !== 0, start: (b0 & S_BIT) !== 0, partitionIndex: b0 & PID_MASK }
  if ((b0 & X_BIT) === 0) return d
  const x = need(payload, d.size++, 'extension octet')
  if (x & I_BIT) {
    const p0 = need(payload, d.size++, 'picture ID')
    if (p0 & M_BIT) {
      const p1 = need(payload, d.size++, 'picture ID low octet')
      d.pictureId = ((p0 << 8) | p1) & PICTURE_ID_15_MASK
      d.pictureIdLong = true
    } else {
      d.pictureId = p0 & PICTURE_ID_7_MASK
      d.pictureIdLong = false
    }
  }
  if (x & L_BIT) d.tl0PicIdx = need(payload, d.size++, 'TL0PICIDX')
  if (x & (T_BIT | K_BIT)) {
    const t = need(payload, d.size++, 'TID/KEYIDX octet')
    if (x & T_BIT) {
      d.temporalLayer = t >> TID_SHIFT
      d.layerSync = (t & Y_BIT) !== 0
    }
    if (x & K_BIT) d.keyIndex = t & KEYIDX_MASK
  }
  return d
}

/** Writes our 4-byte descriptor (X, I, M: a 15-bit picture ID) at `offset`; `start` marks the frame's first packet. */
export function writeVp8Descriptor(buf: Buffer, offset: number, start: boolean, pictureId: number): void {
  buf[offset] = X_BIT | (start ? S_BIT : 0) // partition index 0: we do not split at partition boundaries
  buf[offset + 1] = I_BIT
  buf[offset + 2] = M_BIT | ((pictureId >> 8) & PICTURE_ID_7_MASK)
  buf[offset + 3] = pictureId & 0xff
}
