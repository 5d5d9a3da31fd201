// Published and received access units compared bit-exact: ffmpeg (TCP, UDP) pushes a known H.264
// file, GStreamer a live encode it keeps a copy of, into publish paths while ffmpeg, GStreamer and our
// client read at once.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { splitAnnexB } from '../../src/codecs/h264/annexb.js'
import { loadH264File } from '../../src/sources/h264-file.js'
import { collectFrames } from '../client/client-helpers.js'
import { ffmpegDecode, gstDecode, h264File, startServer, type TestServer } from './harness.js'
import { waitUntil } from '../helpers/wait.js'

/** NAL units that carry the picture (parameter sets, AUDs and SEI may be added or dropped on the way). */
const pictureNals = (nalus: readonly Buffer[]): string[] =>
  nalus.filter((n) => ![6, 7, 8, 9].includes(n[0]! & 0x1f)).map((n) => n.toString('hex'))

function waitForStream(srv: TestServer, name: string, ms = 10_000): Promise<void> {
  return waitUntil(() => srv.server.getStream(name)?.ready === true, ms, `a publisher on /${name}`)
}

describe('publish → read, bit-exact', () => {
  let srv: TestServer
  let file: string
  let reference: string[][]
  before(async () => {
    file = await h264File({ width: 320, height: 240, fps: 25, seconds: 8, gop: 25 })
    reference = loadH264File(file).accessUnits.map((au) => pictureNals(au.nalus))
    srv = await startServer({ a: 'publish', b: 'publish', c: 'publish' })
  })
  after(() => srv.stop())

  const publishers: [string, string, (url: string) => ChildProcess][] = [
    [
      'a',
      'ffmpeg over TCP',
      (url) =>
        spawn('ffmpeg', ['-v', 'error', '-re', '-i', file, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', url], { stdio: 'ignore' }),
    ],
    [
      'b',
      'ffmpeg over UDP',
      (url) =>
        spawn('ffmpeg', ['-v', 'error', '-re', '-i', file, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'udp', url], { stdio: 'ignore' }),
    ],
  ]
  for (const [name, who, start] of publishers) {
    it(`${who} publishes; ffmpeg, GStreamer and our client read at once; our client's access units equal the file's`, async () => {
      const pub = start(srv.url(name))
      const client = new RtspClient(srv.url(name), { transport: 'udp' })
      try {
        await waitForStream(srv, name)
        const [frames, ff, gst] = await Promise.all([
          client.play().then(() => collectFrames(client, 60, 15_000)),
          ffmpegDecode(srv.url(name), 'tcp', 50),
          gstDecode(
            `rtspsrc location=${srv.url(name)} protocols=tcp latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
            50,
          ),
        ])
        assert.equal(ff.frames, 50)
        assert.equal(ff.stderr.trim(), '')
        assert.equal(gst.error, null)
        assert.equal(gst.frames, 50)
        const got = frames.map((f) => pictureNals(splitAnnexB(f.data)))
        const start0 = reference.findIndex((au) => au.join() === got[0]!.join())
        assert.ok(start0 >= 0, "the first received access unit is one of the file's")
        assert.ok(start0 % 25 === 0, `the reader starts at a keyframe (file access unit ${start0})`)
        for (let i = 0; i < got.length; i++)
          assert.deepEqual(got[i], reference[(start0 + i) % reference.length], `access unit ${start0 + i}`)
      } finally {
        pub.kill('SIGKILL')
        await client.close()
      }
    })
  }

  // rtspclientsink stamps a file's frames all alike (it is made for live sources), so GStreamer encodes
  // live and keeps a copy of exactly what it publishes for the comparison.
  it("GStreamer rtspclientsink publishes live x264; ffmpeg, GStreamer and our client read at once; our client's access units equal what it sent", async () => {
    const copy = path.join(mkdtempSync(path.join(os.tmpdir(), 'rtspkit-gstpub-')), 'sent.h264')
    const pub = spawn(
      'gst-launch-1.0',
      [
        '-q',
        '-e',
        'videotestsrc',
        'is-live=true',
        'num-buffers=250',
        '!',
        'video/x-raw,width=320,height=240,framerate=25/1,format=I420',
        '!',
        'x264enc',
        'tune=zerolatency',
        'speed-preset=ultrafast',
        'key-int-max=25',
        '!',
        'h264parse',
        '!',
        'video/x-h264,stream-format=byte-stream,alignment=au',
        '!',
        'tee',
        'name=t',
        't.',
        '!',
        'queue',
        '!',
        'rtspclientsink',
        `location=${srv.url('c')}`,
        'protocols=tcp',
        't.',
        '!',
        'queue',
        '!',
        'filesink',
        `location=${copy}`,
      ],
      { stdio: 'ignore' },
    )
    const exited = new Promise((r) => pub.once('exit', r))
    const client = new RtspClient(srv.url('c'), { transport: 'tcp' })
    try {
      await waitForStream(srv, 'c')
      const [frames, ff, gst] = await Promise.all([
        client.play().then(() => collectFrames(client, 60, 15_000)),
        ffmpegDecode(srv.url('c'), 'udp', 50),
        gstDecode(
          `rtspsrc location=${srv.url('c')} protocols=udp latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
          50,
        ),
      ])
      assert.equal(ff.frames, 50)
      assert.equal(gst.error, null)
      assert.equal(gst.frames, 50)
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
      const sent = loadH264File(copy, { fps: 25 }).accessUnits.map((au) => pictureNals(au.nalus))
      const got = frames.map((f) => pictureNals(splitAnnexB(f.data)))
      const start0 = sent.findIndex((au) => au.join() === got[0]!.join())
      assert.ok(start0 >= 0, 'the first received access unit is one GStreamer sent')
      for (let i = 0; i < got.length; i++) assert.deepEqual(got[i], sent[start0 + i], `access unit ${start0 + i}`)
    } finally {
      pub.kill('SIGKILL')
      await client.close()
    }
  })
})
