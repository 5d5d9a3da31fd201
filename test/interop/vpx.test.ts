// VP8, VP9 and AV1 through the stream core with real peers. ffmpeg publishes VP8 and VP9 (libvpx) into
// publish paths over TCP and UDP; ffmpeg and GStreamer read them back and decode every frame. No Debian
// peer sends or receives AV1 over RTP (ffmpeg 5.1 has no AV1 RTP support, GStreamer 1.22 has no
// rtpav1pay/depay), so AV1 is proven with a real libaom bitstream: our packetizer and depacketizer
// give back every temporal unit bit-exact, and the units a server stream sent and our client received
// are decoded by ffmpeg (libdav1d).
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Av1Depacketizer } from '../../src/codecs/av1/depacketizer.js'
import { OBU_TEMPORAL_DELIMITER, readObu } from '../../src/codecs/av1/obu.js'
import { Av1Packetizer } from '../../src/codecs/av1/packetizer.js'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { collectFrames } from '../client/client-helpers.js'
import { waitUntil } from '../helpers/wait.js'
import { ffmpegDecode, gstDecode, run, startServer, type TestServer } from './harness.js'

const WIDTH = 320
const HEIGHT = 240
const LIVE_IN = ['-re', '-f', 'lavfi', '-i', `testsrc=size=${WIDTH}x${HEIGHT}:rate=25`, '-pix_fmt', 'yuv420p']
const ENCODERS = {
  vp8: ['-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '1M', '-g', '25'],
  // ffmpeg's RTP muxer calls its VP9 packetizer experimental.
  vp9: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-b:v', '1M', '-g', '25', '-strict', 'experimental'],
} as const
const GST_DECODERS = { vp8: 'rtpvp8depay ! vp8dec', vp9: 'rtpvp9depay ! vp9dec' } as const

function publish(codec: keyof typeof ENCODERS, url: string, transport: 'tcp' | 'udp'): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-v', 'error', ...LIVE_IN, ...ENCODERS[codec], '-f', 'rtsp', '-rtsp_transport', transport, url], {
    stdio: 'ignore',
  })
}

function waitForStream(srv: TestServer, name: string): Promise<void> {
  return waitUntil(() => srv.server.getStream(name) !== undefined, 10_000, `a publisher on /${name}`)
}

describe('VP8 and VP9 published by ffmpeg, read by ffmpeg and GStreamer', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ vp8tcp: 'publish', vp8udp: 'publish', vp9tcp: 'publish', vp9udp: 'publish' })
  })
  after(() => srv.stop())

  for (const codec of ['vp8', 'vp9'] as const) {
    for (const transport of ['tcp', 'udp'] as const) {
      it(`${codec.toUpperCase()} over ${transport}: ffmpeg decodes 50 frames without an error line, GStreamer decodes 50`, async () => {
        const name = `${codec}${transport}`
        const pub = publish(codec, srv.url(name), transport)
        try {
          await waitForStream(srv, name)
          const stream = srv.server.getStream(name)!
          assert.equal(stream.spec.video?.codec, codec, 'the announced format is parsed, not relayed')
          const [ff, gst] = await Promise.all([
            ffmpegDecode(srv.url(name), transport, 50),
            gstDecode(
              `rtspsrc location=${srv.url(name)} protocols=${transport} latency=200 ! ${GST_DECODERS[codec]} ! fakesink name=sink`,
              50,
            ),
          ])
          assert.equal(ff.stderr.trim(), '')
          assert.equal(ff.frames, 50)
          assert.ok(ff.frameSizes.every((s) => s === (WIDTH * HEIGHT * 3) / 2))
          assert.equal(gst.error, null)
          assert.equal(gst.frames, 50)
          // The track learned the picture size from key frames and states it in SDP.
          const attrs = stream.tracks[0]!.media.sdpAttributes()
          assert.ok(attrs.some((a) => a.key === 'framesize' && a.value?.endsWith(` ${WIDTH}-${HEIGHT}`)))
        } finally {
          pub.kill('SIGKILL')
        }
      })
    }
  }
})

