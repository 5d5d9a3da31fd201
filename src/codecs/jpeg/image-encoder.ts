/**
 * Encodes a sequence of raw images (rgb, rgba, gray, i420) to RFC 2435-compatible JPEG, keeping the
 * encoder (headers, quantizer divisors, entropy buffer) and the I420 conversion planes between frames
 * of the same size: a stream of frames costs the conversion and the scan, no per-frame set-up.
 */
import { JpegEncoder } from './encoder.js'
import { allocI420, toI420, type I420Planes, type RawImage } from './i420.js'

export class RawImageJpegEncoder {
  private encoder: JpegEncoder | undefined
  private planes: I420Planes | undefined

  /** `quality` 1..100 (checked by the first encode). */
  constructor(readonly quality: number) {}

  encode(image: RawImage): Buffer {
    const { width, height } = image
    if (!this.encoder || this.encoder.width !== width || this.encoder.height !== height) {
      this.encoder = new JpegEncoder({ width, height, quality: this.quality })
      this.planes = image.format === 'i420' ? undefined : allocI420(width, height)
    }
    if (image.format !== 'i420') this.planes ??= allocI420(width, height)
    return this.encoder.encode(toI420(image, image.format === 'i420' ? undefined : this.planes))
  }
}
