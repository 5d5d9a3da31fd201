/**
 * The H.264 test card that `npx rtspkit` serves at /test, decoded by real peers: ffmpeg (no error
 * line, right size, the picture the card draws, within 1.5 Mbit/s), GStreamer (rtph264depay !
 * h264parse ! avdec_h264 without warnings), OpenCV and Chromium (WebCodecs through `rtspkit view`).
 * Readers join mid-GOP, so instant start (the GOP cache from the last IDR with its SPS/PPS) is proven too.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { parseSps } from '../../src/codecs/h264/sps.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { H264TestCard } from '../../src/sources/h264-test-card.js'
import { packYuv, psnr } from '../codecs/h264/encoder-helpers.js'
import { CLI, spawnRtspkit } from '../rtp/cli-process.js'
import { launchChromium } from '../view/chromium.js'
import { ffmpegDecode, opencvRead, run } from './harness.js'

const W = 640
const H = 480
const FRAME = (W * H * 3) / 2
/** Luma rows 0..159 are colour bars at 480 lines: static, so comparable whatever the clock shows. */
const BAR_ROWS = 160
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface CliServer {
  child: ChildProcessWithoutNullStreams
  url: string
  stdout: string
}

/** `rtspkit [args]` (serve is the default command); resolves with the URL of /test once it listens. */
async function startCli(args: string[]): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout.on('data', (d) => (stdout += d))
  const deadline = Date.now() + 15_000
  while (!stdout.includes('listening') && Date.now() < deadline && child.exitCode === null) await sleep(50)
  const m = /(rtsp:\/\/127\.0\.0\.1:\d+\/test) {2}<- (.*)/.exec(stdout)
  assert.ok(m, `no /test URL in: ${stdout}`)
  return { child, url: m[1]!, stdout }
}

async function stopCli(s: CliServer | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return
  const exited = new Promise((r) => s.child.once('exit', r))
  s.child.kill('SIGTERM')
  await exited
}

/** Runs a command and keeps its stdout as bytes (harness.run decodes it as text). */
function runBinary(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => chunks.push(d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: Buffer.concat(chunks), stderr })
    })
  })
}

