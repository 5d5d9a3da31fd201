/**
 * RTSP header fields, RFC 2326 section 4.2 (which borrows RFC 2616 section 4.2):
 * field names are case-insensitive, the order of fields with different names is not significant,
 * but fields with the same name keep their order. We keep every field in arrival order with its
 * original casing so that output looks like what the peer (or the caller) wrote.
 */
import { ParseError } from '../errors.js'

/** RFC 2616 section 2.2 token: any CHAR except CTLs or separators. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/**
 * Control characters other than HTAB: CR and LF would let a value inject lines into the serialized
 * message, and RtspReader rejects the others, so refusing them here keeps what we write readable.
 */
const UNSAFE_VALUE_RE = /[\x00-\x08\x0a-\x1f\x7f]/

interface Field {
  name: string
  lower: string
  value: string
}

export function isHeaderToken(s: string): boolean {
  return TOKEN_RE.test(s)
}

function checkName(name: string): void {
  if (!TOKEN_RE.test(name)) {
    throw new ParseError('ERR_RTSP_INVALID_HEADER', `invalid header name ${JSON.stringify(name)}`, {
      observed: name,
      allowed: 'an RFC 2616 token',
    })
  }
}

function checkValue(name: string, value: string): void {
  if (UNSAFE_VALUE_RE.test(value)) {
    throw new ParseError('ERR_RTSP_INVALID_HEADER', `header ${name} has a value containing a control character`, {
      header: name,
      observed: value,
      allowed: 'no control characters except HTAB',
    })
  }
}

export class RtspHeaders {
  private fields: Field[] = []

  constructor(init?: Iterable<readonly [string, string]> | Record<string, string>) {
    if (init === undefined) return
    if (Symbol.iterator in init) {
      for (const [name, value] of init) this.append(name, value)
    } else {
      for (const [name, value] of Object.entries(init)) this.append(name, value)
    }
  }

  /** Number of fields (a name that appears twice counts twice). */
  get size(): number {
    return this.fields.length
  }

  /** First value of `name`, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase()
    for (const f of this.fields) if (f.lower === lower) return f.value
    return undefined
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase()
    const out: string[] = []
    for (const f of this.fields) if (f.lower === lower) out.push(f.value)
    return out
  }

  /** Replaces every field named `name`; the new one takes the position of the first old one. */
  set(name: string, value: string): this {
    checkName(name)
    checkValue(name, value)
    const lower = name.toLowerCase()
    const i = this.fields.findIndex((f) => f.lower === lower)
    if (i === -1) {
      this.fields.push({ name, lower, value })
    } else {
      this.fields[i] = { name, lower, value }
      this.fields = this.fields.filter((f, j) => j <= i || f.lower !== lower)
    }
    return this
  }

  append(name: string, value: string): this {
    checkName(name)
    checkValue(name, value)
    this.fields.push({ name, lower: name.toLowerCase(), value })
    return this
  }

  has(name: string): boolean {
    const lower = name.toLowerCase()
    return this.fields.some((f) => f.lower === lower)
  }

  delete(name: string): void {
    const lower = name.toLowerCase()
    this.fields = this.fields.filter((f) => f.lower !== lower)
  }

  /** [name as written, value] pairs in order. */
  *entries(): IterableIterator<[string, string]> {
    for (const f of this.fields) yield [f.name, f.value]
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }

  clone(): RtspHeaders {
    const copy = new RtspHeaders()
    copy.fields = this.fields.map((f) => ({ ...f }))
    return copy
  }

  /** Plain object for logs and tests; repeated names are joined with ', ' (RFC 2616 section 4.2). */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const f of this.fields) out[f.name] = f.name in out ? `${out[f.name]}, ${f.value}` : f.value
    return out
  }
}
