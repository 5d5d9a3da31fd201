/**
 * WHEP audio and session lifetime with a real browser. ffmpeg publishes H.264 with Opus, PCMU or
 * PCMA over RTSP into publish paths; Chromium's player page receives the audio track (packets and
 * decoded samples in its inbound-rtp stats). An H.264 + AAC file plays video only and the page says
 * why. A page closed without DELETE is released by the silence timeout while another viewer of the
 * same path goes on; a kicked viewer is released at once.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { addPath } from '../../src/app/add-path.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { mp4File } from './harness.js'
import { launchWebRtcChromium, startPair, type PlayerState, type WebRtcPair } from './webrtc-helpers.js'

const SILENCE_MS = 3000

interface KindStats {
  packets: number
  bytes: number
  codec: string
  frames?: number
  samples?: number
}

const player = (page: Page): Promise<PlayerState> => page.evaluate<PlayerState>('({ ...rtspkitPlayer })')
const received = (page: Page): Promise<Record<string, KindStats>> =>
  page.evaluate<Record<string, KindStats>>('rtspkitPlayer.receiveStats()')

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** ffmpeg publishing test video and a tone over RTSP/TCP until killed. */
function publish(url: string, audio: string[]): ChildProcess {
  return spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p'],
      ...audio,
      ...['-f', 'rtsp', '-rtsp_transport', 'tcp', url],
    ],
    { stdio: 'ignore' },
  )
}

describe('WHEP audio in Chromium, and session lifetime', () => {
  let pair: WebRtcPair
  let browser: Browser
  const publishers: ChildProcess[] = []
  before(async () => {
    const aac = await mp4File('testsrc-320x240-25fps-10s-bf0-aac.mp4', [
      ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '25', '-bf', '0', '-c:a', 'aac', '-t', '10'],
    ])
    pair = await startPair({}, { lifetime: { silenceMs: SILENCE_MS, disconnectedMs: 2000 } }, (rtsp) => {
      for (const p of ['opus', 'pcmu', 'pcma']) rtsp.addPublishPath(p)
      const handle = addPath(rtsp, 'aac', parseSourceSpec(`file:${aac}`))
      return () => handle.stop()
    })
    publishers.push(publish(pair.rtsp.urlFor('opus'), ['-c:a', 'libopus', '-ac', '2', '-b:a', '64k']))
    publishers.push(publish(pair.rtsp.urlFor('pcmu'), ['-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1']))
    publishers.push(publish(pair.rtsp.urlFor('pcma'), ['-c:a', 'pcm_alaw', '-ar', '8000', '-ac', '1']))
    browser = await launchWebRtcChromium()
    await waitFor('the publishers', 20_000, () =>
      ['opus', 'pcmu', 'pcma'].every((p) => pair.rtsp.getStream(p)?.ready === true) ? true : undefined,
    )
  })
  after(async () => {
    for (const p of publishers) p.kill('SIGKILL')
    await browser?.close()
    await pair?.stop()
  })

  for (const [path, codec] of [
    ['opus', 'audio/opus'],
    ['pcmu', 'audio/PCMU'],
    ['pcma', 'audio/PCMA'],
  ] as const) {
    it(`the ${path} path: the audio track receives and decodes ${codec}, beside the video`, async () => {
      const page = await browser.newPage()
      try {
        await page.goto(`${pair.webrtc.url}/${path}`)
        // About a second of audio: 50 packets of 20 ms.
        const stats = await waitFor(`${codec} samples`, 15_000, async () => {
          const s = await received(page)
          return (s.audio?.packets ?? 0) > 50 && (s.audio?.samples ?? 0) > 0 && (s.video?.frames ?? 0) > 10 ? s : undefined
        })
        assert.equal(stats.audio!.codec, codec)
        const p = await player(page)
        assert.match(p.audio, path === 'opus' ? /opus\/48000\/2/ : new RegExp(`${path.toUpperCase()}/8000`))
      } finally {
        await page.close({ runBeforeUnload: true })
      }
    })
  }

  it('an AAC path plays video only, and the page says AAC cannot be sent over WebRTC', async () => {
    const page = await browser.newPage()
    await page.goto(`${pair.webrtc.url}/aac`)
    await waitFor('frames', 15_000, async () => ((await player(page)).frames > 10 ? true : undefined))
    const p = await player(page)
    assert.match(p.audio, /AAC.*cannot be sent over WebRTC, video only/)
    assert.match((await page.textContent('#audio')) ?? '', /AAC/)
    const s = await received(page)
    assert.equal(s.audio?.packets ?? 0, 0)
    await page.close({ runBeforeUnload: true })
  })

  it('a page closed without DELETE is released within the silence timeout; the other viewer is not disturbed; a kick releases at once', async () => {
    await waitFor('earlier sessions to end', 5000, () => (pair.webrtc.stats().whepSessions === 0 ? true : undefined))
    const stayer = await browser.newPage()
    await stayer.goto(`${pair.webrtc.url}/opus`)
    await waitFor('the first viewer', 15_000, async () => ((await player(stayer)).frames > 10 ? true : undefined))
    // A second browser context whose page goes away without running its pagehide handler.
    const context = await browser.newContext()
    const leaver = await context.newPage()
    await leaver.goto(`${pair.webrtc.url}/opus`)
    await waitFor('the second viewer', 15_000, async () => ((await player(leaver)).frames > 10 ? true : undefined))
    assert.equal(pair.webrtc.stats().whepSessions, 2)
    await leaver.route('**/*', (route) => route.abort()) // its DELETE (if any) never arrives
    const gone = Date.now()
    await context.close()
    await waitFor('the vanished viewer to be released', SILENCE_MS + 8000, () =>
      pair.webrtc.stats().whepSessions === 1 ? true : undefined,
    )
    const releasedMs = Date.now() - gone
    console.log(
      `# WHEP: a viewer that vanished without DELETE was released after ${releasedMs} ms (${JSON.stringify(pair.webrtc.stats().closed)})`,
    )
    const before = (await player(stayer)).frames
    await new Promise((r) => setTimeout(r, 1500))
    assert.ok((await player(stayer)).frames - before > 20, 'the remaining viewer keeps playing')
    const id = pair.rtsp.externalSessions().find((s) => s.protocol === 'webrtc')!.id
    assert.equal(pair.rtsp.kickSession(id), true)
    assert.equal(pair.webrtc.stats().whepSessions, 0)
    assert.ok((pair.webrtc.stats().closed.kicked ?? 0) >= 1)
    await stayer.close()
  })
})
