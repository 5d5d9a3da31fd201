import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JpegEncoder, encodeJpeg } from '../../../src/codecs/jpeg/encoder.js'
import { toI420 } from '../../../src/codecs/jpeg/i420.js'
import { parseJfif } from '../../../src/codecs/jpeg/jfif.js'
import { quantTablesForQuality, ZIGZAG } from '../../../src/codecs/jpeg/tables.js'
import { CodecError, ConfigError, StateError } from '../../../src/errors.js'
import { hex } from '../../helpers/split.js'
import { ffmpegDecode, yuv420pSize } from './ffmpeg-helper.js'
import { FLAT_MCU_SCAN, RFC2435_CHROMA, RFC2435_LUMA, flat16Jpeg, flat32RestartJpeg, flatI420, noiseRgb } from './vectors.js'

function smoothRgb(width: number, height: number, channels = 3): Uint8Array {
  const data = new Uint8Array(width * height * channels)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels
      data[p] = 110 + 60 * Math.sin(x / 7)
      data[p + 1] = 110 + 60 * Math.cos(y / 5)
      data[p + 2] = 128 + 50 * Math.sin((x + y) / 11)
      if (channels === 4) data[p + 3] = 255
    }
  }
  return data
}

function meanAbsError(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length)
  let s = 0
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!)
  return s / a.length
}

