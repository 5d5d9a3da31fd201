import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JpegEncoder } from '../../src/codecs/jpeg/encoder.js'
import { parseJfif } from '../../src/codecs/jpeg/jfif.js'
import { JpegPacketizer } from '../../src/codecs/jpeg/packetizer.js'
import { JpegDepacketizer } from '../../src/codecs/jpeg/depacketizer.js'
import { ConfigError, StateError } from '../../src/errors.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { TestCard, TestCardSource, formatWallClock } from '../../src/sources/test-card.js'
import { ffmpegDecode, yuv420pSize } from '../codecs/jpeg/ffmpeg-helper.js'

const NOON = Date.UTC(2024, 0, 2, 12, 34, 56, 789)

function pixel(rgb: Buffer, width: number, x: number, y: number): [number, number, number] {
  const p = (y * width + x) * 3
  return [rgb[p]!, rgb[p + 1]!, rgb[p + 2]!]
}

function assertNear(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}: got ${actual.join(',')}, expected about ${expected.join(',')}`)
  }
}

describe('TestCard', () => {
  it('renders a 640x480 JPEG that ffmpeg decodes, with 75% colour bars', () => {
    const card = new TestCard()
    assert.equal(card.width, 640)
    assert.equal(card.height, 480)
    assert.equal(card.fps, 25)
    const jpeg = card.renderJpeg(0, NOON)
    const info = parseJfif(jpeg)
    assert.equal(info.type, 1)
    assert.equal(info.restartInterval, 40, 'one MCU row per restart interval')
    assert.equal(ffmpegDecode(jpeg, 'yuv420p').length, yuv420pSize(640, 480))
    const rgb = ffmpegDecode(jpeg, 'rgb24')
    const barX = (i: number): number => Math.round(((i + 0.5) * 640) / 7)
    const expected: Array<[string, number[]]> = [
      ['grey', [191, 191, 191]],
      ['yellow', [191, 191, 0]],
      ['cyan', [0, 191, 191]],
      ['green', [0, 191, 0]],
      ['magenta', [191, 0, 191]],
      ['red', [191, 0, 0]],
      ['blue', [0, 0, 191]],
    ]
    expected.forEach(([name, colour], i) => assertNear(pixel(rgb, 640, barX(i), 100), colour, 12, `${name} bar`))
  })

  it('consecutive frames differ, static rows do not', () => {
    const card = new TestCard({ width: 320, height: 240 })
    const a = card.renderJpeg(10, NOON)
    const b = card.renderJpeg(11, NOON + 40)
    assert.notDeepEqual(a, b)
    const ra = ffmpegDecode(a, 'rgb24')
    const rb = ffmpegDecode(b, 'rgb24')
    const barsBytes = 320 * 3 * 96 // the top six MCU rows are bars at 240 lines
    assert.deepEqual(ra.subarray(0, barsBytes), rb.subarray(0, barsBytes))
    assert.notDeepEqual(ra.subarray(barsBytes), rb.subarray(barsBytes))
  })

  it('is deterministic and its row cache never goes stale', () => {
    const warm = new TestCard({ width: 176, height: 144, fps: 30 })
    for (let i = 0; i < 20; i++) warm.renderJpeg(i, NOON + i * 33)
    const fresh = new TestCard({ width: 176, height: 144, fps: 30 })
    assert.deepEqual(warm.renderJpeg(77, NOON), fresh.renderJpeg(77, NOON))
    assert.notDeepEqual(fresh.renderJpeg(77, NOON), fresh.renderJpeg(77, NOON + 1), 'the milliseconds show')
  })

  it('re-encodes only a few MCU rows and equals a whole-frame encode', () => {
    const card = new TestCard()
    assert.ok(card.dynamicRowCount <= 8, `${card.dynamicRowCount} dynamic rows`)
    // Decode → re-encode of the same frame is not byte-comparable, but assembling must match the
    // encoder's own whole-frame layout: one RSTn after each of the 29 first rows.
    const scan = parseJfif(card.renderJpeg(3, NOON)).scan
    let rst = 0
    for (let i = 1; i < scan.length; i++) if (scan[i - 1] === 0xff && scan[i]! >= 0xd0 && scan[i]! <= 0xd7) rst++
    assert.equal(rst, 29)
  })

  it('draws at every size from 16x16 to 2040x2040', () => {
    for (const [w, h] of [
      [16, 16],
      [18, 16],
      [33, 17],
      [100, 50],
      [720, 576],
      [1920, 1080],
      [2040, 2040],
    ] as const) {
      const jpeg = new TestCard({ width: w, height: h, fps: 29.97 }).renderJpeg(5, NOON)
      assert.equal(ffmpegDecode(jpeg, 'yuv420p').length, yuv420pSize(w, h), `${w}x${h}`)
    }
  })

  it('goes through RTP and back', () => {
    const jpeg = new TestCard().renderJpeg(1, NOON)
    const packets = new JpegPacketizer({ ssrc: 9, initialSequence: 0 }).packetize(jpeg, 0)
    const d = new JpegDepacketizer()
    const out = packets.map((p) => d.push(RtpPacket.parse(p))).find((f) => f !== undefined)
    assert.deepEqual(out, jpeg)
  })

  it('measures 640x480 cost (informational)', (t) => {
    const card = new TestCard({ width: 640, height: 480, fps: 25 })
    for (let i = 0; i < 20; i++) card.renderJpeg(i, NOON + i * 40) // warm-up
    const n = 100
    const t0 = performance.now()
    let bytes = 0
    for (let i = 0; i < n; i++) bytes += card.renderJpeg(100 + i, NOON + i * 40).length
    const ms = (performance.now() - t0) / n
    // For comparison, the same frames without the row cache.
    const enc = JpegEncoder.forRows({ width: 640, height: 480, quality: 80 })
    const planes = (card as unknown as { planes: Parameters<JpegEncoder['encode']>[0] }).planes
    const t1 = performance.now()
    for (let i = 0; i < 10; i++) enc.encode(planes)
    const fullMs = (performance.now() - t1) / 10
    t.diagnostic(
      `test card 640x480@25: ${ms.toFixed(2)} ms/frame (${((ms * 25) / 10).toFixed(1)}% of one core), ${Math.round(bytes / n)} bytes/frame; whole-frame encode ${fullMs.toFixed(2)} ms`,
    )
  })

  it('formats the wall clock in UTC', () => {
    assert.equal(formatWallClock(NOON), '12:34:56.789')
    assert.equal(formatWallClock(0), '00:00:00.000')
    assert.equal(formatWallClock(-1), '23:59:59.999')
  })

  it('validates options with ConfigError', () => {
    assert.throws(
      () => new TestCard({ width: 8 }),
      (e: unknown) => e instanceof ConfigError && e.details['key'] === 'width',
    )
    assert.throws(() => new TestCard({ height: 2048 }), ConfigError)
    assert.throws(() => new TestCard({ fps: 0 }), ConfigError)
    assert.throws(() => new TestCard({ quality: 0 }), ConfigError)
  })
})

describe('TestCardSource', () => {
  it('pushes paced frames, skips encoding while unwanted but keeps time, and stops', async () => {
    let wallCalls = 0
    const clock = {
      monoMs: () => performance.now(),
      wallMs: () => {
        wallCalls++
        return NOON
      },
    }
    const src = new TestCardSource({ width: 64, height: 48, fps: 50, clock })
    assert.equal(src.width, 64)
    assert.equal(src.height, 48)
    assert.equal(src.fps, 50)
    const pushed: Array<{ jpeg: Buffer; pts: number }> = []
    let wanted = true
    let asked = 0
    src.start(
      (jpeg, pts) => pushed.push({ jpeg, pts }),
      () => {
        asked++
        return wanted
      },
    )
    assert.throws(() => src.start(() => {}), StateError)
    await new Promise((r) => setTimeout(r, 120))
    wanted = false
    const before = pushed.length
    await new Promise((r) => setTimeout(r, 120))
    assert.equal(pushed.length, before, 'nothing encoded while unwanted')
    wanted = true
    await new Promise((r) => setTimeout(r, 120))
    src.stop()
    src.stop()
    const after = pushed.length
    await new Promise((r) => setTimeout(r, 60))
    assert.equal(pushed.length, after, 'stopped')
    assert.ok(before >= 2 && after > before, `frames ${before} then ${after}`)
    assert.equal(wallCalls, pushed.length, 'the wall clock is read only for encoded frames')
    assert.ok(asked > pushed.length)
    for (let i = 1; i < pushed.length; i++) {
      assert.ok(pushed[i]!.pts > pushed[i - 1]!.pts)
      assert.equal(pushed[i]!.pts % 20, 0, 'pts on the 50 fps grid')
    }
    const gap = Math.max(...pushed.slice(1).map((p, i) => p.pts - pushed[i]!.pts))
    assert.ok(gap >= 80, `time kept running while unwanted (largest gap ${gap} ms)`)
    assert.equal(parseJfif(pushed[0]!.jpeg).width, 64)
    // Restart continues the timeline.
    const last = pushed[pushed.length - 1]!.pts
    src.start((jpeg, pts) => pushed.push({ jpeg, pts }))
    await new Promise((r) => setTimeout(r, 50))
    src.close()
    assert.ok(pushed[pushed.length - 1]!.pts > last)
  })
})
