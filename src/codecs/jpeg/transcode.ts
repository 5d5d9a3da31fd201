/**
 * JPEGs that RFC 2435 cannot carry (progressive, optimised or custom Huffman tables, 4:4:4 or other
 * samplings, greyscale, 12-bit…: see jfif.ts) made into ones it can: decoded with jpeg-js (a pure-JS
 * baseline and progressive decoder) and encoded again by our baseline 4:2:0 encoder. A JPEG that
 * already fits is returned unchanged, byte for byte.
 */
import jpeg from 'jpeg-js'
import { CodecError, RtspkitError } from '../../errors.js'
import { encodeJpeg } from './encoder.js'
import { parseJfif } from './jfif.js'
import { JPEG_MAX_DIMENSION } from './limits.js'

/** Quality of re-encoded frames (libjpeg scale): high, since the source was already compressed once. */
export const TRANSCODE_QUALITY = 90
/** Bounds for jpeg-js, so that a hostile file cannot take the memory: 2040x2040 is about 4.2 MP. */
const MAX_RESOLUTION_MP = 5
const MAX_MEMORY_MB = 128

export interface Rfc2435Jpeg {
  jpeg: Buffer
  /** True when it had to be decoded and encoded again. */
  transcoded: boolean
}

/** `input` as a JPEG RFC 2435 can carry; a CodecError ERR_JPEG_TRANSCODE when it cannot be made one. */
export function toRfc2435Jpeg(input: Buffer, quality = TRANSCODE_QUALITY): Rfc2435Jpeg {
  let refusal: RtspkitError
  try {
    parseJfif(input)
    return { jpeg: input, transcoded: false }
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    refusal = err
  }
  let image: { width: number; height: number; data: Uint8Array }
  try {
    image = jpeg.decode(input, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_RESOLUTION_MP,
      maxMemoryUsageInMB: MAX_MEMORY_MB,
    })
  } catch (err) {
    throw new CodecError(
      'ERR_JPEG_TRANSCODE',
      `cannot decode a JPEG that RTP/JPEG cannot carry (${refusal.message}): ${(err as Error).message}`,
      { observed: refusal.code },
      { cause: err },
    )
  }
  if (image.width > JPEG_MAX_DIMENSION || image.height > JPEG_MAX_DIMENSION) {
    throw new CodecError('ERR_JPEG_TRANSCODE', `a ${image.width}x${image.height} JPEG is larger than RTP/JPEG carries`, {
      observed: `${image.width}x${image.height}`,
      allowed: `up to ${JPEG_MAX_DIMENSION}x${JPEG_MAX_DIMENSION}`,
    })
  }
  return { jpeg: encodeJpeg({ width: image.width, height: image.height, format: 'rgba', data: image.data }, { quality }), transcoded: true }
}
