// One publisher per path cluster-wide for RTMP and WHIP publishers too: they take the same lock as
// RTSP ANNOUNCE (ExternalAccess.claimPublish). While an RTSP publisher holds a path on node B, an
// RTMP (ffmpeg) or WHIP publisher on node A is refused; where the path allows takeover it wins, B's
// publisher is closed, and readers on the edge C resume.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { waitUntil } from '../helpers/wait.js'
import { launchWebRtcChromium, offerWith, publishCanvas } from '../interop/webrtc-helpers.js'
import { countingReader, LIVE_H264, listsPath, publish, stopProcess, threeNodeCluster } from './cluster-harness.js'

// `solo` refuses a second publisher; every other path lets it take over, readers staying.
const PATHS = "  solo: { source: 'publish' }\n  all_others: { source: 'publish:stay,takeover' }\n"
const SECTIONS = 'hls: { enabled: false }\nwebrtc: { host: 127.0.0.1, port: 0, additionalHosts: [127.0.0.1] }\n'

type Logged = ChildProcess & { stderrText(): string }

function rtmpPublish(url: string): Logged {
  const child = spawn('ffmpeg', ['-hide_banner', '-v', 'error', ...LIVE_H264, '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  return Object.assign(child, { stderrText: () => err })
}

/** ffmpeg reading and decoding an RTSP URL over TCP; frames() is its decoded frame count so far. */
function ffmpegReader(url: string): Logged & { frames(): number } {
  const child = spawn(
    'ffmpeg',
    ['-hide_banner', '-v', 'error', '-nostats', '-rtsp_transport', 'tcp', '-i', url, '-f', 'null', '-', '-progress', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let frames = 0
  let err = ''
  child.stdout.on('data', (d: Buffer) => {
    for (const m of d.toString().matchAll(/^frame=(\d+)$/gm)) frames = Number(m[1])
  })
  child.stderr.on('data', (d) => (err += d))
  return Object.assign(child, { stderrText: () => err, frames: () => frames })
}

const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null
const metric = async (text: Promise<string>, name: string): Promise<number> =>
  Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await text)?.[1] ?? NaN)

describe('cluster: RTMP and WHIP publishers take the cluster-wide lock', { timeout: 120_000 }, () => {
  const cl = threeNodeCluster(PATHS, SECTIONS)
  const children: ChildProcess[] = []
  let browser: Browser | undefined
  before(async () => {
    browser = await launchWebRtcChromium()
  })
  after(async () => {
    await browser?.close()
    await Promise.all(children.map((c) => stopProcess(c)))
  })

  it('RTMP on A is refused while an RTSP publisher on B holds the path', async () => {
    const { a, b, publishers } = cl
    const holder = publish(b.url('solo'))
    publishers.push(holder)
    await waitUntil(() => listsPath(a, 'solo', 'b'), 15_000, 'solo on b')
    const refusedBefore = await metric(a.apiText('/metrics'), 'rtspkit_cluster_publishers_refused_total')
    const rtmp = rtmpPublish(a.rtmpUrl('solo'))
    children.push(rtmp)
    await waitUntil(() => exited(rtmp), 15_000, 'the RTMP publisher refused')
    assert.notEqual(rtmp.exitCode, 0, rtmp.stderrText())
    assert.match(rtmp.stderrText(), /Published On Node b/) // the onStatus error's description, as ffmpeg logs it
    assert.equal(await metric(a.apiText('/metrics'), 'rtspkit_cluster_publishers_refused_total'), refusedBefore + 1)
    assert.equal(exited(holder), false, holder.stderrText())
    assert.equal(await listsPath(cl.c, 'solo', 'b'), true)
  })

  it('RTMP on A with takeover wins: B’s publisher closes, an ffmpeg reader on C resumes', async () => {
    const { a, b, c, publishers } = cl
    const first = publish(b.url('cam'))
    publishers.push(first)
    await waitUntil(() => listsPath(c, 'cam', 'b'), 15_000, 'cam on b')
    const reader = ffmpegReader(c.url('cam'))
    children.push(reader)
    await waitUntil(() => reader.frames() >= 25, 20_000, `ffmpeg on C decodes (${reader.stderrText()})`)

    const rtmp = rtmpPublish(a.rtmpUrl('cam'))
    children.push(rtmp)
    await waitUntil(() => listsPath(c, 'cam', 'a'), 15_000, 'cam moved to a')
    await waitUntil(() => exited(first), 10_000, 'the RTSP publisher on B closed')
    const atSwitch = reader.frames()
    await waitUntil(() => reader.frames() >= atSwitch + 50, 20_000, `ffmpeg on C resumes (${reader.stderrText()})`)
    assert.equal(exited(reader), false, reader.stderrText())
    assert.equal(exited(rtmp), false, rtmp.stderrText())
    assert.equal(await metric(a.apiText('/metrics'), 'rtspkit_cluster_takeovers_total'), 1)
  })

  it('WHIP on A: refused (409) on a path B publishes; with takeover a browser wins and a reader on C resumes', async (t) => {
    const { a, b, c, publishers, readers } = cl
    // solo is still held by B's RTSP publisher (first test).
    const offer = offerWith(['H264/90000'], 'sendonly').replace(
      'a=rtpmap:96 H264/90000',
      'a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f',
    )
    const refused = await fetch(`${a.webrtcUrl('solo')}/whip`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: offer,
    })
    const text = await refused.text()
    assert.equal(refused.status, 409, text)
    assert.match(text, /Node b/)

    const first = publish(b.url('web'))
    publishers.push(first)
    await waitUntil(() => listsPath(c, 'web', 'b'), 15_000, 'web on b')
    const onC = await countingReader(c.url('web'))
    readers.push(onC)
    await onC.more(25, 15_000, 'reader on C')
    const page = await browser!.newPage()
    const r = await publishCanvas(page, `${a.webrtcUrl('web')}/whip`)
    if (!r.h264 && r.status === 406) {
      t.skip(`this Chromium offers no H.264: ${r.body}`)
      return
    }
    assert.equal(r.status, 201, r.body)
    await waitUntil(() => listsPath(c, 'web', 'a'), 15_000, 'web moved to a')
    await waitUntil(() => exited(first), 10_000, 'the RTSP publisher on B closed')
    await onC.more(50, 20_000, 'reader on C after the takeover')
    assert.equal(onC.closed, false)
    await page.close()
  })
})
