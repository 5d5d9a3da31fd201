import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../src/errors.js'
import { JpegSequenceSource, looksLikeJpegSequence, splitJpegSequence } from '../../src/sources/jpeg-sequence-source.js'
import { TestCard } from '../../src/sources/test-card.js'
import { hex } from '../helpers/split.js'

const card = new TestCard({ width: 64, height: 48 })
const jpegs = [card.renderJpeg(0, 0), card.renderJpeg(1, 1000), card.renderJpeg(2, 2000)]

/** The image with an APP1 (EXIF) segment holding a whole thumbnail JPEG, FF D9 included. */
function withThumbnail(jpeg: Buffer, thumb: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('Exif\0\0'), thumb])
  const app1 = Buffer.alloc(4)
  app1.writeUInt16BE(0xffe1, 0)
  app1.writeUInt16BE(body.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), app1, body, jpeg.subarray(2)])
}

describe('JPEG sequence files', () => {
  it('splits images back to back, with restart markers, stuffing and embedded thumbnails', () => {
    const exif = withThumbnail(jpegs[1]!, jpegs[2]!)
    const file = Buffer.concat([jpegs[0]!, exif, jpegs[2]!, Buffer.from('\n')])
    const frames = splitJpegSequence(file, 'x.mjpeg')
    assert.deepEqual(frames, [jpegs[0], exif, jpegs[2]])
    assert.equal(looksLikeJpegSequence(file), true)
    assert.equal(looksLikeJpegSequence(Buffer.from('01234')), false)
  })

  it('a minimal image: fill bytes before markers, a scan with FF 00 and RST', () => {
    const img = hex('ffd8' + 'ffdb 0004 0000' + 'ffda 0003 00' + '12 ff00 34 ffd0 56' + 'ff ffd9')
    assert.deepEqual(splitJpegSequence(Buffer.concat([img, img]), 'm.mjpeg'), [img, img])
  })

  it('one-line errors for what is not a JPEG sequence', () => {
    assert.throws(
      () => splitJpegSequence(hex('ffd8 ffdb 0010 00'), 'cut.mjpeg'),
      (e: RtspkitError) => e.code === 'ERR_MJPEG_FORMAT' && /cut\.mjpeg: image 1 at byte 0 is cut short/.test(e.message),
    )
    assert.throws(
      () => splitJpegSequence(Buffer.concat([jpegs[0]!, hex('0102')]), 'junk.mjpeg'),
      (e: RtspkitError) => /image 2 does not start with SOI/.test(e.message),
    )
    assert.throws(
      () => splitJpegSequence(Buffer.alloc(0), 'empty.mjpeg'),
      (e: RtspkitError) => /holds no JPEG images/.test(e.message),
    )
  })

  it('property: never throws anything but our errors, and splits concatenations exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          splitJpegSequence(Buffer.concat([hex('ffd8'), Buffer.from(bytes)]), 'fuzz.mjpeg')
        } catch (err) {
          if (!(err instanceof RtspkitError)) throw err
        }
      }),
      { numRuns: 1000 },
    )
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 8 }), (picks) => {
        const parts = picks.map((i) => jpegs[i]!)
        assert.deepEqual(splitJpegSequence(Buffer.concat(parts), 'seq.mjpeg'), parts)
      }),
    )
  })

  it('plays the images at the frame rate, once', async () => {
    const s = new JpegSequenceSource('seq.mjpeg', Buffer.concat(jpegs), { fps: 200, loop: false })
    assert.deepEqual(s.tracks, [{ kind: 'video', codec: 'jpeg', width: 64, height: 48, fps: 200 }])
    assert.equal(s.description, 'seq.mjpeg (MJPEG 64x48@200, 3 images, once)')
    const got: Buffer[] = []
    s.start((_t, f) => got.push(f as Buffer))
    await new Promise((r) => setTimeout(r, 100))
    assert.deepEqual(got, jpegs)
    assert.equal(s.running, false)
    s.stop()
  })
})
