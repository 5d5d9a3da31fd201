/**
 * `npm run bench:browsers`: what browser viewers cost the server, next to RTSP readers. One rtspkit
 * server (a child process) serves the bench clip (720p30 H.264, ~4 Mbit/s); then, one kind at a
 * time, N viewers watch it for a window and the server's CPU time over that window is read from
 * /proc:
 *  - RTSP: LoadReaders over TCP interleaved (bench/load-client.ts), the baseline;
 *  - HLS: viewers in this process that poll the Low-Latency HLS media playlist with blocking reload
 *    (`_HLS_msn`) and fetch every new segment, as a player does;
 *  - WHEP: RTCPeerConnections in one headless Chromium page (Debian's), each receiving the video
 *    over WebRTC; the page's getStats() gives each one's bytes.
 * Reported per kind: server CPU seconds per viewer-minute, and the slowest and median viewer's rate
 * in Mbit/s (the clip's rate is the ceiling). Ratios to RTSP, not absolute times.
 *
 * BENCH_RTSP=50 BENCH_HLS=200 BENCH_WHEP=50 BENCH_SECONDS=10 BENCH_WARMUP=4
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { numberEnv, sleep } from './bench-env.js'
import { ensureFixture, FIXTURE_MARGIN_S } from './fixture.js'
import { LoadReader } from './load-client.js'
import { clockTicksPerSecond, processTicks } from './proc-stats.js'
import { HOST, MOUNT, startServer, type ServerProcess } from './server-process.js'
import { fmt, median, textTable } from './stats.js'

interface Result {
  kind: string
  viewers: number
  playing: number
  cpuPerViewerMinute: number
  slowestMbps: number
  medianMbps: number
}

const cfg = {
  rtsp: numberEnv('BENCH_RTSP', 50, 0, 2000),
  hls: numberEnv('BENCH_HLS', 200, 0, 2000),
  whep: numberEnv('BENCH_WHEP', 50, 0, 500),
  seconds: numberEnv('BENCH_SECONDS', 10, 2, 600),
  warmup: numberEnv('BENCH_WARMUP', 4, 0, 120),
  rtspPort: numberEnv('BENCH_RTSP_PORT', 18654, 1024, 65000),
  hlsPort: numberEnv('BENCH_HLS_PORT', 18688, 1024, 65000),
  webrtcPort: numberEnv('BENCH_WEBRTC_PORT', 18689, 1024, 65000),
}

/** Server CPU seconds per viewer-minute over a window, and each viewer's bytes in it. */
async function measure(
  server: ServerProcess,
  viewers: number,
  bytes: () => number[],
): Promise<Omit<Result, 'kind' | 'viewers' | 'playing'>> {
  await sleep(cfg.warmup * 1000)
  const hz = clockTicksPerSecond()
  const t0 = processTicks(server.pid)
  const b0 = bytes()
  const start = performance.now()
  await sleep(cfg.seconds * 1000)
  const t1 = processTicks(server.pid)
  const b1 = bytes()
  const elapsed = (performance.now() - start) / 1000
  const cpu = (t1 - t0) / hz
  const rates = b1.map((b, i) => ((b - (b0[i] ?? 0)) * 8) / elapsed / 1e6)
  return {
    cpuPerViewerMinute: viewers > 0 ? cpu / viewers / (elapsed / 60) : 0,
    slowestMbps: rates.length > 0 ? Math.min(...rates) : 0,
    medianMbps: rates.length > 0 ? median(rates) : 0,
  }
}

async function rtspReaders(server: ServerProcess, url: string, n: number): Promise<Result> {
  const readers = Array.from({ length: n }, () => new LoadReader({ url, transport: 'tcp' }))
  for (const r of readers) await r.start()
  try {
    const m = await measure(server, n, () => readers.map((r) => r.tracks.reduce((s, t) => s + t.bytes, 0)))
    return { kind: 'RTSP (TCP)', viewers: n, playing: readers.filter((r) => r.error === undefined).length, ...m }
  } finally {
    await Promise.all(readers.map((r) => r.close()))
  }
}

/** One HLS viewer: blocking playlist reloads, every new full segment fetched once. */
class HlsViewer {
  bytes = 0
  error: string | undefined
  private stopped = false

  constructor(private readonly base: string) {}

