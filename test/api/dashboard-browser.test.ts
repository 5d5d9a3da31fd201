/**
 * The dashboard at `/` in Debian's headless Chromium, driven by playwright-core, against a real
 * RtspServer: a JPEG test card and an H.264 file path are listed with their URLs, the test card's
 * preview moves, the bitrate sparkline draws, a reader appears in the sessions table when it plays and
 * goes when it leaves; an H.264 path shows an ffmpeg snapshot, or says why it cannot (no WebRTC or HLS
 * server here: the live player is test/interop/dashboard-live.test.ts). An ffmpeg publisher shows on
 * its path with its size and frame rate, and the Kick buttons end an ffmpeg reader and the publisher.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { ApiServer, type ApiServerOptions } from '../../src/api/api-server.js'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { collectFrames } from '../client/client-helpers.js'
import { h264File, run, startServer, type TestServer } from '../interop/harness.js'
import { launchChromium } from '../view/chromium.js'

const STEP_MS = 8000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const card = (name: string) => `.path[data-name=${JSON.stringify(name)}]`

/** Starts an ApiServer on the test server, opens its dashboard in a new tab, runs `body`, closes both. */
async function withDashboard(
  context: BrowserContext,
  srv: TestServer,
  extra: Partial<ApiServerOptions>,
  body: (page: Page) => Promise<void>,
): Promise<void> {
  const api = new ApiServer({ server: srv.server, host: '127.0.0.1', port: 0, sampleIntervalMs: 200, bitrateWindowMs: 1000, ...extra })
  await api.start()
  const page = await context.newPage()
  try {
    page.setDefaultTimeout(STEP_MS)
    await page.goto(`${api.url}/`)
    await body(page)
  } finally {
    await page.close()
    await api.close()
  }
}

/** A hash of what an <img> shows now, drawn on a canvas (same origin: readable). */
function imageHash(page: Page, selector: string): Promise<number> {
  return page.evaluate(`(() => {
    const img = document.querySelector(${JSON.stringify(selector)})
    const c = document.createElement('canvas')
    c.width = img.naturalWidth
    c.height = img.naturalHeight
    const ctx = c.getContext('2d')
    ctx.drawImage(img, 0, 0)
    const d = ctx.getImageData(0, 0, c.width, c.height).data
    let hash = 0
    for (let i = 0; i < d.length; i += 4) hash = (Math.imul(hash, 31) + d[i] + (d[i + 1] << 8) + (d[i + 2] << 16)) >>> 0
    return hash
  })()`)
}

const naturalWidthIs = (page: Page, selector: string, width: number, timeout = STEP_MS) =>
  page.waitForFunction(`(document.querySelector(${JSON.stringify(selector)}) || {}).naturalWidth === ${width}`, undefined, { timeout })

