/**
 * The H.264 encoder against a real decoder: ffmpeg decodes our streams without a single error line,
 * every decoded picture equals the encoder's own reconstruction bit for bit (so P_Skip never drifts),
 * and the test card decodes to what the card drew.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { H264Encoder, type YuvPicture } from '../../../src/codecs/h264/encoder/encoder.js'
import { H264TestCard, H264TestCardSource } from '../../../src/sources/h264-test-card.js'
import { annexB, ffmpegDecodeH264, packYuv, psnr, yuvToRgb } from './encoder-helpers.js'

const NOON = Date.UTC(2024, 0, 2, 12, 34, 56, 789)

function picture(width: number, height: number): YuvPicture {
  const cw = width >> 1
  const ch = height >> 1
  return { y: new Uint8Array(width * height), u: new Uint8Array(cw * ch), v: new Uint8Array(cw * ch), yStride: width, uvStride: cw }
}

/** Fills a rectangle of a plane with noise (seeded) or a flat value, to hit both ends of the coder. */
function paint(
  p: YuvPicture,
  width: number,
  height: number,
  r: { x: number; y: number; w: number; h: number; seed: number; flat: boolean },
): void {
  let s = r.seed >>> 0 || 1
  const next = (): number => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) & 0xff
  }
  const base = next()
  for (let y = r.y; y < Math.min(height, r.y + r.h); y++) {
    for (let x = r.x; x < Math.min(width, r.x + r.w); x++) p.y[y * p.yStride + x] = r.flat ? base : next()
  }
  for (let y = r.y >> 1; y < Math.min(height >> 1, (r.y + r.h) >> 1); y++) {
    for (let x = r.x >> 1; x < Math.min(width >> 1, (r.x + r.w) >> 1); x++) {
      p.u[y * p.uvStride + x] = r.flat ? 255 - base : next()
      p.v[y * p.uvStride + x] = r.flat ? base >> 1 : next()
    }
  }
}

describe('H264Encoder decoded by ffmpeg', () => {
  it('property: any picture sequence, QP and size decodes without errors, equal to our reconstruction', () => {
    const rect = fc.record({
      x: fc.integer({ min: 0, max: 95 }),
      y: fc.integer({ min: 0, max: 95 }),
      w: fc.integer({ min: 1, max: 96 }),
      h: fc.integer({ min: 1, max: 96 }),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      flat: fc.boolean(),
    })
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 48 }).map((n) => 2 * n),
        fc.integer({ min: 8, max: 40 }).map((n) => 2 * n),
        fc.integer({ min: 0, max: 51 }),
        fc.array(fc.record({ rects: fc.array(rect, { maxLength: 3 }), keyframe: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        (width, height, qp, frames) => {
          const enc = new H264Encoder({ width, height, fps: 25, qp })
          const pic = picture(width, height)
          paint(pic, width, height, { x: 0, y: 0, w: width, h: height, seed: qp + 1, flat: false })
          const aus: Buffer[][] = []
          const recons: Buffer[] = []
          for (const f of frames) {
            for (const r of f.rects) paint(pic, width, height, r)
            aus.push(enc.encode(pic, { keyframe: f.keyframe }).nalus)
            recons.push(packYuv(enc.reconstruction, width, height))
          }
          const decoded = ffmpegDecodeH264(annexB(aus), 'yuv420p')
          const size = recons[0]!.length
          assert.equal(decoded.length, size * frames.length, 'one decoded picture per access unit')
          recons.forEach((r, i) =>
            assert.ok(decoded.subarray(i * size, (i + 1) * size).equals(r), `picture ${i} equals our reconstruction`),
          )
        },
      ),
      { numRuns: 25 },
    )
  })

  it('unchanged macroblocks are skipped and changed ones coded; an unchanged picture is a few bytes', () => {
    const enc = new H264Encoder({ width: 64, height: 64, fps: 25 })
    const pic = picture(64, 64)
    paint(pic, 64, 64, { x: 0, y: 0, w: 64, h: 64, seed: 7, flat: false })
    assert.equal(enc.encode(pic).codedMacroblocks, 16)
    const still = enc.encode(pic)
    assert.equal(still.keyframe, false)
    assert.equal(still.codedMacroblocks, 0)
    assert.ok(still.nalus[0]!.length < 8, `${still.nalus[0]!.length} bytes`)
    paint(pic, 64, 64, { x: 17, y: 40, w: 2, h: 2, seed: 3, flat: true })
    assert.equal(enc.encode(pic).codedMacroblocks, 1, 'one changed 2x2 spot: one macroblock')
    assert.equal(enc.encode(pic, { keyframe: true }).codedMacroblocks, 16)
  })
})

