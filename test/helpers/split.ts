/** Test helpers shared by parser tests. */

/** Every way of cutting `buf` into two pieces, plus the one-byte-at-a-time split. */
export function* splits(buf: Buffer): Generator<Buffer[]> {
  for (let i = 1; i < buf.length; i++) yield [buf.subarray(0, i), buf.subarray(i)]
  yield Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1))
}

/** Hex string → Buffer; whitespace and `|` separators are ignored so vectors can be laid out per field. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s|]/g, ''), 'hex')
}