/** The SDP our server answers DESCRIBE with (plain RTSP over a socket). */
function describeSdp(url: string): Promise<string> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname)
    let data = ''
    sock.setTimeout(5000, () => sock.destroy(new Error('DESCRIBE timed out')))
    sock.on('error', reject)
    sock.on('data', (d) => {
      data += d.toString('latin1')
      const end = data.indexOf('\r\n\r\n')
      const len = /Content-Length: (\d+)/i.exec(data)
      if (end >= 0 && len && data.length >= end + 4 + Number(len[1])) {
        sock.end()
        resolve(data.slice(end + 4))
      }
    })
    sock.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`)
  })
}

describe('H.264 test card (npx rtspkit) with real decoders', () => {
  let srv: CliServer
  /** What the card draws in its static bars, and its parameter sets: the same encoder settings. */
  const reference = new H264TestCard({ width: W, height: H, fps: 25 })
  reference.render(0, 0)
  const refBars = packYuv(reference.picture, W, H).subarray(0, W * BAR_ROWS)

  before(async () => {
    srv = await startCli(['--port', '0', '--no-api', '--host', '127.0.0.1', '--public-host', '127.0.0.1'])
    await sleep(1300) // readers below join mid-GOP: instant start must hand them the IDR with SPS/PPS
  })
  after(() => stopCli(srv))

  it('serves the H.264 card at /test by default, with SPS/PPS in the SDP', async () => {
    assert.match(srv.stdout, /\/test {2}<- test card 640x480@25 \(H\.264\)/)
    const sdp = await describeSdp(srv.url)
    assert.match(sdp, /a=rtpmap:\d+ H264\/90000/)
    const sprop = /sprop-parameter-sets=([A-Za-z0-9+/=]+),([A-Za-z0-9+/=]+)/.exec(sdp)
    assert.ok(sprop, sdp)
    assert.deepEqual(Buffer.from(sprop[1]!, 'base64'), reference.sps)
    assert.deepEqual(Buffer.from(sprop[2]!, 'base64'), reference.pps)
    assert.match(sdp, /profile-level-id=42c01e/i, 'Constrained Baseline, level 3')
  })

  it('ffmpeg decodes 6 s over TCP and UDP with no error line, 640x480, showing the card; 10 s stay under 1.5 Mbit/s', async () => {
    const decode = (transport: string) =>
      runBinary(
        'ffmpeg',
        ['-nostdin', '-v', 'error', '-rtsp_transport', transport, '-i', srv.url, '-t', '6', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'],
        40_000,
      )
    const copy = runBinary(
      'ffmpeg',
      ['-nostdin', '-v', 'error', '-rtsp_transport', 'tcp', '-i', srv.url, '-t', '10', '-c', 'copy', '-f', 'h264', '-'],
      40_000,
    )
    const [tcp, udp, raw] = await Promise.all([decode('tcp'), decode('udp'), copy])
    for (const [name, r] of [
      ['tcp', tcp],
      ['udp', udp],
    ] as const) {
      assert.equal(r.code, 0, `${name}: ${r.stderr}`)
      assert.equal(r.stderr, '', `${name}: ffmpeg printed errors`)
      const out = r.stdout
      assert.equal(out.length % FRAME, 0, `${name}: whole 640x480 pictures`)
      assert.ok(out.length / FRAME >= 140, `${name}: ${out.length / FRAME} pictures in 6 s`)
      const db = psnr(out.subarray(0, W * BAR_ROWS), refBars)
      assert.ok(db >= 35, `${name}: first picture's bars ${db.toFixed(1)} dB from the card's`)
    }
    assert.equal(raw.code, 0, raw.stderr)
    assert.equal(raw.stderr, '')
    const mbps = (raw.stdout.length * 8) / 10 / 1e6
    assert.ok(mbps > 0.01 && mbps <= 1.5, `${mbps.toFixed(3)} Mbit/s over 10 s`)
  })

  it('GStreamer rtph264depay ! h264parse ! avdec_h264 decodes without an ERROR or WARNING', async () => {
    const r = await run(
      'gst-launch-1.0',
      [
        '-v',
        'rtspsrc',
        `location=${srv.url}`,
        'protocols=tcp',
        'latency=200',
        '!',
        'rtph264depay',
        '!',
        'h264parse',
        '!',
        'avdec_h264',
        '!',
        'fakesink',
        'silent=false',
      ],
      6000,
      { GST_DEBUG: '*:2', GST_DEBUG_NO_COLOR: '1' },
    )
    // GST_DEBUG=*:2 logs every element's ERROR and WARNING lines: there must be none at all.
    const complaints = (r.stdout + r.stderr).split('\n').filter((l) => /\b(ERROR|WARN|WARNING)\b/.test(l))
    assert.deepEqual(complaints, [])
    const frames = (r.stdout.match(/last-message = chain/g) ?? []).length
    assert.ok(frames >= 50, `${frames} decoded pictures reached the sink`)
  })

  it('OpenCV reads 640x480 frames', async () => {
    const r = await opencvRead(srv.url, 30, 'tcp')
    assert.equal(r.opened, true)
    assert.equal(r.frames, 30)
    assert.deepEqual(r.shape, [H, W, 3])
  })

  it('Chromium decodes it with WebCodecs (rtspkit view): 640x480 pictures, the grey bar grey', { timeout: 60_000 }, async () => {
    const browser = await launchChromium()
    const cli = spawnRtspkit(['view', srv.url, '--transport', 'tcp'], 60_000)
    try {
      await cli.waitFor(/viewing .* at http:\/\/127\.0\.0\.1:\d+\//)
      const page: Page = await browser.newPage()
      page.setDefaultTimeout(10_000)
      await page.goto(cli.stdout.trim().split('\n')[0]!)
      for (const [button, state] of [
        ['setup', 'READY'],
        ['play', 'PLAYING'],
      ]) {
        await page.click(`#${button}`)
        await page.waitForFunction(`document.getElementById('state').textContent === ${JSON.stringify(state)}`)
      }
      await page.waitForFunction(`Number(document.getElementById('frames').textContent) >= 25`)
      const shown = await page.$eval(
        '#video',
        (c: {
          width: number
          height: number
          getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }
        }) => ({
          width: c.width,
          height: c.height,
          grey: [...c.getContext('2d').getImageData(45, 100, 1, 1).data].slice(0, 3),
          red: [...c.getContext('2d').getImageData(505, 100, 1, 1).data].slice(0, 3),
        }),
      )
      assert.deepEqual([shown.width, shown.height], [W, H])
      for (const [name, got, want] of [
        ['grey bar', shown.grey, [191, 191, 191]],
        ['red bar', shown.red, [191, 0, 0]],
      ] as const) {
        for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k]! - want[k]!) <= 12, `${name}: ${got.join(',')}`)
      }
      assert.equal(await page.textContent('#error'), '')
      assert.equal(await page.textContent('#note'), '', 'no "cannot decode" note')
      await page.close()
    } finally {
      cli.kill()
      await cli.exit
      await browser.close()
    }
  })
})

