/**
 * G.711 µ-law, ITU-T Recommendation G.711 (11/1988) Table 2a, in the 16-bit arithmetic form of the
 * ITU-T G.191 Software Tools Library (`g711.c`, ulaw_compress / ulaw_expand): a 14-bit magnitude plus
 * bias 33 is split into a 3-bit segment (the position of its highest bit) and a
 * 4-bit mantissa; the code is sign | segment | mantissa, transmitted with all bits inverted.
 *
 *   code bits:  P S S S Q Q Q Q   (after inversion: P = 1 for positive)
 *
 * Decoding returns the middle of each quantization interval scaled to 16 bits (±32124 at full scale),
 * the same values ffmpeg's pcm_mulaw decoder and every VoIP stack produce.
 */

const BIAS = 0x84
const BIAS_14 = BIAS >> 2
const SIGN_BIT = 0x80
const SEGMENT_MASK = 0x70
const SEGMENT_SHIFT = 4
const MANTISSA_MASK = 0x0f
const MANTISSA_SHIFT = 3
/** Segment 0 holds biased values below 2^6; each next segment doubles. */
const SEGMENT_0_BITS = 6
const MAX_BIASED = 0x1fff
const POSITIVE_MASK = 0xff
const NEGATIVE_MASK = 0x7f
/** Bits dropped from a 16-bit sample to get G.711's 14-bit µ-law input. */
const INPUT_SHIFT = 2

/**
 * Code for one 16-bit signed sample, bit-exact with G.191 `ulaw_compress`: a negative sample x is taken
 * as its one's complement ~x = -x-1, so x and ~x share a magnitude and the law is symmetric about -0.5.
 */
export function mulawEncodeSample(sample: number): number {
  const negative = sample < 0
  let v = ((negative ? ~sample : sample) >> INPUT_SHIFT) + BIAS_14
  if (v > MAX_BIASED) v = MAX_BIASED // clip: segment 7, mantissa 15
  // Segment: how far the highest set bit lies above bit 5 (values up to 0x3f are segment 0).
  let segment = 0
  for (let t = v >> SEGMENT_0_BITS; t !== 0; t >>= 1) segment++
  const mantissa = (v >> (segment + 1)) & MANTISSA_MASK
  return ((segment << SEGMENT_SHIFT) | mantissa) ^ (negative ? NEGATIVE_MASK : POSITIVE_MASK)
}

/** 16-bit signed sample for one code. */
export function mulawDecodeSample(code: number): number {
  const u = ~code & 0xff
  const t = (((u & MANTISSA_MASK) << MANTISSA_SHIFT) + BIAS) << ((u & SEGMENT_MASK) >> SEGMENT_SHIFT)
  return u & SIGN_BIT ? BIAS - t : t - BIAS
}

/** Encodes 16-bit samples (interleaved if multichannel) to µ-law, one byte per sample. */
export function mulawEncode(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length)
  for (let i = 0; i < samples.length; i++) out[i] = mulawEncodeSample(samples[i]!)
  return out
}

/** Decodes µ-law bytes to 16-bit samples. */
export function mulawDecode(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length)
  for (let i = 0; i < codes.length; i++) out[i] = mulawDecodeSample(codes[i]!)
  return out
}
