/**
 * AMF0 (Adobe Action Message Format 0, amf0-file-format-specification.pdf, section 2): the encoding
 * of RTMP commands and data messages. Every value starts with a one-byte type marker:
 *
 *   0x00 number      f64 BE            0x08 ECMA array   u32 count + properties + end
 *   0x01 boolean     u8                0x09 object end   (after an empty key)
 *   0x02 string      u16 len + UTF-8   0x0A strict array u32 count + values
 *   0x03 object      properties + end  0x0B date         f64 ms + s16 time zone
 *   0x05 null                          0x0C long string  u32 len + UTF-8
 *   0x06 undefined                     0x0F XML document u32 len + UTF-8
 *   0x07 reference   u16 (unsupported) 0x10 typed object u16 class name + properties + end
 *   0x11 avmplus     switch to AMF3: refused (ERR_AMF3), we speak AMF0 only
 *
 * A property is a u16-length UTF-8 key and a value. Decoding is bounded: nesting depth and the total
 * number of values are limits (an "AMF bomb" of deep nesting or huge counts is a LimitError), and
 * every length is checked against the bytes left before it is read.
 */
import { LimitError, ParseError } from '../errors.js'

export const Amf0Marker = {
  NUMBER: 0x00,
  BOOLEAN: 0x01,
  STRING: 0x02,
  OBJECT: 0x03,
  MOVIECLIP: 0x04,
  NULL: 0x05,
  UNDEFINED: 0x06,
  REFERENCE: 0x07,
  ECMA_ARRAY: 0x08,
  OBJECT_END: 0x09,
  STRICT_ARRAY: 0x0a,
  DATE: 0x0b,
  LONG_STRING: 0x0c,
  UNSUPPORTED: 0x0d,
  RECORDSET: 0x0e,
  XML_DOCUMENT: 0x0f,
  TYPED_OBJECT: 0x10,
  AVMPLUS: 0x11,
} as const

/** An AMF0 object or ECMA array: keys in the order they came (null prototype: keys are data). */
export type Amf0Object = { [key: string]: Amf0Value }
export type Amf0Value = number | boolean | string | null | undefined | Date | Amf0Value[] | Amf0Object

export interface Amf0Limits {
  /** Objects and arrays nested deeper than this are refused (default 32). */
  maxDepth: number
  /** Values in one decode call, nested ones included (default 65536). */
  maxValues: number
}

export const DEFAULT_AMF0_LIMITS: Amf0Limits = { maxDepth: 32, maxValues: 65536 }

const U16_MAX = 0xffff
const NUMBER_SIZE = 8
const DATE_SIZE = 10

/** A fresh AMF0 object (null prototype, so a key such as `__proto__` is only data). */
export function amf0Object(entries: Record<string, Amf0Value> = {}): Amf0Object {
  return Object.assign(Object.create(null) as Amf0Object, entries)
}

class Amf0Reader {
  pos = 0
  values = 0

  constructor(
    readonly buf: Buffer,
    readonly limits: Amf0Limits,
  ) {}

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length)
      throw new ParseError('ERR_AMF0_TRUNCATED', `AMF0 ${what} needs ${n} bytes, ${this.buf.length - this.pos} left`, {
        observed: this.buf.length - this.pos,
        allowed: n,
      })
  }

  u8(what: string): number {
    this.need(1, what)
    return this.buf[this.pos++]!
  }

  u16(what: string): number {
    this.need(2, what)
    const v = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return v
  }

  u32(what: string): number {
    this.need(4, what)
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }

  utf8(len: number, what: string): string {
    this.need(len, what)
    const s = this.buf.toString('utf8', this.pos, this.pos + len)
    this.pos += len
    return s
  }

  value(depth: number): Amf0Value {
    if (++this.values > this.limits.maxValues)
      throw new LimitError('ERR_AMF0_TOO_MANY_VALUES', `AMF0 data has more than ${this.limits.maxValues} values`, {
        allowed: this.limits.maxValues,
      })
    const marker = this.u8('marker')
    switch (marker) {
      case Amf0Marker.NUMBER: {
        this.need(NUMBER_SIZE, 'number')
        const v = this.buf.readDoubleBE(this.pos)
        this.pos += NUMBER_SIZE
        return v
      }
      case Amf0Marker.BOOLEAN:
        return this.u8('boolean') !== 0
      case Amf0Marker.STRING:
        return this.utf8(this.u16('string length'), 'string')
      case Amf0Marker.LONG_STRING:
      case Amf0Marker.XML_DOCUMENT:
        return this.utf8(this.u32('long string length'), 'long string')
      case Amf0Marker.NULL:
        return null
      case Amf0Marker.UNDEFINED:
      case Amf0Marker.UNSUPPORTED:
        return undefined
      case Amf0Marker.OBJECT:
        return this.properties(depth + 1)
      case Amf0Marker.TYPED_OBJECT:
        this.utf8(this.u16('class name length'), 'class name')
        return this.properties(depth + 1)
      case Amf0Marker.ECMA_ARRAY:
        this.u32('ECMA array count') // a hint only: the properties run to the end marker
        return this.properties(depth + 1)
      case Amf0Marker.STRICT_ARRAY: {
        const count = this.u32('strict array count')
        this.enter(depth + 1)
        // Every value takes at least its marker byte: a count larger than the bytes left is a lie, refused before looping.
        this.need(count, 'strict array values')
        const out: Amf0Value[] = []
        for (let i = 0; i < count; i++) out.push(this.value(depth + 1))
        return out
      }
      case Amf0Marker.DATE: {
        this.need(DATE_SIZE, 'date')
        const ms = this.buf.readDoubleBE(this.pos)
        this.pos += DATE_SIZE // the time zone is reserved and should be 0 (2.13)
        return new Date(ms)
      }
      case Amf0Marker.AVMPLUS:
        throw new ParseError('ERR_AMF3', 'AMF3 values are not supported (AMF0 only)', { observed: marker })
      default:
        throw new ParseError('ERR_AMF0_MARKER', `unknown or unsupported AMF0 marker 0x${marker.toString(16)}`, { observed: marker })
    }
  }

  enter(depth: number): void {
    if (depth > this.limits.maxDepth)
      throw new LimitError('ERR_AMF0_TOO_DEEP', `AMF0 data nested deeper than ${this.limits.maxDepth}`, { allowed: this.limits.maxDepth })
  }

  properties(depth: number): Amf0Object {
    this.enter(depth)
    const out = amf0Object()
    for (;;) {
      const key = this.utf8(this.u16('key length'), 'key')
      if (key === '' && this.pos < this.buf.length && this.buf[this.pos] === Amf0Marker.OBJECT_END) {
        this.pos++
        return out
      }
      out[key] = this.value(depth)
    }
  }
}

