/**
 * What NAL-structured video formats share below their own NAL headers: emulation prevention (H.264
 * 7.4.1, H.265 7.4.2: 0x000003 inside a NAL unit stands for 0x0000), removed to read the RBSP.
 */

const EMULATION_PREVENTION_BYTE = 0x03

/**
 * Removes emulation-prevention bytes (H.264 7.4.1: 0x000003 → 0x0000).
 * Returns `nal` itself (no copy) when it contains none, which is the common case for short NAL units.
 */
export function toRbsp(input: Uint8Array): Buffer {
  const nal = asBuffer(input)
  const first = findEmulationPrevention(nal, 0)
  if (first < 0) return nal
  const out = Buffer.allocUnsafe(nal.length)
  let written = 0
  let from = 0
  let at = first
  while (at >= 0) {
    written += nal.copy(out, written, from, at)
    from = at + 1 // skip the 0x03
    at = findEmulationPrevention(nal, from)
  }
  written += nal.copy(out, written, from)
  return out.subarray(0, written)
}

/** A Buffer view of the same memory (no copy). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

/** Index of the next 0x03 that follows two zero bytes (counting from `from`), or -1. */
function findEmulationPrevention(buf: Buffer, from: number): number {
  let zeros = 0
  for (let i = from; i < buf.length; i++) {
    const b = buf[i]!
    if (zeros >= 2 && b === EMULATION_PREVENTION_BYTE) return i
    zeros = b === 0 ? zeros + 1 : 0
  }
  return -1
}
