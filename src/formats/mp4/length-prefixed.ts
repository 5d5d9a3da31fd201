/**
 * NAL units of an MP4 video sample, ISO/IEC 14496-15 5.3.2 (AVC) and 8.3.2 (HEVC): each NAL unit is
 * preceded by its length in `lengthSize` bytes (1, 2 or 4; from lengthSizeMinusOne in 'avcC'/'hvcC').
 */
import { ParseError } from '../../errors.js'

/** Splits a sample into NAL units (views into `sample`); empty NAL units are skipped. */
export function splitLengthPrefixed(sample: Buffer, lengthSize: number): Buffer[] {
  const out: Buffer[] = []
  let off = 0
  while (off < sample.length) {
    if (sample.length - off < lengthSize) {
      throw new ParseError('ERR_MP4_NAL_LENGTH', `MP4 sample ends inside a ${lengthSize}-byte NAL length at offset ${off}`, {
        observed: sample.length - off,
        allowed: lengthSize,
      })
    }
    const len = sample.readUIntBE(off, lengthSize)
    off += lengthSize
    if (len > sample.length - off) {
      throw new ParseError(
        'ERR_MP4_NAL_LENGTH',
        `MP4 sample NAL unit of ${len} bytes at offset ${off} runs past the sample (${sample.length - off} bytes left)`,
        { observed: len, allowed: `<= ${sample.length - off}` },
      )
    }
    if (len > 0) out.push(sample.subarray(off, off + len))
    off += len
  }
  return out
}
