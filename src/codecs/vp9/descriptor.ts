/**
 * The VP9 payload descriptor, RFC 9628 section 4.2: the first bytes of every RTP payload.
 *
 *       0 1 2 3 4 5 6 7
 *      +-+-+-+-+-+-+-+-+
 *      |I|P|L|F|B|E|V|Z| (REQUIRED)
 *      +-+-+-+-+-+-+-+-+
 * I:   |M| PICTURE ID  | (present when I = 1; M = 1: a 15-bit picture ID, one more octet)
 *      +-+-+-+-+-+-+-+-+
 * M:   | EXTENDED PID  |
 *      +-+-+-+-+-+-+-+-+
 * L:   | TID |U| SID |D| (present when L = 1)
 *      +-+-+-+-+-+-+-+-+
 *      |   TL0PICIDX   | (L = 1 and F = 0: non-flexible mode only)
 *      +-+-+-+-+-+-+-+-+
 * P,F: | P_DIFF      |N| (flexible mode, inter-picture predicted: up to 3, N = 1 when another follows)
 *      +-+-+-+-+-+-+-+-+
 * V:   | SS            | (scalability structure, section 4.2.1)
 *
 * I: picture ID present; P: inter-picture predicted; L: layer indices present; F: flexible mode;
 * B: start of a layer frame; E: end of a layer frame; V: SS present; Z: not used for inter-layer
 * prediction. The SS:
 *
 *      |N_S  |Y|G|-|-|-|   N_S + 1 spatial layers; Y: their sizes follow; G: a picture group follows
 * Y:   WIDTH (16 bits) HEIGHT (16 bits), N_S + 1 times
 * G:   N_G (8 bits), then N_G times |TID|U| R |-|-| and R times P_DIFF (8 bits)
 */
import { ParseError } from '../../errors.js'

const I_BIT = 0x80
const P_BIT = 0x40
const L_BIT = 0x20
const F_BIT = 0x10
const B_BIT = 0x08
const E_BIT = 0x04
const V_BIT = 0x02
const Z_BIT = 0x01
const M_BIT = 0x80
const PICTURE_ID_7_MASK = 0x7f
const PICTURE_ID_15_MASK = 0x7fff
const TID_SHIFT = 5
const U_BIT = 0x10
const SID_SHIFT = 1
const LAYER_3_MASK = 0x07
const D_BIT = 0x01
const P_DIFF_SHIFT = 1
const N_BIT = 0x01
/** RFC 9628 4.2: "up to 3 reference indices". */
export const VP9_MAX_REFERENCES = 3
const NS_SHIFT = 5
const Y_BIT = 0x10
const G_BIT = 0x08
const GOF_TID_SHIFT = 5
const GOF_U_BIT = 0x10
const GOF_R_SHIFT = 2
const GOF_R_MASK = 0x03

/** The descriptor our packetizer writes: I set with a 15-bit picture ID. */
export const VP9_PACKETIZER_DESCRIPTOR_SIZE = 3
/** An SS of one spatial layer with its size and no picture group. */
export const VP9_PACKETIZER_SS_SIZE = 5

export interface Vp9PictureGroupEntry {
  temporalLayer: number
  switchingUp: boolean
  referenceDiffs: number[]
}

export interface Vp9ScalabilityStructure {
  /** N_S + 1. */
  spatialLayers: number
  /** Per spatial layer, when Y = 1. */
  sizes?: { width: number; height: number }[]
  pictureGroup?: Vp9PictureGroupEntry[]
}

export interface Vp9Descriptor {
  /** Bytes the descriptor takes; the VP9 data follows. */
  size: number
  interPicture: boolean
  flexible: boolean
  /** B: the packet starts a layer frame. */
  start: boolean
  /** E: the packet ends a layer frame. */
  end: boolean
  notReferencedByUpperLayers: boolean
  pictureId?: number
  pictureIdLong?: boolean
  temporalLayer?: number
  switchingUp?: boolean
  spatialLayer?: number
  interLayerDependency?: boolean
  tl0PicIdx?: number
  /** Flexible mode: the P_DIFF of each reference. */
  referenceDiffs?: number[]
  ss?: Vp9ScalabilityStructure
}

class Cursor {
  at = 0
  constructor(private readonly buf: Uint8Array) {}
  u8(field: string): number {
    if (this.at >= this.buf.length) {
      throw new ParseError('ERR_VP9_DESCRIPTOR', `VP9 payload descriptor truncated before its ${field}`, {
        observed: this.buf.length,
        allowed: `> ${this.at} bytes`,
      })
    }
    return this.buf[this.at++]!
  }
  u16(field: string): number {
    return (this.u8(field) << 8) | this.u8(field)
  }
}