describe('the dashboard in headless Chromium', () => {
  let srv: TestServer
  let browser: Browser
  let context: BrowserContext
  before(async () => {
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    srv = await startServer({ cam: 'test:160x120@10', h264: `file:${file}`, live: 'publish' })
    browser = await launchChromium()
    context = await browser.newContext()
  })
  after(async () => {
    await browser?.close()
    await srv?.stop()
  })

  it(
    'lists the paths with their URLs, previews the test card, draws the bitrate, and shows a reader while it plays',
    { timeout: 30_000 },
    async () => {
      // Without ffmpeg there are no snapshot readers: the sessions table holds only the reader this test makes.
      await withDashboard(context, srv, { ffmpegPath: '/nonexistent/ffmpeg' }, async (page) => {
        for (const name of ['cam', 'h264']) {
          await page.waitForSelector(card(name))
          assert.equal(await page.textContent(`${card(name)} .url`), srv.url(name))
        }
        assert.match((await page.textContent(`${card('cam')} .codecs`)) ?? '', /^jpeg 160x120@10$/)
        assert.match((await page.textContent(`${card('h264')} .source`)) ?? '', /^local/)
        assert.equal(await page.locator('#sessions tr').count(), 0)
        assert.equal(await page.isVisible('#no-sessions'), true)
        assert.equal(await page.textContent('#session-count'), '0')
        // Not in a cluster: no Nodes section (its poll ran with the one that drew the cards).
        assert.equal(await page.isVisible('#nodes-section'), false)
        assert.equal(await page.locator('#nodes tr').count(), 0)

        // The test card's preview: 160 pixels wide, and moving.
        const preview = `${card('cam')} img.preview`
        await naturalWidthIs(page, preview, 160)
        const first = await imageHash(page, preview)
        await sleep(700)
        assert.notEqual(await imageHash(page, preview), first, 'the preview moves')
        assert.equal(await page.getAttribute(preview, 'src'), '/v1/paths/cam/preview.mjpeg')

        // The H.264 path cannot have a snapshot here, and says why.
        await page.waitForFunction(`/ffmpeg/.test(document.querySelector('${card('h264')} .note').textContent)`, undefined, {
          timeout: STEP_MS,
        })

        // The preview makes the test card encode, so its bitrate is above 0: the sparkline rises.
        await page.waitForFunction(`document.querySelector('${card('cam')} .spark polyline').getAttribute('points') !== ''`, undefined, {
          timeout: STEP_MS,
        })
        const points = (await page.getAttribute(`${card('cam')} .spark polyline`, 'points'))!
          .split(' ')
          .map((p) => p.split(',').map(Number))
        assert.ok(points.length >= 2 && points.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)), JSON.stringify(points))
        assert.ok(Math.min(...points.map(([, y]) => y!)) < 2, 'the highest sample reaches the top')
        assert.match((await page.textContent(`${card('cam')} .bitrate`)) ?? '', /kbit\/s|Mbit\/s/)

        // A reader plays the H.264 path: its row appears, with its path, address and transport.
        const client = new RtspClient(srv.url('h264'), { transport: 'tcp' })
        let closed = false
        try {
          const frames = collectFrames(client, 2)
          await client.play()
          await frames
          const [session] = srv.server.stats().sessions
          assert.ok(session)
          const row = `#sessions tr[data-id=${JSON.stringify(session.id)}]`
          await page.waitForSelector(row, { timeout: 5000 })
          assert.equal(await page.getAttribute(row, 'data-path'), 'h264')
          const cells = await page.locator(`${row} td`).allTextContents()
          assert.deepEqual(cells.slice(0, 4), ['rtsp', '127.0.0.1', 'tcp', 'h264'])
          assert.match(cells[4]!, /B$/)
          assert.equal(await page.textContent('#count-rtsp'), '1')
          assert.equal(await page.textContent('#count-webrtc'), '0')
          assert.equal(await page.isVisible('#no-sessions'), false)
          await page.waitForFunction(`document.querySelector('${card('h264')} .readers').textContent === '1'`, undefined, { timeout: 5000 })

          await client.close()
          closed = true
          await page.waitForSelector(row, { state: 'detached', timeout: 5000 })
          assert.equal(await page.locator('#sessions tr').count(), 0)
          assert.equal(await page.isVisible('#no-sessions'), true)
        } finally {
          if (!closed) await client.close()
        }
      })
    },
  )

  it(
    'a published path shows its publisher, size and frame rate; Kick ends an ffmpeg reader, then the publisher',
    { timeout: 60_000 },
    async () => {
      let publisher: ChildProcess | undefined
      try {
        await withDashboard(context, srv, { ffmpegPath: '/nonexistent/ffmpeg' }, async (page) => {
          await page.waitForSelector(card('live'))
          assert.equal(await page.isVisible(`${card('live')} .publisher`), false)
          publisher = spawn(
            'ffmpeg',
            [
              ...['-hide_banner', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15'],
              ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p'],
              ...['-f', 'rtsp', '-rtsp_transport', 'tcp', srv.url('live')],
            ],
            { stdio: 'ignore' },
          )
          const publisherExit = new Promise<void>((resolve) => publisher!.once('exit', () => resolve()))
          await page.waitForSelector(`${card('live')} .publisher`, { state: 'visible', timeout: 15_000 })
          assert.equal(await page.textContent(`${card('live')} .pub-address`), '127.0.0.1')
          assert.equal(await page.textContent(`${card('live')} .pub-protocol`), 'rtsp')
          assert.match((await page.textContent(`${card('live')} .pub-since`)) ?? '', /\(\d+ s\)$/)
          // The size and the frame rate come from the SPS: the ANNOUNCE said neither.
          await page.waitForFunction(`document.querySelector('${card('live')} .codecs').textContent === 'h264 320x240@15'`, undefined, {
            timeout: STEP_MS,
          })
          assert.equal(await page.textContent(`${card('live')} .state`), 'ready')

          // An ffmpeg reader: its row has a Kick button that ends it.
          const reader = run(
            'ffmpeg',
            ['-hide_banner', '-nostats', '-v', 'error', '-rtsp_transport', 'tcp', '-i', srv.url('live'), '-f', 'null', '-'],
            30_000,
          )
          const row = '#sessions tr[data-path="live"]'
          await page.waitForSelector(row, { timeout: 10_000 })
          assert.equal(await page.getAttribute(row, 'data-protocol'), 'rtsp')
          await page.waitForFunction(`document.querySelector('${card('live')} .by-protocol').textContent === ' (rtsp 1)'`)
          await page.click(`${row} button.kick`)
          const r = await reader
          assert.equal(r.timedOut, false, 'ffmpeg kept reading after the kick')
          await page.waitForSelector(row, { state: 'detached', timeout: 5000 })
          assert.equal(srv.server.stats().sessions.length, 0)

          // The publisher's Kick button: ffmpeg stops publishing, the path waits for another one.
          await page.click(`${card('live')} .publisher button.kick`)
          await publisherExit
          await page.waitForFunction(`document.querySelector('${card('live')} .state').textContent === 'waiting-publisher'`)
          assert.equal(await page.isVisible(`${card('live')} .publisher`), false)
          assert.equal(await page.textContent('#error'), '')
        })
      } finally {
        publisher?.kill('SIGKILL')
      }
    },
  )

  it('a WebRTC viewer is a reader row with its protocol and a working Kick button; a preview is no row', { timeout: 30_000 }, async () => {
    await withDashboard(context, srv, { ffmpegPath: '/nonexistent/ffmpeg' }, async (page) => {
      const stream = srv.server.getStream('cam')!
      const output = { rtp: true, writeUnit() {}, restartAtKeyframe() {} }
      const viewer = await srv.server.openReader({ path: 'cam', protocol: 'webrtc', remoteAddress: '10.1.2.3' })
      stream.addReader(output)
      const preview = await srv.server.openReader({ path: 'cam', protocol: 'hls', remoteAddress: '10.1.2.4', counted: false })
      const closed = new Promise<string>((resolve) => (viewer.onClose = resolve))
      try {
        const row = `#sessions tr[data-id="${viewer.id}"]`
        await page.waitForSelector(row)
        const cells = await page.locator(`${row} td`).allTextContents()
        assert.deepEqual(cells.slice(0, 4), ['webrtc', '10.1.2.3', 'udp', 'cam'])
        assert.equal(await page.locator(`#sessions tr[data-id="${preview.id}"]`).count(), 0, 'the preview is no reader')
        assert.equal(await page.textContent('#count-webrtc'), '1')
        assert.equal(await page.textContent('#count-hls'), '0')
        await page.waitForFunction(`document.querySelector('${card('cam')} .by-protocol').textContent === ' (webrtc 1)'`)
        await page.click(`${row} button.kick`)
        assert.equal(await closed, 'kicked')
        stream.removeReader(output)
        await page.waitForSelector(row, { state: 'detached' })
      } finally {
        stream.removeReader(output)
        viewer.close()
        preview.close()
      }
    })
  })

  it("the copy button puts the path's RTSP URL on the clipboard", { timeout: 30_000 }, async () => {
    await withDashboard(context, srv, { ffmpegPath: '/nonexistent/ffmpeg' }, async (page) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin })
      await page.click(`${card('cam')} button.copy`)
      await page.waitForFunction(`document.querySelector('${card('cam')} button.copy').textContent === 'Copied'`, undefined, {
        timeout: STEP_MS,
      })
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), srv.url('cam'))
    })
  })

  it('an H.264 path shows an ffmpeg snapshot of its picture', { timeout: 30_000 }, async () => {
    await withDashboard(context, srv, {}, async (page) => {
      const img = `${card('h264')} img.preview`
      await naturalWidthIs(page, img, 320, 20_000)
      assert.match((await page.getAttribute(img, 'src')) ?? '', /^blob:/)
      assert.equal(await page.textContent(`${card('h264')} .note`), '')
    })
  })
})
