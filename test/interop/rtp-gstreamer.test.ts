// Plain RTP with GStreamer: udpsink → rtspkit rtp recv, and rtspkit rtp send → udpsrc. The H.264
// pipelines of the GStreamer notes (seed 004) are in rtp-gst-doc.test.ts.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { gstDecode, h264File, run } from './harness.js'
import { spawnRtspkit } from '../rtp/cli-process.js'
import { freeUdpPorts } from '../rtp/udp-ports.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtspkit-rtp-gst-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('plain RTP with GStreamer', () => {
  it('videotestsrc ! x264enc ! rtph264pay ! udpsink → rtp recv → ffmpeg decodes all 75 frames', async () => {
    const port = await freeUdpPorts(2)
    const out = path.join(dir, 'from-gst.h264')
    const recv = spawnRtspkit([
      'rtp',
      'recv',
      '--port',
      String(port),
      '--codec',
      'h264',
      '--out',
      out,
      '--duration',
      '5',
      '--stats-interval',
      '0',
    ])
    await recv.waitFor(/receiving H264/)
    const gst = await run(
      'gst-launch-1.0',
      ['-q', 'videotestsrc', 'num-buffers=75', '!', 'x264enc', '!', 'rtph264pay', '!', 'udpsink', 'host=127.0.0.1', `port=${port}`],
      20_000,
    )
    assert.equal(gst.code, 0, gst.stderr)
    const r = await recv.exit
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /0 lost \(0\.0%\).*75 frames/)
    const dec = await run('ffmpeg', ['-v', 'error', '-i', out, '-f', 'framemd5', '-'])
    assert.equal(dec.stderr.trim(), '', 'no decoder errors')
    assert.equal(dec.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length, 75)
  })

  it('videotestsrc ! jpegenc ! rtpjpegpay ! udpsink → rtp recv --out DIR/ → every JPEG decodes', async () => {
    const port = await freeUdpPorts(2)
    const frames = path.join(dir, 'frames') + path.sep
    const recv = spawnRtspkit([
      'rtp',
      'recv',
      '--port',
      String(port),
      '--codec',
      'jpeg',
      '--out',
      frames,
      '--duration',
      '4',
      '--stats-interval',
      '0',
    ])
    await recv.waitFor(/receiving JPEG/)
    // rtpjpegpay takes 4:2:0 or 4:2:2 only, hence the explicit I420.
    const gst = await run(
      'gst-launch-1.0',
      [
        '-q',
        'videotestsrc',
        'num-buffers=30',
        '!',
        'video/x-raw,width=320,height=240,format=I420,framerate=30/1',
        '!',
        'jpegenc',
        '!',
        'rtpjpegpay',
        '!',
        'udpsink',
        'host=127.0.0.1',
        `port=${port}`,
      ],
      20_000,
    )
    assert.equal(gst.code, 0, gst.stderr)
    const r = await recv.exit
    assert.equal(r.code, 0, r.stderr)
    const files = fs.readdirSync(frames).sort()
    assert.equal(files.length, 30)
    const dec = await run('ffmpeg', ['-v', 'error', '-i', path.join(frames, 'frame-%06d.jpg'), '-f', 'framemd5', '-'])
    assert.equal(dec.stderr.trim(), '')
    const lines = dec.stdout.split('\n').filter((l) => /^\s*0,/.test(l))
    assert.equal(lines.length, 30)
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=width,height',
      '-of',
      'csv=p=0',
      path.join(frames, files[0]!),
    ])
    assert.equal(probe.stdout.trim(), '320,240')
  })

  it('rtp send test → udpsrc ! rtpjpegdepay ! jpegdec decodes 640x480', async () => {
    const port = await freeUdpPorts(2)
    const send = spawnRtspkit(['rtp', 'send', 'test', '--to', `127.0.0.1:${port}`, '--duration', '15', '--stats-interval', '0'])
    await send.waitFor(/sending test card/)
    const g = await gstDecode(
      `udpsrc port=${port} caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG,payload=26" ! rtpjpegdepay ! jpegdec ! fakesink name=sink`,
      30,
      20,
    )
    send.kill()
    await send.exit
    assert.equal(g.error, null)
    assert.equal(g.frames, 30)
    assert.deepEqual([g.width, g.height], [640, 480])
  })

  it('rtp send --sdp → filesrc ! sdpdemux (GStreamer reading our SDP) decodes H.264', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    const port = await freeUdpPorts(2)
    const sdp = path.join(dir, 'gst.sdp')
    const send = spawnRtspkit([
      'rtp',
      'send',
      clip,
      '--to',
      `127.0.0.1:${port}`,
      '--sdp',
      sdp,
      '--loop',
      '--duration',
      '20',
      '--stats-interval',
      '0',
    ])
    await send.waitFor(/sending testsrc/)
    const g = await gstDecode(
      `filesrc location=${sdp} ! sdpdemux latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
      30,
      15,
    )
    send.kill()
    await send.exit
    assert.equal(g.error, null)
    assert.equal(g.frames, 30)
    assert.deepEqual([g.width, g.height], [320, 240])
  })
})