describe('JPEG encoder', () => {
  it('ZIGZAG is T.81 Figure A.6', () => {
    assert.deepEqual([...ZIGZAG.subarray(0, 16)], [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5])
    assert.deepEqual([...ZIGZAG.subarray(56)], [53, 60, 61, 54, 47, 55, 62, 63])
  })

  it('scales Annex K tables like libjpeg: 50 keeps them, 100 gives ones, 1 saturates at 255', () => {
    const [l50, c50] = quantTablesForQuality(50)
    assert.deepEqual([...l50], RFC2435_LUMA)
    assert.deepEqual([...c50], RFC2435_CHROMA)
    assert.ok(quantTablesForQuality(100)[0].every((v) => v === 1))
    assert.ok(quantTablesForQuality(1)[1].every((v) => v === 255))
    // quality 80: scale 40 → round(16 · 0.4) = 6
    assert.equal(quantTablesForQuality(80)[0][0], 6)
  })

  it('encodes a flat 16x16 frame: headers, one all-zero MCU, EOI', () => {
    const jpeg = flat16Jpeg()
    assert.deepEqual(jpeg.subarray(0, 4), hex('ffd8 ffe0')) // SOI, APP0
    assert.deepEqual(jpeg.subarray(6, 11), Buffer.from('JFIF\0'))
    assert.deepEqual(jpeg.subarray(-6), hex('28a28a00 ffd9')) // the MCU, EOI
    const info = parseJfif(jpeg)
    assert.equal(info.type, 1)
    assert.equal(info.width, 16)
    assert.equal(info.height, 16)
    assert.equal(info.restartInterval, 0)
    assert.deepEqual([...info.quantTables[0]!], RFC2435_LUMA)
    assert.deepEqual([...info.quantTables[1]!], RFC2435_CHROMA)
    assert.deepEqual(info.scan, FLAT_MCU_SCAN)
    // SOF0: precision 8, 16x16, 3 components: (1, 2x2, Tq 0), (2, 1x1, Tq 1), (3, 1x1, Tq 1)
    const sof = jpeg.indexOf(hex('ffc0'))
    assert.deepEqual(jpeg.subarray(sof, sof + 19), hex('ffc0 0011 08 0010 0010 03 01 22 00 02 11 01 03 11 01'))
  })

  it('writes DRI and RST0..RSTn between restart intervals', () => {
    const jpeg = flat32RestartJpeg()
    const dri = jpeg.indexOf(hex('ffdd'))
    assert.deepEqual(jpeg.subarray(dri, dri + 6), hex('ffdd 0004 0001'))
    const info = parseJfif(jpeg)
    assert.equal(info.restartInterval, 1)
    assert.deepEqual(info.scan, hex('28a28a00 ffd0 28a28a00 ffd1 28a28a00 ffd2 28a28a00'))
  })

  it('counts RST markers modulo 8', () => {
    const jpeg = encodeJpeg(flatI420(16 * 10, 16), { quality: 50, restartInterval: 1 })
    const rst = [...parseJfif(jpeg).scan].flatMap((b, i, a) => (a[i - 1] === 0xff && b >= 0xd0 && b <= 0xd7 ? [b - 0xd0] : []))
    assert.deepEqual(rst, [0, 1, 2, 3, 4, 5, 6, 7, 0])
  })

  it('row segments assembled with RSTn equal a whole-frame encode with a one-row restart interval', () => {
    const image = noiseRgb(48, 40, 7)
    const planes = toI420(image)
    const enc = JpegEncoder.forRows({ width: 48, height: 40, quality: 75 })
    assert.equal(enc.restartInterval, 3)
    const rows = Array.from({ length: enc.mcuRows }, (_, r) => enc.encodeRow(planes, r))
    const assembled = enc.assembleRows(rows)
    assert.deepEqual(assembled, enc.encode(planes))
    assert.deepEqual(assembled, encodeJpeg(image, { quality: 75, restartInterval: 3 }))
    // A cached row stays valid: re-encoding the same content gives the same bytes.
    assert.deepEqual(enc.encodeRow(planes, 1), rows[1])
  })

  it('assembleRows needs a row encoder and one segment per row', () => {
    const enc = new JpegEncoder({ width: 32, height: 32 })
    assert.throws(() => enc.assembleRows([]), StateError)
    const rows = JpegEncoder.forRows({ width: 32, height: 32 })
    assert.throws(
      () => rows.assembleRows([Buffer.alloc(0)]),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_JPEG_ROW_COUNT',
    )
    assert.throws(
      () => rows.encodeRow(toI420(flatI420(32, 32)), 2),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_JPEG_ROW',
    )
  })

  it('ffmpeg decodes rgb output to the right size and close to the input', () => {
    for (const [w, h] of [
      [64, 48],
      [33, 17],
      [8, 8],
      [1, 1],
      [250, 130],
    ] as const) {
      const data = smoothRgb(w, h)
      const jpeg = encodeJpeg({ width: w, height: h, format: 'rgb', data }, { quality: 95 })
      assert.equal(ffmpegDecode(jpeg, 'yuv420p').length, yuv420pSize(w, h), `${w}x${h}`)
      const rgb = ffmpegDecode(jpeg, 'rgb24')
      assert.ok(meanAbsError(rgb, data) < 3, `${w}x${h} error ${meanAbsError(rgb, data)}`)
    }
  })

  it('ffmpeg decodes rgba, gray and i420 input, and noise with 0xFF stuffing and restart markers', () => {
    const rgba = encodeJpeg({ width: 40, height: 24, format: 'rgba', data: smoothRgb(40, 24, 4) })
    assert.equal(ffmpegDecode(rgba, 'rgb24').length, 40 * 24 * 3)
    const grayData = Uint8Array.from({ length: 30 * 20 }, (_, i) => i % 256)
    const gray = encodeJpeg({ width: 30, height: 20, format: 'gray', data: grayData }, { quality: 100 })
    assert.ok(meanAbsError(ffmpegDecode(gray, 'gray'), grayData) < 2)
    const i420 = encodeJpeg(flatI420(20, 20, 200, 90, 160))
    const yuv = ffmpegDecode(i420, 'yuv420p')
    // ffmpeg's yuv420p is limited range: 16 + 200 · 219/255 ≈ 188
    assert.ok(Math.abs(yuv[0]! - 188) <= 2, `Y ${yuv[0]}`)
    for (const ri of [0, 1, 5]) {
      const noisy = encodeJpeg(noiseRgb(100, 60, ri + 3), { quality: 98, restartInterval: ri })
      assert.ok(parseJfif(noisy).scan.includes(hex('ff00')), 'noise at high quality has stuffed 0xFF bytes')
      assert.equal(ffmpegDecode(noisy, 'yuv420p').length, yuv420pSize(100, 60))
    }
  })

  it('encodes the largest size RFC 2435 can carry', () => {
    const jpeg = encodeJpeg(flatI420(2040, 16))
    assert.equal(parseJfif(jpeg).width, 2040)
    assert.equal(ffmpegDecode(jpeg, 'gray').length, 2040 * 16)
  })

  it('rejects what it cannot encode with typed errors', () => {
    assert.throws(
      () => encodeJpeg(flatI420(2048, 16)),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_JPEG_DIMENSIONS',
    )
    assert.throws(() => encodeJpeg({ width: 0, height: 16, format: 'gray', data: new Uint8Array(0) }), CodecError)
    assert.throws(
      () => encodeJpeg({ width: 16, height: 16, format: 'rgb', data: new Uint8Array(10) }),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_JPEG_INPUT_SIZE',
    )
    assert.throws(
      () => encodeJpeg(flatI420(16, 16), { quality: 0 }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_JPEG_QUALITY',
    )
    assert.throws(() => encodeJpeg(flatI420(16, 16), { quality: 101 }), ConfigError)
    assert.throws(
      () => encodeJpeg(flatI420(16, 16), { restartInterval: 70000 }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_JPEG_RESTART_INTERVAL',
    )
    const enc = new JpegEncoder({ width: 32, height: 32 })
    assert.throws(
      () => enc.encode({ y: new Uint8Array(10), u: new Uint8Array(256), v: new Uint8Array(256), yStride: 32, uvStride: 16 }),
      CodecError,
    )
  })

  it('reports encode speed (informational)', (t) => {
    const image = noiseRgb(640, 480, 9)
    const planes = toI420(image)
    const enc = new JpegEncoder({ width: 640, height: 480, quality: 80 })
    enc.encode(planes) // warm-up
    const n = 5
    const t0 = performance.now()
    let bytes = 0
    for (let i = 0; i < n; i++) bytes += enc.encode(planes).length
    const ms = (performance.now() - t0) / n
    t.diagnostic(`encodeJpeg 640x480 noise q80: ${ms.toFixed(2)} ms/frame, ${Math.round(bytes / n)} bytes`)
  })
})