  async run(): Promise<void> {
    try {
      const multivariant = await (await fetch(`${this.base}/index.m3u8`)).text()
      const media = multivariant.split('\n').find((l) => l.length > 0 && !l.startsWith('#'))
      if (!media) throw new Error('no media playlist in index.m3u8')
      const mediaUrl = new URL(media, `${this.base}/index.m3u8`)
      const seen = new Set<string>()
      let next: number | undefined
      while (!this.stopped) {
        const u = new URL(mediaUrl)
        if (next !== undefined) u.searchParams.set('_HLS_msn', String(next))
        const res = await fetch(u)
        const text = await res.text()
        if (!res.ok) throw new Error(`playlist ${res.status}`)
        const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0)
        const segments = text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#'))
        for (const s of segments) {
          if (seen.has(s) || this.stopped) continue
          seen.add(s)
          // A player joining live starts near the end; older segments are not fetched.
          if (next === undefined && s !== segments[segments.length - 1]) continue
          const body = await (await fetch(new URL(s, u))).arrayBuffer()
          this.bytes += body.byteLength
        }
        next = sequence + segments.length
      }
    } catch (err) {
      if (!this.stopped) this.error = (err as Error).message
    }
  }

  stop(): void {
    this.stopped = true
  }
}

async function hlsViewers(server: ServerProcess, n: number): Promise<Result> {
  const base = `http://${HOST}:${cfg.hlsPort}/${MOUNT}`
  const viewers = Array.from({ length: n }, () => new HlsViewer(base))
  const running = viewers.map((v) => v.run())
  try {
    const m = await measure(server, n, () => viewers.map((v) => v.bytes))
    return { kind: 'LL-HLS', viewers: n, playing: viewers.filter((v) => v.error === undefined).length, ...m }
  } finally {
    for (const v of viewers) v.stop()
    await Promise.race([Promise.all(running), sleep(5000)])
  }
}

/** N WHEP sessions in one Chromium page; returns a reader of each one's received bytes. */
async function whepViewers(server: ServerProcess, n: number): Promise<Result> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection'],
  })
  try {
    const page = await browser.newPage()
    await page.goto(`http://${HOST}:${cfg.webrtcPort}/${MOUNT}`)
    const url = `http://${HOST}:${cfg.webrtcPort}/${MOUNT}/whep`
    // Page scripts are text: this project compiles without the DOM library.
    await page.evaluate(`(async () => {
      window.pcs = []
      for (let i = 0; i < ${n}; i++) {
        const pc = new RTCPeerConnection()
        pc.addTransceiver('video', { direction: 'recvonly' })
        await pc.setLocalDescription(await pc.createOffer())
        const res = await fetch(${JSON.stringify(url)}, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp })
        if (res.status !== 201) throw new Error('WHEP ' + res.status + ': ' + (await res.text()))
        await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() })
        window.pcs.push(pc)
      }
    })()`)
    let last: number[] = new Array<number>(n).fill(0)
    const poll = async (): Promise<void> => {
      last = await page.evaluate<number[]>(`Promise.all(window.pcs.map(async (pc) => {
        let b = 0
        ;(await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') b += s.bytesReceived || 0 })
        return b
      }))`)
    }
    await poll()
    // getStats is async: the measure() window reads what the last poll saw, polled around its edges.
    const ticker = setInterval(() => void poll(), 500)
    try {
      const m = await measure(server, n, () => last)
      return { kind: 'WebRTC (WHEP)', viewers: n, playing: last.filter((b) => b > 0).length, ...m }
    } finally {
      clearInterval(ticker)
    }
  } finally {
    await browser.close()
  }
}

async function main(): Promise<void> {
  const cacheDir = process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench')
  mkdirSync(join(cacheDir, 'logs'), { recursive: true })
  const fixture = ensureFixture(cacheDir, Math.max(60, cfg.warmup * 3 + cfg.seconds * 3 + FIXTURE_MARGIN_S))
  const server = startServer('rtspkit', cfg.rtspPort, fixture.path, join(cacheDir, 'logs', 'browser-load.log'), {
    extraArgs: ['--hls-port', String(cfg.hlsPort), ...(cfg.whep > 0 ? ['--webrtc-port', String(cfg.webrtcPort)] : [])],
  })
  const results: Result[] = []
  try {
    await server.ready()
    if (cfg.rtsp > 0) results.push(await rtspReaders(server, server.url, cfg.rtsp))
    if (cfg.hls > 0) results.push(await hlsViewers(server, cfg.hls))
    if (cfg.whep > 0) results.push(await whepViewers(server, cfg.whep))
  } finally {
    await server.stop()
  }
  const base = results.find((r) => r.kind.startsWith('RTSP'))
  console.log(`clip ${fixture.mbps.toFixed(2)} Mbit/s; window ${cfg.seconds} s after ${cfg.warmup} s warm-up\n`)
  console.log(
    textTable(
      ['viewers', 'kind', 'playing', 'CPU s / viewer-min', '× RTSP', 'slowest Mbit/s', 'median Mbit/s'],
      results.map((r) => [
        String(r.viewers),
        r.kind,
        String(r.playing),
        fmt(r.cpuPerViewerMinute, 3),
        base && base.cpuPerViewerMinute > 0 ? fmt(r.cpuPerViewerMinute / base.cpuPerViewerMinute, 2) : '-',
        fmt(r.slowestMbps, 2),
        fmt(r.medianMbps, 2),
      ]),
    ),
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
