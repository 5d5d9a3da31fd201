/** Serial-number arithmetic for 16-bit sequence numbers and 32-bit timestamps (RFC 1982 style). */

export const u16 = (n: number): number => n & 0xffff
export const u32 = (n: number): number => n >>> 0

/** Signed distance b - a for 16-bit sequence numbers, in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return ((b - a + 0x8000) & 0xffff) - 0x8000
}

/** Signed distance b - a for 32-bit timestamps. */
export function tsDiff(a: number, b: number): number {
  return (b - a) | 0
}
