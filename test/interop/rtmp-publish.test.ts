/**
 * RTMP in, with real peers: ffmpeg (`-f flv rtmp://…`, H.264 with B-frames + AAC, streams copied)
 * and GStreamer (rtmp2sink) publish; RTSP (ffmpeg decoding video and audio), HLS (ffmpeg) and WebRTC
 * (Chromium) readers get the path. The publisher is listed as an RTMP session and can be kicked;
 * publishing into a protected path needs `?user=…&pass=…`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ffmpegDecode, ffmpegDecodeAudio, gstDecode, h264AacMp4 } from './harness.js'
import { ffmpegHls } from './hls-helpers.js'
import { ffmpegRtmpPublish, h264AacNoBMp4, startPeer, startRooms, waitFor, type Peer, type RtmpRooms } from './rtmp-helpers.js'
import { launchWebRtcChromium, type PlayerState } from './webrtc-helpers.js'

const player = (page: Page): Promise<PlayerState> =>
  page.evaluate(() => (globalThis as unknown as { rtspkitPlayer: PlayerState }).rtspkitPlayer)

const publishers = (rooms: RtmpRooms, path: string) =>
  rooms.rtsp.externalSessions().filter((s) => s.protocol === 'rtmp' && s.role === 'publisher' && s.path === path)

describe('RTMP publishers', () => {
  let rooms: RtmpRooms
  const peers: Peer[] = []
  before(async () => {
    rooms = await startRooms((rtsp) => {
      for (const p of ['live/bf', 'live/cam', 'gst/cam', 'kick/me', 'secret/cam']) rtsp.addPublishPath(p)
      rtsp.protectPath('secret/cam', { users: [{ username: 'u', password: 'p' }] })
    })
  })
  after(async () => {
    for (const p of peers) await p.stop()
    await rooms?.stop()
  })

  it('ffmpeg publishes H.264 with B-frames + AAC; ffmpeg decodes video and audio over RTSP', async () => {
    const peer = ffmpegRtmpPublish(await h264AacMp4(), `${rooms.rtmp.url}/live/bf`)
    peers.push(peer)
    await waitFor('the RTMP publisher', 15_000, () => (publishers(rooms, 'live/bf').length === 1 ? true : undefined))
    const url = rooms.rtsp.urlFor('live/bf')
    const video = await ffmpegDecode(url, 'tcp', 75)
    assert.equal(video.frames, 75, video.stderr)
    assert.ok(video.frameSizes.every((s) => s === (320 * 240 * 3) / 2))
    assert.equal(video.stderr.trim(), '')
    const audio = await ffmpegDecodeAudio(url, 'tcp', 2)
    assert.ok(audio.seconds >= 1.9, `decoded ${audio.seconds} s of audio: ${audio.stderr}`)
    assert.ok(publishers(rooms, 'live/bf')[0]!.bytesReceived > 10_000)
  })

  it('HLS (ffmpeg) and WebRTC (Chromium) readers get an ffmpeg RTMP publisher', async () => {
    const peer = ffmpegRtmpPublish(await h264AacNoBMp4(), `${rooms.rtmp.url}/live/cam`)
    peers.push(peer)
    await waitFor('the RTMP publisher', 15_000, () => (publishers(rooms, 'live/cam').length === 1 ? true : undefined))
    const hls = await ffmpegHls(`${rooms.hls.url}/live/cam/index.m3u8`, 3)
    assert.ok(hls.video >= 60, `HLS video frames ${hls.video}: ${hls.stderr}`)
    assert.ok(hls.audio >= 100, `HLS audio frames ${hls.audio}: ${hls.stderr}`)
    let browser: Browser | undefined
    try {
      browser = await launchWebRtcChromium()
      const page = await browser.newPage()
      await page.goto(`${rooms.webrtc.url}/live/cam`)
      const first = await waitFor('the first WebRTC frame', 15_000, async () => {
        const p = await player(page)
        return p.frames > 0 ? p : undefined
      })
      await new Promise((r) => setTimeout(r, 3000))
      const p = await player(page)
      assert.ok(p.frames - first.frames >= 40, `WebRTC frames in 3 s: ${p.frames - first.frames}`)
      assert.equal(p.width, 320)
      assert.equal(p.height, 240)
    } finally {
      await browser?.close()
    }
  })

  it('GStreamer rtmp2sink publishes H.264 + AAC; ffmpeg decodes it over RTSP', async () => {
    const pipeline =
      'videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc tune=zerolatency key-int-max=25 ! h264parse ! ' +
      `flvmux name=m streamable=true ! rtmp2sink location=${rooms.rtmp.url}/gst/cam ` +
      'audiotestsrc is-live=true ! audio/x-raw,rate=44100,channels=2 ! voaacenc ! aacparse ! m.'
    const peer = startPeer('gst-launch-1.0', ['-q', ...pipeline.split(' ')])
    peers.push(peer)
    await waitFor('the GStreamer publisher', 15_000, () => (publishers(rooms, 'gst/cam').length === 1 ? true : undefined))
    const video = await ffmpegDecode(rooms.rtsp.urlFor('gst/cam'), 'tcp', 50)
    assert.equal(video.frames, 50, video.stderr)
    // Video starts from the cached GOP, audio live: of 3 s, the first may be video only.
    const audio = await ffmpegDecodeAudio(rooms.rtsp.urlFor('gst/cam'), 'tcp', 3)
    assert.ok(audio.seconds >= 2, `decoded ${audio.seconds} s of audio: ${audio.stderr}`)
    const gst = await gstDecode(`rtspsrc location=${rooms.rtsp.urlFor('gst/cam')} ! rtph264depay ! avdec_h264 ! fakesink name=sink`, 25)
    assert.equal(gst.frames, 25, gst.error ?? '')
  })

  it('an RTMP publisher is kicked like any session: ffmpeg sees its connection end', async () => {
    const peer = ffmpegRtmpPublish(await h264AacNoBMp4(), `${rooms.rtmp.url}/kick/me`)
    const [s] = await waitFor('the RTMP publisher', 15_000, () => {
      const list = publishers(rooms, 'kick/me')
      return list.length === 1 ? list : undefined
    })
    assert.equal(rooms.rtsp.kickSession(s!.id), true)
    const code = await Promise.race([peer.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))])
    await peer.stop()
    assert.notEqual(code, 'still running')
    assert.equal(publishers(rooms, 'kick/me').length, 0)
  })

  it('a protected path takes ?user=&pass= and refuses wrong or missing credentials; a path that is not a publish path refuses', async () => {
    const file = await h264AacNoBMp4()
    for (const bad of ['', '?user=u&pass=wrong']) {
      const peer = ffmpegRtmpPublish(file, `${rooms.rtmp.url}/secret/cam${bad}`)
      const code = await Promise.race([peer.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))])
      await peer.stop()
      assert.notEqual(code, 0, `publishing with "${bad}" must fail`)
      assert.notEqual(code, 'still running')
      assert.equal(publishers(rooms, 'secret/cam').length, 0)
    }
    // A path that is not a publish path refuses too, once the tracks are known.
    const nowhere = ffmpegRtmpPublish(file, `${rooms.rtmp.url}/not/served`)
    const refused = await Promise.race([nowhere.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))])
    await nowhere.stop()
    assert.notEqual(refused, 0)
    assert.notEqual(refused, 'still running')
    const peer = ffmpegRtmpPublish(file, `${rooms.rtmp.url}/secret/cam?user=u&pass=p`)
    peers.push(peer)
    await waitFor('the authorized publisher', 15_000, () => (publishers(rooms, 'secret/cam').length === 1 ? true : undefined))
  })
})