describe('VP8 and VP9 published by GStreamer (rtpvp8pay/rtpvp9pay: picture IDs, SS on key frames), read by ffmpeg', () => {
  let srv: TestServer
  before(async () => {
    srv = await startServer({ gvp8: 'publish', gvp9: 'publish' })
  })
  after(() => srv.stop())

  for (const [codec, encoder] of [
    // The profile caps settle what rtspclientsink's payloader would otherwise leave open.
    ['vp8', 'vp8enc deadline=1 keyframe-max-dist=25 ! video/x-vp8,profile=(string)0'],
    ['vp9', 'vp9enc deadline=1 keyframe-max-dist=25 ! video/x-vp9,profile=(string)0'],
  ] as const) {
    it(`${codec.toUpperCase()}: ffmpeg decodes 50 frames without an error line`, async () => {
      const name = `g${codec}`
      const pipeline = `videotestsrc is-live=true ! video/x-raw,width=${WIDTH},height=${HEIGHT},format=I420,framerate=25/1 ! ${encoder} ! rtspclientsink location=${srv.url(name)} protocols=tcp`
      const pub = spawn('gst-launch-1.0', ['-q', ...pipeline.split(' ')], { stdio: 'ignore' })
      try {
        await waitForStream(srv, name)
        assert.equal(srv.server.getStream(name)!.spec.video?.codec, codec)
        const ff = await ffmpegDecode(srv.url(name), 'tcp', 50)
        assert.equal(ff.stderr.trim(), '')
        assert.equal(ff.frames, 50)
        assert.ok(ff.frameSizes.every((s) => s === (WIDTH * HEIGHT * 3) / 2))
      } finally {
        pub.kill('SIGKILL')
      }
    })
  }
})

/** The frames of an IVF file: a 32-byte file header, then each frame behind a 12-byte header (size LE, pts). */
function ivfFrames(file: Buffer): Buffer[] {
  const frames: Buffer[] = []
  for (let at = file.readUInt16LE(6); at + 12 <= file.length;) {
    const size = file.readUInt32LE(at)
    frames.push(file.subarray(at + 12, at + 12 + size))
    at += 12 + size
  }
  return frames
}

describe('VP8 and VP9 files sent by ffmpeg (-c copy) come out of our client bit-exact', () => {
  let srv: TestServer
  let dir: string
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-vpx-'))
    srv = await startServer({ fvp8: 'publish', fvp9: 'publish' })
  })
  after(() => srv.stop())

  for (const codec of ['vp8', 'vp9'] as const) {
    it(`${codec.toUpperCase()}: every frame our client receives equals the file's, in order, from a key frame`, async () => {
      const file = path.join(dir, `${codec}.ivf`)
      const enc = ENCODERS[codec].filter((a) => a !== '-strict' && a !== 'experimental')
      const r = await run('ffmpeg', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `testsrc=size=${WIDTH}x${HEIGHT}:rate=25`,
        '-frames:v',
        '150',
        '-pix_fmt',
        'yuv420p',
        ...enc,
        file,
      ])
      assert.equal(r.code, 0, r.stderr)
      const reference = ivfFrames(readFileSync(file))
      assert.equal(reference.length > 100, true)
      const name = `f${codec}`
      const pub = spawn(
        'ffmpeg',
        ['-v', 'error', '-re', '-i', file, '-c', 'copy', '-strict', 'experimental', '-f', 'rtsp', '-rtsp_transport', 'tcp', srv.url(name)],
        {
          stdio: 'ignore',
        },
      )
      const client = new RtspClient(srv.url(name), { transport: 'udp' })
      try {
        await waitForStream(srv, name)
        await client.play()
        const frames = await collectFrames(client, 40, 15_000)
        assert.equal(frames[0]!.keyframe, true, 'a reader starts at a key frame')
        const start = reference.findIndex((f) => f.equals(frames[0]!.data))
        assert.ok(start >= 0 && start % 25 === 0, `the first frame is one of the file's key frames (${start})`)
        frames.forEach((f, k) => assert.ok(f.data.equals(reference[start + k]!), `frame ${start + k}`))
        assert.equal(frames.filter((f) => f.keyframe).length, frames.filter((_, k) => (start + k) % 25 === 0).length)
      } finally {
        pub.kill('SIGKILL')
        await client.close()
      }
    })
  }
})

