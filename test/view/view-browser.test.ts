/**
 * `rtspkit view` in Debian's headless Chromium, driven by playwright-core: the buttons drive a real
 * RTSP session on our server, and the canvas shows the pictures (JPEG through createImageBitmap,
 * H.264 through WebCodecs).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { h264File, startServer, type TestServer } from '../interop/harness.js'
import { spawnRtspkit } from '../rtp/cli-process.js'
import { launchChromium } from './chromium.js'

const STEP_MS = 8000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Runs `rtspkit view URL`, opens the page URL it prints in a new tab, runs `body`, then closes both. */
async function withViewPage(browser: Browser, url: string, body: (page: Page) => Promise<void>): Promise<void> {
  const cli = spawnRtspkit(['view', url, '--transport', 'tcp'], 60_000)
  await cli.waitFor(/viewing .* at http:\/\/127\.0\.0\.1:\d+\//)
  const pageUrl = cli.stdout.trim().split('\n')[0]!
  assert.match(pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  const page = await browser.newPage()
  try {
    page.setDefaultTimeout(STEP_MS)
    await page.goto(pageUrl)
    await body(page)
  } finally {
    await page.close()
    cli.kill()
    assert.equal((await cli.exit).code, 0)
  }
}

const pageState = (page: Page) => page.textContent('#state')
const shownCount = async (page: Page) => Number(await page.textContent('#frames'))

async function clickAndWait(page: Page, button: string, state: string): Promise<void> {
  await page.click(`#${button}`)
  await page.waitForFunction(`document.getElementById('state').textContent === ${JSON.stringify(state)}`, undefined, { timeout: STEP_MS })
}

async function waitForShown(page: Page, atLeast: number): Promise<void> {
  await page.waitForFunction(`Number(document.getElementById('frames').textContent) >= ${atLeast}`, undefined, { timeout: STEP_MS })
}

/** What the page script touches of a canvas (the tests build without the DOM library). */
interface CanvasLike {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }
}

/** Canvas size, a hash of its pixels, and how many distinct grey levels it holds (a picture has many). */
function sampleCanvas(page: Page): Promise<{ width: number; height: number; hash: number; levels: number }> {
  return page.$eval('#video', (c: CanvasLike) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    let hash = 0
    const levels = new Set<number>()
    for (let i = 0; i < d.length; i += 4) {
      hash = (Math.imul(hash, 31) + d[i]! + (d[i + 1]! << 8) + (d[i + 2]! << 16)) >>> 0
      levels.add((d[i]! + d[i + 1]! + d[i + 2]!) >> 4)
    }
    return { width: c.width, height: c.height, hash, levels: levels.size }
  })
}

/** PLAY shows moving pictures of the stream's size; the page's counter goes up. */
async function assertPlaying(page: Page, from: number): Promise<void> {
  await waitForShown(page, from + 5)
  const first = await sampleCanvas(page)
  assert.deepEqual([first.width, first.height], [320, 240])
  assert.ok(first.levels > 8, `a picture, not a flat canvas: ${first.levels} grey levels`)
  const count = await shownCount(page)
  // Pictures keep coming: a few more within STEP_MS (a loaded machine's browser may pause for a moment).
  await waitForShown(page, count + 3).catch(() => assert.fail(`the counter goes up while playing (stuck at ${count})`))
  const second = await sampleCanvas(page)
  assert.notEqual(second.hash, first.hash, 'the picture changes while playing')
}

describe('rtspkit view in headless Chromium', () => {
  let srv: TestServer
  let browser: Browser
  before(async () => {
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    srv = await startServer({ cam: 'test:320x240@25', h264: `file:${file}` })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await srv?.stop()
  })

  it(
    'MJPEG test card: SETUP → READY, PLAY shows 320x240 pictures, PAUSE stops them, PLAY resumes, TEARDOWN ends the session',
    { timeout: 30_000 },
    async () => {
      await withViewPage(browser, srv.url('cam'), async (page) => {
        assert.equal(await pageState(page), 'INIT')
        assert.equal(await page.isDisabled('#play'), true)
        assert.equal(srv.server.stats().sessions.length, 0)

        await clickAndWait(page, 'setup', 'READY')
        const sessions = srv.server.stats().sessions
        assert.equal(sessions.length, 1)
        assert.equal(sessions[0]!.state, 'ready')
        assert.match((await page.textContent('#track')) ?? '', /JPEG 320x240 over TCP/)
        await sleep(300)
        assert.equal(await shownCount(page), 0, 'nothing is shown before PLAY')

        await clickAndWait(page, 'play', 'PLAYING')
        assert.equal(srv.server.stats().sessions[0]!.state, 'playing')
        await assertPlaying(page, 0)

        await clickAndWait(page, 'pause', 'READY')
        await sleep(300) // pictures already on their way
        const paused = await shownCount(page)
        await sleep(700)
        assert.equal(await shownCount(page), paused, 'PAUSE stops the pictures')
        assert.equal(srv.server.stats().sessions[0]!.state, 'ready')

        await clickAndWait(page, 'play', 'PLAYING')
        await assertPlaying(page, paused)
        await page.waitForFunction(`Number(document.getElementById('received').textContent) > 0`)
        assert.match((await page.textContent('#loss')) ?? '', /^0 of \d+ \(0\.0%\)$/)

        await clickAndWait(page, 'teardown', 'INIT')
        assert.equal(srv.server.stats().sessions.length, 0, 'TEARDOWN ends the RTSP session')
        assert.equal(await page.isDisabled('#setup'), false)
        assert.equal(await page.textContent('#error'), '')
      })
    },
  )

  it('H.264 file: Chromium decodes it with WebCodecs (no transcoding) and shows 320x240 pictures', { timeout: 30_000 }, async () => {
    await withViewPage(browser, srv.url('h264'), async (page) => {
      await clickAndWait(page, 'setup', 'READY')
      await clickAndWait(page, 'play', 'PLAYING')
      await assertPlaying(page, 0)
      assert.equal(await page.textContent('#note'), '')
      await clickAndWait(page, 'teardown', 'INIT')
      assert.equal(srv.server.stats().sessions.length, 0)
    })
  })
})
