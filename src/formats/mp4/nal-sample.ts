/**
 * Access units of NAL-structured video as MP4 samples, ISO/IEC 14496-15 sections 5.3.2 and 8.3.2: each
 * NAL unit preceded by its length in 4 bytes (lengthSizeMinusOne = 3 in the configuration record), no
 * start codes. Which NAL units a sample keeps is the codec's (`CodecMp4.accessUnit`).
 */
import { NAL_LENGTH_SIZE } from './nal-config.js'

/** The NAL units with 4-byte length prefixes, in one buffer allocated once. */
export function lengthPrefixedSample(nalus: readonly Uint8Array[]): Buffer {
  let size = 0
  for (const n of nalus) size += NAL_LENGTH_SIZE + n.byteLength
  const out = Buffer.allocUnsafe(size)
  let off = 0
  for (const n of nalus) {
    off = out.writeUInt32BE(n.byteLength, off)
    out.set(n, off)
    off += n.byteLength
  }
  return out
}
