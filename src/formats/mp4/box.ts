/**
 * ISO base media file format boxes, ISO/IEC 14496-12 section 4.2:
 *
 *   aligned(8) class Box (type) {            aligned(8) class FullBox (type, v, f) extends Box(type) {
 *     unsigned int(32) size;  // whole box     unsigned int(8)  version = v;
 *     unsigned int(32) type;  // 4 chars       bit(24)          flags = f;
 *   }                                        }
 *
 * A box is a tree of fields and child boxes whose size is computed once, when it is built; serializing
 * allocates one buffer for the whole tree and writes every box into it (no concatenation per level).
 * 64-bit `largesize` is not needed: a fragment or an init segment never comes near 4 GiB.
 */
import { CodecError } from '../../errors.js'

export const BOX_HEADER_SIZE = 8
/** version (8 bits) and flags (24 bits) after the box header. */
export const FULL_BOX_EXTRA_SIZE = 4
export const FULL_BOX_HEADER_SIZE = BOX_HEADER_SIZE + FULL_BOX_EXTRA_SIZE
const BOX_TYPE_SIZE = 4
const MAX_BOX_SIZE = 0xffffffff
const MAX_FLAGS = 0xffffff
const TWO_POW_32 = 2 ** 32

export type BoxContent = Mp4Box | Uint8Array

/** A box (or full box) with its children; `size` counts the header. */
export class Mp4Box {
  readonly size: number

  constructor(
    readonly type: string,
    private readonly content: readonly BoxContent[],
    private readonly full?: { version: number; flags: number },
  ) {
    if (type.length !== BOX_TYPE_SIZE || Buffer.byteLength(type, 'latin1') !== BOX_TYPE_SIZE) {
      throw new CodecError('ERR_MP4_BOX_TYPE', `box type ${JSON.stringify(type)} is not 4 characters`, {
        observed: type,
        allowed: '4 latin1 characters',
      })
    }
    let size = full ? FULL_BOX_HEADER_SIZE : BOX_HEADER_SIZE
    for (const c of content) size += c instanceof Mp4Box ? c.size : c.byteLength
    if (size > MAX_BOX_SIZE)
      throw new CodecError('ERR_MP4_BOX_SIZE', `${type} box of ${size} bytes needs a 64-bit size`, {
        observed: size,
        allowed: MAX_BOX_SIZE,
      })
    this.size = size
  }

  /** Writes the box at `offset` (the caller sized `buf`); returns the offset after it. */
  writeTo(buf: Buffer, offset: number): number {
    let off = buf.writeUInt32BE(this.size, offset)
    off += buf.write(this.type, off, BOX_TYPE_SIZE, 'latin1')
    if (this.full) {
      off = buf.writeUInt8(this.full.version, off)
      off = buf.writeUIntBE(this.full.flags, off, 3)
    }
    for (const c of this.content) {
      if (c instanceof Mp4Box) {
        off = c.writeTo(buf, off)
      } else {
        buf.set(c, off)
        off += c.byteLength
      }
    }
    return off
  }

  toBuffer(): Buffer {
    return serializeBoxes([this])
  }
}

export function box(type: string, ...content: BoxContent[]): Mp4Box {
  return new Mp4Box(type, content)
}

export function fullBox(type: string, version: number, flags: number, ...content: BoxContent[]): Mp4Box {
  if (flags < 0 || flags > MAX_FLAGS)
    throw new CodecError('ERR_MP4_BOX_FLAGS', `flags 0x${flags.toString(16)} do not fit in 24 bits`, {
      observed: flags,
      allowed: `0..${MAX_FLAGS}`,
    })
  return new Mp4Box(type, content, { version, flags })
}

/** Boxes one after the other in one buffer. */
export function serializeBoxes(boxes: readonly Mp4Box[]): Buffer {
  let size = 0
  for (const b of boxes) size += b.size
  const out = Buffer.allocUnsafe(size)
  let off = 0
  for (const b of boxes) off = b.writeTo(out, off)
  return out
}

/**
 * A fixed-width field: unsigned integers of 1, 2, 3, 4 or 8 bytes (`u64` takes a safe integer), signed
 * 16/32-bit ones, `zeros` n reserved bytes, or raw bytes.
 */
export type Field = readonly ['u8' | 'u16' | 'u24' | 'u32' | 'u64' | 'i16' | 'i32' | 'zeros', number] | Uint8Array

const FIELD_SIZES = { u8: 1, u16: 2, u24: 3, u32: 4, u64: 8, i16: 2, i32: 4 } as const

/** Packs fields big-endian into one buffer sized up front. */
export function fields(...list: readonly Field[]): Buffer {
  let size = 0
  for (const f of list) size += f instanceof Uint8Array ? f.byteLength : f[0] === 'zeros' ? f[1] : FIELD_SIZES[f[0]]
  const out = Buffer.alloc(size)
  let off = 0
  for (const f of list) {
    if (f instanceof Uint8Array) {
      out.set(f, off)
      off += f.byteLength
      continue
    }
    const [kind, v] = f
    switch (kind) {
      case 'zeros':
        off += v
        break
      case 'u8':
        off = out.writeUInt8(v, off)
        break
      case 'u16':
        off = out.writeUInt16BE(v, off)
        break
      case 'u24':
        off = out.writeUIntBE(v, off, 3)
        break
      case 'u32':
        off = out.writeUInt32BE(v, off)
        break
      case 'u64':
        off = writeU64(out, v, off)
        break
      case 'i16':
        off = out.writeInt16BE(v, off)
        break
      case 'i32':
        off = out.writeInt32BE(v, off)
        break
    }
  }
  return out
}

/** A non-negative safe integer as 64 bits big-endian, without BigInt. */
export function writeU64(buf: Buffer, value: number, offset: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new CodecError('ERR_MP4_U64', `${value} is not a non-negative safe integer`, {
      observed: value,
      allowed: `0..${Number.MAX_SAFE_INTEGER}`,
    })
  buf.writeUInt32BE(Math.floor(value / TWO_POW_32), offset)
  return buf.writeUInt32BE(value % TWO_POW_32, offset + 4)
}

/** Four characters as bytes (brands, handler types, sample entry names). */
export function fourCc(s: string): Buffer {
  if (Buffer.byteLength(s, 'latin1') !== BOX_TYPE_SIZE || s.length !== BOX_TYPE_SIZE)
    throw new CodecError('ERR_MP4_FOURCC', `${JSON.stringify(s)} is not a four-character code`, {
      observed: s,
      allowed: '4 latin1 characters',
    })
  return Buffer.from(s, 'latin1')
}
