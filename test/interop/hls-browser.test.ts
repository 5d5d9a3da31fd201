/**
 * The HLS player page in Debian's headless Chromium (playwright-core): hls.js, served by our HLS
 * server, plays the Low-Latency HLS of an H.264 + AAC path (currentTime advances); an MJPEG path
 * gets a page that says why it cannot play, with its RTSP URL.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../view/chromium.js'
import { h264AacMp4, mjpegFile } from './harness.js'
import { startHlsServer, type HlsTestServer } from './hls-helpers.js'

const PLAY_TIMEOUT_MS = 20_000

describe('HLS player page in Chromium', () => {
  let srv: HlsTestServer
  let browser: Browser
  before(async () => {
    const [clip, mjpeg] = await Promise.all([h264AacMp4(), mjpegFile(320, 240, 50)])
    srv = await startHlsServer({ clip: `file:${clip}`, cam: `file:${mjpeg}` })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await srv?.stop()
  })

  it('plays an H.264 + AAC path: currentTime advances, and the viewer is an hls session', async () => {
    const page = await browser.newPage()
    try {
      const res = await page.goto(`${srv.hls.url}/clip`)
      assert.equal(res?.status(), 200)
      await page.waitForFunction('document.getElementById("video").currentTime > 0.5', undefined, { timeout: PLAY_TIMEOUT_MS })
      const t0 = await page.evaluate<number>('document.getElementById("video").currentTime')
      await new Promise((r) => setTimeout(r, 2000))
      const t1 = await page.evaluate<number>('document.getElementById("video").currentTime')
      assert.ok(t1 - t0 > 1.2, `currentTime went from ${t0} to ${t1}`)
      const hls = srv.server.externalSessions().filter((s) => s.protocol === 'hls' && s.path === 'clip')
      assert.equal(hls.length, 1)
      assert.equal(hls[0]!.counted, true)
      assert.ok(hls[0]!.bytesSent > 10_000)
    } finally {
      await page.close()
    }
  })

  it('explains that an MJPEG path cannot play over HLS, with its RTSP URL', async () => {
    const page = await browser.newPage()
    try {
      const res = await page.goto(`${srv.hls.url}/cam`)
      assert.equal(res?.status(), 404)
      const text = (await page.textContent('body')) ?? ''
      assert.match(text, /JPEG video cannot be played over HLS/)
      assert.ok(text.includes(srv.url('cam')), text)
      assert.equal(await page.$('video'), null)
    } finally {
      await page.close()
    }
  })
})