describe('H.264 test card sizes', () => {
  it('--size and --fps apply to the default H.264 card; test:mjpeg keeps the MJPEG card', async () => {
    const srv = await startCli([
      '--port',
      '0',
      '--no-api',
      '--host',
      '127.0.0.1',
      '--public-host',
      '127.0.0.1',
      '--size',
      '320x240',
      '--fps',
      '30',
    ])
    try {
      assert.match(srv.stdout, /\/test {2}<- test card 320x240@30 \(H\.264\)/)
      const r = await run(
        'ffprobe',
        ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,profile,width,height', '-of', 'json', srv.url],
        30_000,
      )
      const s = (JSON.parse(r.stdout) as { streams: { codec_name: string; profile: string; width: number; height: number }[] }).streams[0]!
      assert.deepEqual([s.codec_name, s.profile, s.width, s.height], ['h264', 'Constrained Baseline', 320, 240])
      // ffprobe guesses an RTSP stream's rate from timestamps; the SPS states it.
      const sprop = /sprop-parameter-sets=([A-Za-z0-9+/=]+),/.exec(await describeSdp(srv.url))
      assert.ok(sprop)
      assert.equal(parseSps(Buffer.from(sprop[1]!, 'base64')).fps, 30)
    } finally {
      await stopCli(srv)
    }
    const mj = await startCli([
      '--port',
      '0',
      '--no-api',
      '--host',
      '127.0.0.1',
      '--public-host',
      '127.0.0.1',
      '--path',
      'test=test:mjpeg:160x120@10',
    ])
    try {
      assert.match(mj.stdout, /\/test {2}<- test card 160x120@10 \(MJPEG\)/)
      const r = await run(
        'ffprobe',
        ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', mj.url],
        30_000,
      )
      assert.equal(r.stdout.trim(), 'mjpeg')
    } finally {
      await stopCli(mj)
    }
  })
})

describe('H.264 test card and instant start', () => {
  it('a reader arriving long after the only IDR decodes at once from the GOP cache (SPS/PPS in band)', async () => {
    // One IDR for the whole test: without the cached GOP nothing could ever be decoded.
    const card = new H264TestCard({ width: 320, height: 240, fps: 25, keyframeInterval: 3600 })
    const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', gopCacheMaxMs: 120_000 })
    const live = server.addStream('live', { video: { codec: 'h264', sps: card.sps, pps: card.pps } })
    const waiting = server.addStream('waiting', { video: { codec: 'h264', sps: card.sps, pps: card.pps } }, { instantStart: false })
    await server.start()
    let i = 0
    const push = (): void => {
      const out = card.render(i, Date.now())
      for (const s of [live, waiting]) s.pushVideo(out.nalus, i * 40)
      i++
    }
    for (let k = 0; k < 30; k++) push()
    const timer = setInterval(push, 40)
    try {
      await sleep(500)
      const [instant, gated] = await Promise.all([
        ffmpegDecode(server.urlFor('live'), 'tcp', 20, 20_000),
        ffmpegDecode(server.urlFor('waiting'), 'tcp', 20, 6_000),
      ])
      assert.equal(instant.stderr, '', 'no decoding errors')
      assert.equal(instant.frames, 20)
      assert.ok(instant.frameSizes.every((n) => n === 320 * 240 * 1.5))
      assert.equal(gated.frames, 0, 'without instant start the reader waits for an IDR that never comes')
    } finally {
      clearInterval(timer)
      await server.stop()
    }
  })
})