function readSs(c: Cursor): Vp9ScalabilityStructure {
  const b = c.u8('SS header')
  const ss: Vp9ScalabilityStructure = { spatialLayers: (b >> NS_SHIFT) + 1 }
  if (b & Y_BIT) {
    ss.sizes = []
    for (let i = 0; i < ss.spatialLayers; i++) ss.sizes.push({ width: c.u16('SS width'), height: c.u16('SS height') })
  }
  if (b & G_BIT) {
    const n = c.u8('SS N_G')
    ss.pictureGroup = []
    for (let i = 0; i < n; i++) {
      const g = c.u8('SS picture group entry')
      const refs: number[] = []
      for (let r = (g >> GOF_R_SHIFT) & GOF_R_MASK; r > 0; r--) refs.push(c.u8('SS P_DIFF'))
      ss.pictureGroup.push({ temporalLayer: g >> GOF_TID_SHIFT, switchingUp: (g & GOF_U_BIT) !== 0, referenceDiffs: refs })
    }
  }
  return ss
}

/** Reads the descriptor at the start of `payload`. Throws ParseError('ERR_VP9_DESCRIPTOR') when it is cut short or malformed. */
export function parseVp9Descriptor(payload: Uint8Array): Vp9Descriptor {
  const c = new Cursor(payload)
  const b0 = c.u8('first octet')
  const d: Vp9Descriptor = {
    size: 0,
    interPicture: (b0 & P_BIT) !== 0,
    flexible: (b0 & F_BIT) !== 0,
    start: (b0 & B_BIT) !== 0,
    end: (b0 & E_BIT) !== 0,
    notReferencedByUpperLayers: (b0 & Z_BIT) !== 0,
  }
  if (b0 & I_BIT) {
    const p0 = c.u8('picture ID')
    d.pictureIdLong = (p0 & M_BIT) !== 0
    d.pictureId = d.pictureIdLong ? ((p0 << 8) | c.u8('extended picture ID')) & PICTURE_ID_15_MASK : p0 & PICTURE_ID_7_MASK
  }
  if (b0 & L_BIT) {
    const l = c.u8('layer indices')
    d.temporalLayer = l >> TID_SHIFT
    d.switchingUp = (l & U_BIT) !== 0
    d.spatialLayer = (l >> SID_SHIFT) & LAYER_3_MASK
    d.interLayerDependency = (l & D_BIT) !== 0
    if (!d.flexible) d.tl0PicIdx = c.u8('TL0PICIDX')
  }
  if (d.flexible && d.interPicture) {
    d.referenceDiffs = []
    for (;;) {
      const r = c.u8('reference index')
      d.referenceDiffs.push(r >> P_DIFF_SHIFT)
      if ((r & N_BIT) === 0) break
      if (d.referenceDiffs.length === VP9_MAX_REFERENCES) {
        throw new ParseError('ERR_VP9_DESCRIPTOR', `VP9 payload descriptor lists more than ${VP9_MAX_REFERENCES} references`, {
          observed: VP9_MAX_REFERENCES + 1,
          allowed: `<= ${VP9_MAX_REFERENCES}`,
        })
      }
    }
  }
  if (b0 & V_BIT) d.ss = readSs(c)
  d.size = c.at
  return d
}

export interface Vp9DescriptorFields {
  start: boolean
  end: boolean
  interPicture: boolean
  pictureId: number
  /** Written as an SS of one spatial layer (V = 1). */
  size?: { width: number; height: number } | undefined
}

/** Bytes `writeVp9Descriptor` takes for these fields. */
export const vp9DescriptorSize = (withSs: boolean): number => VP9_PACKETIZER_DESCRIPTOR_SIZE + (withSs ? VP9_PACKETIZER_SS_SIZE : 0)

/** Writes our descriptor (non-flexible, one spatial layer, 15-bit picture ID, an SS when `size` is given) at `offset`. */
export function writeVp9Descriptor(buf: Buffer, offset: number, f: Vp9DescriptorFields): number {
  let at = offset
  buf[at++] = I_BIT | (f.interPicture ? P_BIT : 0) | (f.start ? B_BIT : 0) | (f.end ? E_BIT : 0) | (f.size ? V_BIT : 0)
  buf[at++] = M_BIT | ((f.pictureId >> 8) & PICTURE_ID_7_MASK)
  buf[at++] = f.pictureId & 0xff
  if (f.size) {
    buf[at++] = Y_BIT // N_S = 0 (one spatial layer), Y = 1, G = 0
    buf.writeUInt16BE(f.size.width, at)
    buf.writeUInt16BE(f.size.height, at + 2)
    at += 4
  }
  return at - offset
}
