/**
 * JPEGs that RFC 2435 cannot carry (progressive, optimised or custom Huffman tables, 4:4:4 or other
 * samplings, greyscale, 12-bit…: see jfif.ts) made into ones it can: decoded with jpeg-js (a pure-JS
 * baseline and progressive decoder) and encoded again by our baseline 4:2:0 encoder. A JPEG that
 * already fits is returned unchanged, byte for byte.
 */
import jpeg from 'jpeg-js'
import { CodecError, RtspkitError } from '../../errors.js'
import { encodeJpeg } from './encoder.js'
import { RawImageJpegEncoder } from './image-encoder.js'
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
  /** Why it was re-encoded: what jfif.ts refused in the input (absent when kept as it is). */
  refusal?: RtspkitError
}

interface DecodedJpeg {
  width: number
  height: number
  data: Uint8Array
}

/** `input` as a JPEG RFC 2435 can carry; a CodecError ERR_JPEG_TRANSCODE when it cannot be made one. */
export function toRfc2435Jpeg(input: Buffer, quality = TRANSCODE_QUALITY): Rfc2435Jpeg {
  const refusal = refusalOf(input)
  if (!refusal) return { jpeg: input, transcoded: false }
  const image = decodeRefused(input, refusal)
  return { jpeg: encodeJpeg({ ...image, format: 'rgb' }, { quality }), transcoded: true, refusal }
}

/**
 * toRfc2435Jpeg for a stream of JPEGs, where the cost is per frame: the encoder is kept between
 * frames of one size, and the last re-encoded frame is remembered, so that a source sending the same
 * picture again (a still, a test card) costs a compare instead of a decode. JPEGs that fit cost one
 * parse and are returned as they are.
 */
export class Rfc2435Transcoder {
  private readonly encoder: RawImageJpegEncoder
  private last: { input: Buffer; output: Rfc2435Jpeg } | undefined

  constructor(readonly quality = TRANSCODE_QUALITY) {
    this.encoder = new RawImageJpegEncoder(quality)
  }

  transcode(input: Uint8Array): Rfc2435Jpeg {
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    if (this.last?.input.equals(buf)) return this.last.output
    const refusal = refusalOf(buf)
    if (!refusal) return { jpeg: buf, transcoded: false }
    const image = decodeRefused(buf, refusal)
    const output = { jpeg: this.encoder.encode({ ...image, format: 'rgb' }), transcoded: true, refusal }
    // A copy: the caller may refill its buffer in place for the next frame.
    this.last = { input: Buffer.from(buf), output }
    return output
  }
}

/** What jfif.ts (the packetizer's parser) refuses in `input`, or undefined when RFC 2435 can carry it. */
function refusalOf(input: Buffer): RtspkitError | undefined {
  try {
    parseJfif(input)
    return undefined
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    return err
  }
}

/** jpeg-js's RGB (grey comes out as R = G = B), checked against what RFC 2435 can carry. */
function decodeRefused(input: Buffer, refusal: RtspkitError): DecodedJpeg {
  let image: DecodedJpeg
  try {
    image = jpeg.decode(input, {
      useTArray: true,
      formatAsRGBA: false,
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
  return image
}
