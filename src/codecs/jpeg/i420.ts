/**
 * I420 (planar Y, then Cb, then Cr at half width and half height) images for the JPEG encoder, and the
 * conversions from packed RGB(A) and grey. Colour maths is JFIF's full-range BT.601 (JFIF 1.02 section
 * "Conversion to and from RGB"), which is what every JPEG decoder assumes.
 */
import { CodecError } from '../../errors.js'

export interface I420Planes {
  y: Uint8Array
  u: Uint8Array
  v: Uint8Array
  /** Bytes per row of `y`. */
  yStride: number
  /** Bytes per row of `u` and `v`. */
  uvStride: number
}

export type PixelFormat = 'i420' | 'rgb' | 'rgba' | 'gray'

export interface RawImage {
  width: number
  height: number
  format: PixelFormat
  /** Tightly packed: i420 is Y (w·h), U and V (⌈w/2⌉·⌈h/2⌉ each); rgb 3, rgba 4 and gray 1 bytes per pixel. */
  data: Uint8Array
}

const CHROMA_NEUTRAL = 128
const FIX_SHIFT = 16
const FIX_HALF = 1 << (FIX_SHIFT - 1)
// JFIF full-range coefficients in 16.16 fixed point.
const Y_R = Math.round(0.299 * 65536)
const Y_G = Math.round(0.587 * 65536)
const Y_B = Math.round(0.114 * 65536)
const CB_R = Math.round(-0.168736 * 65536)
const CB_G = Math.round(-0.331264 * 65536)
const CB_B = Math.round(0.5 * 65536)
const CR_R = Math.round(0.5 * 65536)
const CR_G = Math.round(-0.418688 * 65536)
const CR_B = Math.round(-0.081312 * 65536)
const BYTES_PER_PIXEL: Readonly<Record<PixelFormat, number>> = { i420: 1, rgb: 3, rgba: 4, gray: 1 }

export function chromaSize(width: number, height: number): { width: number; height: number } {
  return { width: (width + 1) >> 1, height: (height + 1) >> 1 }
}

/** Bytes a tightly packed image of this format needs. */
export function rawImageSize(width: number, height: number, format: PixelFormat): number {
  if (format === 'i420') {
    const c = chromaSize(width, height)
    return width * height + 2 * c.width * c.height
  }
  return width * height * BYTES_PER_PIXEL[format]
}

/** Full-range BT.601 (JFIF) conversion of one colour; used for drawing. */
export function rgbToYuv(r: number, g: number, b: number): [number, number, number] {
  const clamp = (x: number): number => Math.min(255, Math.max(0, Math.round(x)))
  return [
    clamp(0.299 * r + 0.587 * g + 0.114 * b),
    clamp(CHROMA_NEUTRAL - 0.168736 * r - 0.331264 * g + 0.5 * b),
    clamp(CHROMA_NEUTRAL + 0.5 * r - 0.418688 * g - 0.081312 * b),
  ]
}

/** Allocates I420 planes for a `width`x`height` image (tightly packed, chroma neutral, luma 0). */
export function allocI420(width: number, height: number): I420Planes {
  const c = chromaSize(width, height)
  const u = new Uint8Array(c.width * c.height).fill(CHROMA_NEUTRAL)
  const v = new Uint8Array(c.width * c.height).fill(CHROMA_NEUTRAL)
  return { y: new Uint8Array(width * height), u, v, yStride: width, uvStride: c.width }
}

/**
 * Views (or, for rgb/rgba/gray, a converted copy) of `image` as I420 planes. Throws CodecError when
 * `data` is shorter than the format needs. `into`, planes of the image's size from `allocI420`, is
 * written instead of allocating (callers converting frame after frame reuse one set).
 */
export function toI420(image: RawImage, into?: I420Planes): I420Planes {
  const { width, height, format, data } = image
  const need = rawImageSize(width, height, format)
  if (data.length < need) {
    throw new CodecError('ERR_JPEG_INPUT_SIZE', `${format} image ${width}x${height} needs ${need} bytes, got ${data.length}`, {
      observed: data.length,
      allowed: need,
    })
  }
  const c = chromaSize(width, height)
  if (format === 'i420') {
    const ySize = width * height
    const cSize = c.width * c.height
    return {
      y: data.subarray(0, ySize),
      u: data.subarray(ySize, ySize + cSize),
      v: data.subarray(ySize + cSize, ySize + 2 * cSize),
      yStride: width,
      uvStride: c.width,
    }
  }
  const out =
    into && into.yStride === width && into.y.length === width * height && into.uvStride === c.width && into.u.length === c.width * c.height
      ? into
      : allocI420(width, height)
  if (format === 'gray') {
    out.y.set(data.subarray(0, width * height))
    if (out === into) {
      out.u.fill(CHROMA_NEUTRAL)
      out.v.fill(CHROMA_NEUTRAL)
    }
    return out
  }
  const bpp = BYTES_PER_PIXEL[format]
  const { y, u, v } = out
  for (let row = 0, p = 0, q = 0; row < height; row++) {
    for (let col = 0; col < width; col++, p += bpp) {
      y[q++] = (Y_R * data[p]! + Y_G * data[p + 1]! + Y_B * data[p + 2]! + FIX_HALF) >> FIX_SHIFT
    }
  }
  // Chroma from the average of each 2x2 block (edge pixels repeated for odd sizes).
  const stride = width * bpp
  for (let cy = 0; cy < c.height; cy++) {
    const y0 = cy * 2
    const y1 = Math.min(y0 + 1, height - 1)
    for (let cx = 0; cx < c.width; cx++) {
      const x0 = cx * 2
      const x1 = Math.min(x0 + 1, width - 1)
      const a = y0 * stride + x0 * bpp
      const b = y0 * stride + x1 * bpp
      const d = y1 * stride + x0 * bpp
      const e = y1 * stride + x1 * bpp
      const r = data[a]! + data[b]! + data[d]! + data[e]!
      const g = data[a + 1]! + data[b + 1]! + data[d + 1]! + data[e + 1]!
      const bl = data[a + 2]! + data[b + 2]! + data[d + 2]! + data[e + 2]!
      // Sums of four: divide by 4 inside the shift, and add the +128 offset.
      const cb = ((CB_R * r + CB_G * g + CB_B * bl) >> 2) + (CHROMA_NEUTRAL << FIX_SHIFT) + FIX_HALF
      const cr = ((CR_R * r + CR_G * g + CR_B * bl) >> 2) + (CHROMA_NEUTRAL << FIX_SHIFT) + FIX_HALF
      u[cy * c.width + cx] = clampByte(Math.floor(cb / 65536))
      v[cy * c.width + cx] = clampByte(Math.floor(cr / 65536))
    }
  }
  return out
}

function clampByte(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : x
}