/** Decodes every value in `buf` (a command: name, transaction id, command object, arguments). Throws ParseError/LimitError. */
export function decodeAmf0(buf: Buffer, limits: Amf0Limits = DEFAULT_AMF0_LIMITS): Amf0Value[] {
  const r = new Amf0Reader(buf, limits)
  const out: Amf0Value[] = []
  while (r.pos < buf.length) out.push(r.value(0))
  return out
}

function isPlainObject(v: Amf0Value): v is Amf0Object {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
}

/** Encodes values one after the other. Objects become AMF0 objects, arrays strict arrays. */
export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const parts: Buffer[] = []
  for (const v of values) encodeValue(v, parts)
  return Buffer.concat(parts)
}

/** An ECMA array (what onMetaData is by convention) of the given properties. */
export function encodeAmf0EcmaArray(props: Amf0Object): Buffer {
  const head = Buffer.alloc(5)
  head[0] = Amf0Marker.ECMA_ARRAY
  head.writeUInt32BE(Object.keys(props).length, 1)
  const parts = [head]
  encodeProperties(props, parts)
  return Buffer.concat(parts)
}

function encodeString(s: string, parts: Buffer[], withMarker: boolean): void {
  const body = Buffer.from(s, 'utf8')
  const long = body.length > U16_MAX
  if (long && !withMarker)
    throw new LimitError('ERR_AMF0_KEY', `AMF0 key of ${body.length} bytes`, { observed: body.length, allowed: U16_MAX })
  const head = Buffer.alloc((withMarker ? 1 : 0) + (long ? 4 : 2))
  if (withMarker) head[0] = long ? Amf0Marker.LONG_STRING : Amf0Marker.STRING
  if (long) head.writeUInt32BE(body.length, withMarker ? 1 : 0)
  else head.writeUInt16BE(body.length, withMarker ? 1 : 0)
  parts.push(head, body)
}

function encodeProperties(o: Amf0Object, parts: Buffer[]): void {
  for (const [k, v] of Object.entries(o)) {
    encodeString(k, parts, false)
    encodeValue(v, parts)
  }
  parts.push(Buffer.from([0, 0, Amf0Marker.OBJECT_END]))
}

function encodeValue(v: Amf0Value, parts: Buffer[]): void {
  if (typeof v === 'number') {
    const b = Buffer.alloc(1 + NUMBER_SIZE)
    b[0] = Amf0Marker.NUMBER
    b.writeDoubleBE(v, 1)
    parts.push(b)
  } else if (typeof v === 'boolean') parts.push(Buffer.from([Amf0Marker.BOOLEAN, v ? 1 : 0]))
  else if (typeof v === 'string') encodeString(v, parts, true)
  else if (v === null) parts.push(Buffer.from([Amf0Marker.NULL]))
  else if (v === undefined) parts.push(Buffer.from([Amf0Marker.UNDEFINED]))
  else if (v instanceof Date) {
    const b = Buffer.alloc(1 + DATE_SIZE)
    b[0] = Amf0Marker.DATE
    b.writeDoubleBE(v.getTime(), 1)
    parts.push(b)
  } else if (Array.isArray(v)) {
    const head = Buffer.alloc(5)
    head[0] = Amf0Marker.STRICT_ARRAY
    head.writeUInt32BE(v.length, 1)
    parts.push(head)
    for (const x of v) encodeValue(x, parts)
  } else if (isPlainObject(v)) {
    parts.push(Buffer.from([Amf0Marker.OBJECT]))
    encodeProperties(v, parts)
  }
}
