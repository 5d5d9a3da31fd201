/**
 * G.711 A-law, ITU-T Recommendation G.711 (11/1988) Table 1a, in the 16-bit arithmetic form of the
 * ITU-T G.191 Software Tools Library (`g711.c`, alaw_compress / alaw_expand; Sun's public-domain g711.c
 * computes the same codes): a 12-bit magnitude is split into a 3-bit segment and a 4-bit mantissa (segments 0 and 1 share the
 * same step); the code is sign | segment | mantissa with the even bits inverted (XOR 0x55).
 *
 *   code bits:  S E E E M M M M   (before the XOR: S = 1 for positive)
 *
 * Decoding returns the middle of each quantization interval scaled to 16 bits (±32256 at full scale),
 * the same values ffmpeg's pcm_alaw decoder produces.
 */

const SIGN_BIT = 0x80
const SEGMENT_MASK = 0x70
const SEGMENT_SHIFT = 4
const MANTISSA_MASK = 0x0f
const MANTISSA_SHIFT = 4
/** The alternate-bit inversion of G.711 A-law. */
const EVEN_BITS = 0x55
const POSITIVE_MASK = 0xd5
const NEGATIVE_MASK = 0x55
/** Bits dropped from a 16-bit sample to get G.711's 13-bit A-law input. */
const INPUT_SHIFT = 3
/** Segment 0 holds magnitudes below 2^5; each next segment doubles. */
const SEGMENT_0_BITS = 5
const MAX_MAGNITUDE = 0xfff
const MAX_CODE = 0x7f
/** Half a step of segment 0 (16 units) and of segment 1 (the 0x100 offset plus half a step). */
const SEGMENT_0_HALF_STEP = 8
const SEGMENT_1_BASE = 0x108

/** Code for one 16-bit signed sample (negative samples use the one's complement, as G.191 does). */
export function alawEncodeSample(sample: number): number {
  let v = sample >> INPUT_SHIFT
  let mask = POSITIVE_MASK
  if (v < 0) {
    v = -v - 1
    mask = NEGATIVE_MASK
  }
  if (v > MAX_MAGNITUDE) return MAX_CODE ^ mask
  let segment = 0
  for (let t = v >> SEGMENT_0_BITS; t !== 0; t >>= 1) segment++
  const mantissa = (v >> (segment < 2 ? 1 : segment)) & MANTISSA_MASK
  return ((segment << SEGMENT_SHIFT) | mantissa) ^ mask
}

/** 16-bit signed sample for one code. */
export function alawDecodeSample(code: number): number {
  const a = (code ^ EVEN_BITS) & 0xff
  let t = (a & MANTISSA_MASK) << MANTISSA_SHIFT
  const segment = (a & SEGMENT_MASK) >> SEGMENT_SHIFT
  if (segment === 0) t += SEGMENT_0_HALF_STEP
  else t = (t + SEGMENT_1_BASE) << (segment - 1)
  return a & SIGN_BIT ? t : -t
}

/** Encodes 16-bit samples (interleaved if multichannel) to A-law, one byte per sample. */
export function alawEncode(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length)
  for (let i = 0; i < samples.length; i++) out[i] = alawEncodeSample(samples[i]!)
  return out
}

/** Decodes A-law bytes to 16-bit samples. */
export function alawDecode(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length)
  for (let i = 0; i < codes.length; i++) out[i] = alawDecodeSample(codes[i]!)
  return out
}
