/**
 * WHEP with a real browser: headless Chromium opens our player page (GET /PATH), negotiates over
 * WHEP with werift on our side, and shows the H.264 path — frames counted with
 * requestVideoFrameCallback, at the source's size. Also: time to the first frame, the session in the
 * server's table while it plays, released on DELETE (page closed) and on kick.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { addPath } from '../../src/app/add-path.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { h264File } from './harness.js'
import { launchWebRtcChromium, startPair, type PlayerState, type WebRtcPair } from './webrtc-helpers.js'

const W = 320
const H = 240
const FPS = 25

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const player = (page: Page): Promise<PlayerState> =>
  page.evaluate(() => (globalThis as unknown as { rtspkitPlayer: PlayerState }).rtspkitPlayer)

describe('WHEP playback in Chromium', () => {
  let pair: WebRtcPair
  let browser: Browser
  before(async () => {
    const file = await h264File({ width: W, height: H, fps: FPS, seconds: 10, gop: 25 })
    pair = await startPair({}, {}, (rtsp) => {
      const handle = addPath(rtsp, 'cam', parseSourceSpec(`file:${file}`), { defaults: { fps: FPS } })
      return () => handle.stop()
    })
    browser = await launchWebRtcChromium()
  })
  after(async () => {
    await browser?.close()
    await pair?.stop()
  })

  it('the player page shows ≥ 5 s of frames at the source size; the session is listed, then released when the page goes', async () => {
    const page = await browser.newPage()
    const t0 = Date.now()
    await page.goto(`${pair.webrtc.url}/cam`)
    const first = await waitFor('the first frame', 15_000, async () => {
      const p = await player(page)
      return p.frames > 0 ? p : undefined
    })
    const firstFrameMs = Date.now() - t0
    assert.equal(pair.rtsp.externalSessions().filter((s) => s.protocol === 'webrtc' && s.role === 'reader').length, 1)
    const start = first.frames
    await new Promise((r) => setTimeout(r, 7000))
    const p = await player(page)
    console.log(
      `# WHEP: first frame ${firstFrameMs} ms after navigation (page: answer ${Math.round(p.answerMs ?? -1)} ms, connected ${Math.round(p.connectedMs ?? -1)} ms, first frame ${Math.round(p.firstFrameMs ?? -1)} ms), ${p.frames - start} frames in 7 s`,
    )
    assert.ok(p.frames - start >= FPS * 5, `frames in 7 s: ${p.frames - start}`)
    assert.equal(p.width, W)
    assert.equal(p.height, H)
    assert.match(p.audio, /none/)
    const sent = pair.rtsp.externalSessions().find((s) => s.protocol === 'webrtc')!
    assert.ok(sent.bytesSent > 10_000, `bytes sent ${sent.bytesSent}`)
    await page.close({ runBeforeUnload: true })
    await waitFor('the session to end', 5000, () => (pair.rtsp.externalSessions().length === 0 ? true : undefined))
    assert.equal(pair.webrtc.stats().whepSessions, 0)
  })
})