describe('H264TestCard decoded by ffmpeg', () => {
  it('an IDR and the P pictures after it show what the card drew (PSNR >= 30 dB in RGB, >= 40 dB in YUV, no drift)', (t) => {
    const card = new H264TestCard({ width: 640, height: 480, fps: 25 })
    const aus: Buffer[][] = []
    const drawn: Buffer[] = []
    const coded: number[] = []
    for (let i = 0; i < 60; i++) {
      const out = card.render(i, NOON + i * 40)
      assert.equal(out.keyframe, i % 50 === 0, `frame ${i}: an IDR every 2 s`)
      aus.push(out.nalus)
      coded.push(out.codedMacroblocks)
      drawn.push(packYuv(card.picture, 640, 480))
    }
    const size = drawn[0]!.length
    const yuv = ffmpegDecodeH264(annexB(aus), 'yuv420p')
    assert.equal(yuv.length, size * 60)
    let worst = Infinity
    for (let i = 0; i < 60; i++) {
      const d = yuv.subarray(i * size, (i + 1) * size)
      const y = psnr(d, drawn[i]!, 0, 640 * 480)
      const c = psnr(d, drawn[i]!, 640 * 480, size)
      assert.ok(y >= 40 && c >= 40, `frame ${i}: Y ${y.toFixed(1)} dB, chroma ${c.toFixed(1)} dB`)
      worst = Math.min(worst, y, c)
    }
    t.diagnostic(`60 pictures (IDR + P): worst plane PSNR ${worst.toFixed(1)} dB`)
    // RGB: ffmpeg's conversion of the first IDR against the card's colours converted back to RGB.
    const rgb = ffmpegDecodeH264(annexB(aus.slice(0, 1)), 'rgb24')
    const want = yuvToRgb(drawn[0]!, 640, 480)
    const db = psnr(rgb, want)
    assert.ok(db >= 30, `IDR in RGB: ${db.toFixed(1)} dB`)
    t.diagnostic(`IDR decoded to RGB: ${db.toFixed(1)} dB against the card's colours`)
    // The 75% grey bar reads back as (191, 191, 191) give or take rounding.
    const o = (100 * 640 + 45) * 3
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(rgb[o + k]! - 191) <= 4, `grey bar: ${[...rgb.subarray(o, o + 3)].join(',')}`)
    assert.ok(Math.max(...coded.filter((_, i) => i % 50 !== 0)) < 120, `P pictures code few macroblocks: ${coded.join(' ')}`)
  })

  it('stays far below 1.5 Mbit/s at 640x480@25 (bytes of 10 s of pictures)', (t) => {
    const card = new H264TestCard({ width: 640, height: 480, fps: 25 })
    let bytes = 0
    for (let i = 0; i < 250; i++) for (const n of card.render(i, NOON + i * 40).nalus) bytes += n.length
    const mbps = (bytes * 8) / 10 / 1e6
    t.diagnostic(`H.264 test card 640x480@25: ${mbps.toFixed(3)} Mbit/s`)
    assert.ok(mbps <= 1.5, `${mbps} Mbit/s`)
  })

  it('renders every even size from 16x16 up, and ffmpeg decodes it at that size', () => {
    for (const [w, h] of [
      [16, 16],
      [18, 16],
      [34, 18],
      [100, 50],
      [720, 576],
      [1280, 720],
    ] as const) {
      const card = new H264TestCard({ width: w, height: h, fps: 29.97 })
      const aus = [0, 1, 2].map((i) => card.render(i, NOON + i * 33).nalus)
      const last = packYuv(card.picture, w, h)
      const yuv = ffmpegDecodeH264(annexB(aus), 'yuv420p')
      assert.equal(yuv.length, 3 * last.length, `${w}x${h}`)
      const db = psnr(yuv.subarray(2 * last.length), last)
      assert.ok(db >= 35, `${w}x${h}: ${db.toFixed(1)} dB`)
    }
    assert.throws(() => new H264TestCard({ width: 33, height: 16 }), { code: 'ERR_TEST_CARD_SIZE' })
  })

  it('an IDR when asked; frames the pacer skipped count towards the next IDR but need none', () => {
    const card = new H264TestCard({ width: 64, height: 48, fps: 25 })
    assert.equal(card.render(0, NOON).keyframe, true)
    assert.equal(card.render(1, NOON + 40).keyframe, false)
    assert.equal(card.render(7, NOON + 280).keyframe, false, 'the decoder still holds picture 1')
    assert.equal(card.render(8, NOON + 320, { keyframe: true }).keyframe, true)
    assert.equal(card.render(57, NOON + 2280).keyframe, false)
    assert.equal(card.render(58, NOON + 2320).keyframe, true, '2 s after the last IDR')
  })
})

describe('H264TestCardSource', () => {
  it('paces pictures, starts with an IDR, renders nothing while unwanted and resumes with an IDR', async () => {
    const clock = { monoMs: () => performance.now(), wallMs: () => NOON }
    const src = new H264TestCardSource({ width: 64, height: 48, fps: 50, clock })
    const pushed: Array<{ nalus: Buffer[]; pts: number; keyframe: boolean }> = []
    let wanted = true
    src.start(
      (nalus, pts, keyframe) => pushed.push({ nalus, pts, keyframe }),
      () => wanted,
    )
    assert.throws(() => src.start(() => {}), { code: 'ERR_SOURCE_RUNNING' })
    await new Promise((r) => setTimeout(r, 150))
    wanted = false
    const before = pushed.length
    await new Promise((r) => setTimeout(r, 150))
    assert.equal(pushed.length, before, 'nothing rendered while unwanted')
    wanted = true
    await new Promise((r) => setTimeout(r, 150))
    src.stop()
    assert.ok(before >= 2 && pushed.length > before + 1, `${before} then ${pushed.length} pictures`)
    assert.equal(pushed[0]!.keyframe, true)
    assert.equal(pushed[1]!.keyframe, false)
    assert.equal(pushed[before]!.keyframe, true, 'the first picture after the gap is an IDR')
    assert.equal(pushed[before + 1]!.keyframe, false)
    assert.ok(pushed[before]!.pts > pushed[before - 1]!.pts + 100, 'time kept running while unwanted')
    assert.deepEqual(
      pushed[0]!.nalus.map((n) => n[0]! & 0x1f),
      [7, 8, 5],
      'SPS and PPS in band before each IDR',
    )
    const stream = annexB(pushed.map((p) => p.nalus))
    const frames = ffmpegDecodeH264(stream, 'yuv420p').length / (64 * 48 * 1.5)
    assert.equal(frames, pushed.length)
  })
})
