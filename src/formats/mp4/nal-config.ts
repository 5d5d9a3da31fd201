/**
 * The pieces of ISO/IEC 14496-15 decoder configuration records ('avcC' 5.3.3.1, 'hvcC' 8.3.3.1) that
 * every NAL-structured video format shares: 4-byte NAL lengths in written samples, parameter sets as
 * `u16 length, bytes`, and the check on reading lengthSizeMinusOne. The records
 * themselves are the codecs' (codecs/<name>/…-config.ts).
 */
import { CodecError, ParseError } from '../../errors.js'
import type { BoxFieldReader } from './box-reader.js'
import type { Field } from './box.js'

/** NAL units in written samples carry 4-byte lengths. */
export const NAL_LENGTH_SIZE = 4
const MAX_PARAMETER_SET_SIZE = 0xffff
/** The low two bits of the byte holding lengthSizeMinusOne. */
export const LENGTH_SIZE_MASK = 0x03

/** `[u16 length, bytes]` for one parameter set; CodecError when it cannot be described. */
export function lengthPrefixed(nal: Uint8Array, what: string): Field[] {
  if (nal.length === 0 || nal.length > MAX_PARAMETER_SET_SIZE) {
    throw new CodecError('ERR_MP4_PARAMETER_SET', `${what} of ${nal.length} bytes cannot go in a decoder configuration record`, {
      observed: nal.length,
      allowed: `1..${MAX_PARAMETER_SET_SIZE}`,
    })
  }
  return [['u16', nal.length], nal]
}

/** lengthSizeMinusOne 2 (3-byte lengths) is not allowed: 14496-15 5.3.3.1.2 allows 1, 2 or 4 bytes. */
export function checkLengthSize(size: number, box: string): number {
  if (size === 3)
    throw new ParseError('ERR_MP4_CODEC_CONFIG', `${box}: NAL length size 3 is not allowed`, { observed: size, allowed: [1, 2, 4] })
  return size
}

/** `count` parameter sets of `u16 length, bytes` (views into the record); empty ones are skipped. */
export function readNalList(r: BoxFieldReader, count: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const nal = r.bytes(r.u16())
    if (nal.length > 0) out.push(nal)
  }
  return out
}
