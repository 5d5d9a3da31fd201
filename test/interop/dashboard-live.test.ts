/**
 * The dashboard plays every H.264 path live in Debian's headless Chromium: five looping H.264 file
 * paths on our RTSP server, its WebRTC (WHEP) and HLS servers, and the API told where they are. Every
 * card's <video> must present at least two seconds' worth of frames (requestVideoFrameCallback), over
 * WebRTC; a second run where the WebRTC server does not answer checks the HLS fallback. The previews
 * are no readers, and the WHEP sessions end when the page goes.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { ApiServer, type ApiServerOptions } from '../../src/api/api-server.js'
import { HlsServer as HlsServerImpl } from '../../src/hls/hls-server.js'
import { WebRtcServer as WebRtcServerImpl } from '../../src/webrtc/webrtc-server.js'
import type { PathView, SessionView } from '../../src/api/views.js'
import type { RtspServer } from '../../src/server/rtsp-server.js'
import { CHROMIUM } from '../view/chromium.js'
import { h264File, startServer, type TestServer } from './harness.js'

const FPS = 25
const PATHS = ['cam1', 'cam2', 'cam3', 'cam4', 'cam5']
/** Two seconds of pictures per card. */
const MIN_FRAMES = 2 * FPS

/** What the test needs of the WebRTC and HLS servers (src/webrtc/webrtc-server.ts, src/hls/hls-server.ts). */
interface BrowserServer {
  start(): Promise<void>
  close(): Promise<void>
  readonly url: string
}
type BrowserServerClass = new (opts: { server: RtspServer; host: string; port: number }) => BrowserServer

/** An http:// URL where nothing listens (a port that was just free). */
async function deadUrl(): Promise<string> {
  const s = net.createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

async function eventually(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Counts, per card, the frames its <video> presents from now on. */
function countFrames(page: Page): Promise<void> {
  return page.evaluate(`(() => {
    window.frameCounts = {}
    document.querySelectorAll('.path').forEach((card) => {
      const name = card.dataset.name
      window.frameCounts[name] = 0
      const video = card.querySelector('video.live')
      const tick = () => {
        window.frameCounts[name]++
        video.requestVideoFrameCallback(tick)
      }
      video.requestVideoFrameCallback(tick)
    })
  })()`)
}

describe('the dashboard plays H.264 paths live in headless Chromium', () => {
  let srv: TestServer
  let browser: Browser
  const WebRtcServer = WebRtcServerImpl as unknown as BrowserServerClass
  const HlsServer = HlsServerImpl as unknown as BrowserServerClass
  before(async () => {
    const file = await h264File({ width: 320, height: 240, fps: FPS, seconds: 2, gop: FPS })
    srv = await startServer(Object.fromEntries(PATHS.map((p) => [p, `file:${file}`])))
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Real host candidates instead of mDNS names, which a server cannot resolve.
      args: ['--no-sandbox', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required'],
      timeout: 15_000,
    })
  })
  after(async () => {
    await browser?.close()
    await srv?.stop()
  })

  /** Runs the dashboard with the given servers and checks that every card moves over `expect`. */
  async function playsLive(
    servers: { webrtc?: BrowserServerClass | 'dead' | undefined; hls?: BrowserServerClass | undefined },
    expect: string,
  ) {
    const started: BrowserServer[] = []
    const start = async (cls: BrowserServerClass | undefined) => {
      if (!cls) return undefined
      const s = new cls({ server: srv.server, host: '127.0.0.1', port: 0 })
      await s.start()
      started.push(s)
      return s
    }
    const page = await browser.newPage()
    let api: ApiServer | undefined
    try {
      const webrtc = servers.webrtc === 'dead' ? { url: await deadUrl() } : await start(servers.webrtc)
      const hls = await start(servers.hls)
      const extra: Partial<ApiServerOptions> = {
        ...(webrtc ? { webrtcUrl: (name: string) => `${webrtc.url}/${name}` } : {}),
        ...(hls ? { hlsUrl: (name: string) => `${hls.url}/${name}` } : {}),
      }
      // No ffmpeg: a card that fell back to snapshots would show no picture, and make no reader.
      api = new ApiServer({ server: srv.server, host: '127.0.0.1', port: 0, ffmpegPath: '/nonexistent/ffmpeg', ...extra })
      await api.start()
      const messages: string[] = []
      page.on('console', (m) => messages.push(m.text()))
      await page.goto(`${api.url}/`)
      const live = PATHS.map((p) => `.path[data-name="${p}"] .screen[data-live="${expect}"]`).join(', ')
      try {
        await page.waitForFunction(`document.querySelectorAll(${JSON.stringify(live)}).length === ${PATHS.length}`, undefined, {
          timeout: 45_000,
        })
      } catch (err) {
        const notes = await page.locator('.path .note').allTextContents()
        throw new Error(`not every card plays over ${expect}: ${JSON.stringify(notes)} ${messages.slice(-5).join(' | ')}`, { cause: err })
      }
      await countFrames(page)
      await page
        .waitForFunction(`Object.values(window.frameCounts).every((n) => n >= ${MIN_FRAMES})`, undefined, { timeout: 20_000 })
        .catch(async (err: unknown) => {
          throw new Error(`frames per card: ${JSON.stringify(await page.evaluate('window.frameCounts'))}`, { cause: err })
        })

      // The previews are sessions marked as such, and no path counts them as readers.
      const sessions = ((await (await fetch(`${api.url}/v1/sessions`)).json()) as { items: SessionView[] }).items
      assert.deepEqual(
        sessions.filter((s) => !s.preview),
        [],
        'only previews',
      )
      assert.deepEqual([...new Set(sessions.map((s) => s.protocol))], [expect])
      const paths = ((await (await fetch(`${api.url}/v1/paths`)).json()) as { items: PathView[] }).items
      for (const p of paths) {
        assert.equal(p.readers, 0, p.name)
        assert.ok(p.previews >= 1, `${p.name} has its preview`)
      }
      // Leaving the page (pagehide): it DELETEs its WHEP sessions.
      await page.goto('about:blank')
      if (expect === 'webrtc') {
        await eventually('the WHEP sessions to end', () => srv.server.externalSessions().length === 0, 5000).catch((err: unknown) => {
          throw new Error(`left: ${JSON.stringify(srv.server.externalSessions())}`, { cause: err })
        })
      }
    } finally {
      if (!page.isClosed()) await page.close()
      await api?.close()
      for (const s of started.reverse()) await s.close()
    }
  }

  it('over WebRTC (WHEP), every card presents two seconds of frames', { timeout: 120_000 }, async () => {
    await playsLive({ webrtc: WebRtcServer, hls: HlsServer }, 'webrtc')
  })

  it('when the WebRTC server does not answer, every card falls back to HLS (hls.js from the API)', { timeout: 120_000 }, async () => {
    await playsLive({ webrtc: 'dead', hls: HlsServer }, 'hls')
  })
})