/** The temporal units of a low-overhead bitstream: each begins at a temporal delimiter. */
function temporalUnits(data: Buffer): Buffer[] {
  const units: Buffer[] = []
  let start = 0
  for (let at = 0; at < data.length;) {
    const { obu, next } = readObu(data, at)
    if (obu.type === OBU_TEMPORAL_DELIMITER && at > start) {
      units.push(data.subarray(start, at))
      start = at
    }
    at = next
  }
  units.push(data.subarray(start))
  return units
}

describe('AV1 with a real libaom bitstream', () => {
  let dir: string
  let units: Buffer[]
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-av1-'))
    const file = path.join(dir, 'in.obu')
    const r = await run('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${WIDTH}x${HEIGHT}:rate=25`,
      '-frames:v',
      '50',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libaom-av1',
      '-cpu-used',
      '8',
      '-usage',
      'realtime',
      '-g',
      '25',
      '-f',
      'obu',
      file,
    ])
    assert.equal(r.code, 0, r.stderr)
    units = temporalUnits(readFileSync(file))
  })

  it('every temporal unit comes back bit-exact through our packetizer and depacketizer, at several packet sizes', () => {
    assert.equal(units.length, 50)
    for (const maxPacketSize of [1400, 200, 40]) {
      const pay = new Av1Packetizer({ ssrc: 1, initialSequence: 0, maxPacketSize })
      const depay = new Av1Depacketizer()
      let keyframes = 0
      units.forEach((tu, i) => {
        const out = pay.packetize(tu, i * 3600).flatMap((p) => depay.push(RtpPacket.parse(p)))
        assert.equal(out.length, 1)
        assert.ok(out[0]!.data.equals(tu), `unit ${i} at ${maxPacketSize} bytes`)
        if (out[0]!.keyframe) keyframes++
      })
      assert.equal(keyframes, 2, 'key frames at 0 and 25')
    }
  })

  it('a server stream sends it, our client receives it, ffmpeg (libdav1d) decodes what was received', async () => {
    const srv = await startServer({})
    const stream = srv.server.addStream('av1', { video: { codec: 'av1' } })
    let i = 0
    const timer = setInterval(() => stream.pushVideo(units[i++ % units.length]!), 40)
    const client = new RtspClient(srv.url('av1'), { transport: 'tcp' })
    try {
      await client.play()
      const frames = await collectFrames(client, 80, 20_000)
      // Start at a key frame, as a decoder must.
      const first = frames.findIndex((f) => f.keyframe)
      assert.ok(first >= 0)
      const got = frames.slice(first)
      const expected = units.findIndex((u) => u.equals(got[0]!.data))
      assert.ok(expected === 0 || expected === 25, 'the first key frame received is one of the file')
      got.forEach((f, k) => assert.ok(f.data.equals(units[(expected + k) % units.length]!), `frame ${k}`))
      const received = path.join(dir, 'received.obu')
      writeFileSync(received, Buffer.concat(got.map((f) => f.data)))
      const dec = await run('ffmpeg', ['-v', 'error', '-c:v', 'libdav1d', '-f', 'obu', '-i', received, '-f', 'framemd5', '-'])
      assert.equal(dec.stderr.trim(), '')
      assert.equal(dec.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length, got.length)
    } finally {
      clearInterval(timer)
      await client.close()
      await srv.stop()
    }
  })
})
