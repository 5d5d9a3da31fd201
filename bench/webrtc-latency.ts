/**
 * `npm run bench:webrtc`: what a browser viewer of a live H.264 path gets over WHEP — time to the
 * first frame, and the delay from a frame entering the server (pushVideo) to the moment Chromium
 * means to show it. No camera or encoder is in the loop: this is the server's share plus the
 * browser's network, jitter-buffer and decode share, on loopback.
 *
 * The server pushes x264 access units in real time and notes the wall clock of each RTP timestamp;
 * the page's requestVideoFrameCallback gives each shown frame's RTP timestamp and expectedDisplayTime
 * (wall clock through performance.timeOrigin). Both clocks are this machine's.
 *
 * Knobs: BENCH_WEBRTC_RUNS=5 (viewers, one after the other)  BENCH_WEBRTC_SECONDS=6 (watched each)
 *        BENCH_WEBRTC_GOP=50 (frames per GOP at 25 fps)
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { AnnexBStreamParser } from '../src/codecs/annexb-stream-parser.js'
import { RtspServer } from '../src/server/rtsp-server.js'
import { WebRtcServer } from '../src/webrtc/webrtc-server.js'
import { numberEnv } from './bench-env.js'
import { fmt, median, percentile } from './stats.js'

const FPS = 25
const RUNS = numberEnv('BENCH_WEBRTC_RUNS', 5, 1, 100)
const SECONDS = numberEnv('BENCH_WEBRTC_SECONDS', 6, 1, 600)
const GOP = numberEnv('BENCH_WEBRTC_GOP', 50, 1, 1000)

function fixture(): string {
  const dir = join(tmpdir(), 'rtspkit-fixtures')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `webrtc-bench-640x360-g${GOP}.264`)
  if (!existsSync(file))
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FPS}`, '-t', '20'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(GOP), '-bf', '0'],
      ...['-f', 'h264', file],
    ])
  return file
}

const COLLECT = `(() => {
  const v = document.getElementById('video')
  globalThis.benchFrames = []
  const cb = (_now, m) => {
    if (m.rtpTimestamp !== undefined) globalThis.benchFrames.push({ rtp: m.rtpTimestamp, shown: performance.timeOrigin + m.expectedDisplayTime })
    v.requestVideoFrameCallback(cb)
  }
  v.requestVideoFrameCallback(cb)
})()`

async function main(): Promise<void> {
  const parser = new AnnexBStreamParser('h264')
  const aus = [...parser.push(readFileSync(fixture())), ...parser.flush()]
  const rtsp = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
  const cam = rtsp.addStream('cam', { video: { codec: 'h264' } })
  await rtsp.start()
  const webrtc = new WebRtcServer({ server: rtsp, port: 0, host: '127.0.0.1', additionalHosts: ['127.0.0.1'] })
  await webrtc.start()
  const pushedAt = new Map<number, number>()
  let i = 0
  const start = performance.now()
  const timer = setInterval(() => {
    // Catch up on the schedule: one access unit per 40 ms of elapsed time.
    while (i <= ((performance.now() - start) * FPS) / 1000) {
      const pts = (i * 1000) / FPS
      pushedAt.set(cam.video!.rtpTimestampFor(pts), Date.now())
      cam.pushVideo(aus[i % aus.length]!.nalus, pts)
      i++
    }
  }, 5)
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--autoplay-policy=no-user-gesture-required',
    ],
  })
  const firsts: number[] = []
  const delays: number[] = []
  try {
    await new Promise((r) => setTimeout(r, 1500))
    for (let run = 0; run < RUNS; run++) {
      // Join at a random place in the GOP.
      await new Promise((r) => setTimeout(r, (Math.random() * (GOP * 1000)) / FPS))
      const page = await browser.newPage()
      const t0 = Date.now()
      await page.goto(`${webrtc.url}/cam`)
      await page.evaluate(COLLECT)
      for (;;) {
        if ((await page.evaluate<number>('rtspkitPlayer.frames')) > 0) break
        await new Promise((r) => setTimeout(r, 10))
      }
      firsts.push(Date.now() - t0)
      await new Promise((r) => setTimeout(r, SECONDS * 1000))
      const frames = await page.evaluate<{ rtp: number; shown: number }[]>('globalThis.benchFrames')
      // The first second may still be the instant-start GOP, whose timestamps were pulled together.
      for (const f of frames.slice(FPS)) {
        const pushed = pushedAt.get(f.rtp)
        if (pushed !== undefined) delays.push(f.shown - pushed)
      }
      await page.close({ runBeforeUnload: true })
    }
  } finally {
    clearInterval(timer)
    await browser.close()
    await webrtc.close()
    await rtsp.stop()
  }
  console.log(`WHEP, H.264 640x360 @ ${FPS} fps, GOP ${GOP}, ${RUNS} viewers on loopback (headless Chromium)`)
  console.log(
    `  time to first frame (navigation to first shown frame): median ${fmt(median(firsts))} ms, max ${fmt(Math.max(...firsts))} ms`,
  )
  console.log(
    `  push to expected display: median ${fmt(median(delays))} ms, p90 ${fmt(percentile(delays, 90))} ms (${delays.length} frames)`,
  )
}

await main()
