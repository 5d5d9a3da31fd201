// Plain RTP with ffmpeg: ffmpeg -f rtp → rtspkit rtp recv, and rtspkit rtp send → ffmpeg reading our SDP.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { h264File, run } from './harness.js'
import { h265File, nalHashes, spawnRtspkit } from '../rtp/cli-process.js'
import { freeUdpPorts } from '../rtp/udp-ports.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtspkit-rtp-ffmpeg-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('plain RTP with ffmpeg', () => {
  it('ffmpeg -f rtp → rtp recv --codec h264: the same NAL units, every frame', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    const port = await freeUdpPorts(2)
    const out = path.join(dir, 'from-ffmpeg.h264')
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
      '3.5',
      '--stats-interval',
      '0',
    ])
    await recv.waitFor(/receiving H264\/90000 on UDP port/)
    const ff = await run('ffmpeg', ['-v', 'error', '-re', '-i', clip, '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${port}`], 20_000)
    assert.equal(ff.code, 0, ff.stderr)
    const r = await recv.exit
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /0 lost \(0\.0%\)/)
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames,width,height',
      '-of',
      'csv=p=0',
      out,
    ])
    assert.equal(probe.stdout.trim(), '320,240,50')
    assert.deepEqual(nalHashes(out), nalHashes(clip))
  })

  it('ffmpeg -f rtp → rtp recv --codec h265: the same NAL units, every frame', async () => {
    const clip = await h265File()
    const port = await freeUdpPorts(2)
    const out = path.join(dir, 'from-ffmpeg.h265')
    const recv = spawnRtspkit([
      'rtp',
      'recv',
      '--port',
      String(port),
      '--codec',
      'h265',
      '--out',
      out,
      '--duration',
      '3.5',
      '--stats-interval',
      '0',
    ])
    await recv.waitFor(/receiving H265\/90000 on UDP port/)
    const ff = await run('ffmpeg', ['-v', 'error', '-re', '-i', clip, '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${port}`], 20_000)
    assert.equal(ff.code, 0, ff.stderr)
    const r = await recv.exit
    assert.equal(r.code, 0, r.stderr)
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames,width,height',
      '-of',
      'csv=p=0',
      out,
    ])
    assert.equal(probe.stdout.trim(), '320,240,50')
    assert.deepEqual(nalHashes(out), nalHashes(clip))
  })

  it('rtp send test → ffmpeg opens the SDP and decodes 50 frames of 640x480', async () => {
    const port = await freeUdpPorts(2)
    const sdp = path.join(dir, 'card.sdp')
    const send = spawnRtspkit([
      'rtp',
      'send',
      'test',
      '--to',
      `127.0.0.1:${port}`,
      '--sdp',
      sdp,
      '--duration',
      '15',
      '--stats-interval',
      '0',
    ])
    await send.waitFor(/sending test card/)
    const ff = await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostats',
        '-v',
        'error',
        '-protocol_whitelist',
        'file,udp,rtp',
        '-i',
        sdp,
        '-frames:v',
        '50',
        '-f',
        'framemd5',
        '-',
      ],
      20_000,
    )
    send.kill()
    const s = await send.exit
    assert.equal(s.code, 0, s.stderr)
    const frames = ff.stdout.split('\n').filter((l) => /^\s*0,/.test(l))
    assert.equal(frames.length, 50, ff.stderr)
    assert.ok(
      frames.every((l) => Number(l.split(',')[4]) === (640 * 480 * 3) / 2),
      'every frame is 640x480 yuv420p',
    )
    // ffmpeg joins a stream already running, so the first packet it reads may be
    // the middle of a JPEG; it drops that partial frame and says so. Anything
    // else on stderr is a decoding error.
    const errors = ff.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/without a start chunk|Last message repeated/.test(l))
    assert.deepEqual(errors, [], 'no decoder errors')
  })

  it('rtp send clip.264 → ffmpeg decodes every frame from the SDP (sprop-parameter-sets)', async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    const port = await freeUdpPorts(2)
    const sdp = path.join(dir, 'clip.sdp')
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
      '15',
      '--stats-interval',
      '0',
    ])
    await send.waitFor(/sending clip|sending testsrc/)
    assert.match(fs.readFileSync(sdp, 'utf8'), /a=fmtp:96 packetization-mode=1;profile-level-id=[0-9A-F]{6};sprop-parameter-sets=/)
    const ff = await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostats',
        '-v',
        'error',
        '-protocol_whitelist',
        'file,udp,rtp',
        '-i',
        sdp,
        '-frames:v',
        '60',
        '-f',
        'framemd5',
        '-',
      ],
      20_000,
    )
    send.kill()
    await send.exit
    const frames = ff.stdout.split('\n').filter((l) => /^\s*0,/.test(l))
    assert.equal(frames.length, 60, ff.stderr)
    assert.ok(frames.every((l) => Number(l.split(',')[4]) === (320 * 240 * 3) / 2))
  })

  it('rtp send clip.265 → ffmpeg decodes from the SDP (sprop-vps/sps/pps)', async () => {
    const clip = await h265File()
    const port = await freeUdpPorts(2)
    const sdp = path.join(dir, 'clip265.sdp')
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
      '15',
      '--stats-interval',
      '0',
    ])
    await send.waitFor(/sending testsrc/)
    assert.match(fs.readFileSync(sdp, 'utf8'), /a=rtpmap:96 H265\/90000\r\na=fmtp:96 sprop-vps=[^;]+;sprop-sps=[^;]+;sprop-pps=/)
    const ff = await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostats',
        '-v',
        'error',
        '-protocol_whitelist',
        'file,udp,rtp',
        '-i',
        sdp,
        '-frames:v',
        '40',
        '-f',
        'framemd5',
        '-',
      ],
      20_000,
    )
    send.kill()
    await send.exit
    const frames = ff.stdout.split('\n').filter((l) => /^\s*0,/.test(l))
    assert.equal(frames.length, 40, ff.stderr)
    assert.ok(frames.every((l) => Number(l.split(',')[4]) === (320 * 240 * 3) / 2))
  })

  it('ffmpeg -f rtp AAC → rtp recv of its SDP writes an .aac that ffprobe reads', async () => {
    const port = await freeUdpPorts(2)
    const sdp = path.join(dir, 'aac.sdp')
    const out = path.join(dir, 'from-ffmpeg.aac')
    const args = ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-ac', '2', '-c:a', 'aac', '-b:a', '96k']
    // ffmpeg writes the SDP for the session it is about to send; write it with a dry run first.
    const dry = await run('ffmpeg', [...args, '-t', '0.05', '-f', 'rtp', '-sdp_file', sdp, `rtp://127.0.0.1:${port}`], 20_000)
    assert.equal(dry.code, 0, dry.stderr)
    const recv = spawnRtspkit(['rtp', 'recv', sdp, '--out', out, '--duration', '3', '--stats-interval', '0'])
    await recv.waitFor(/receiving MPEG4-GENERIC\/44100\/2/)
    const ff = await run('ffmpeg', ['-re', ...args, '-t', '2', '-f', 'rtp', `rtp://127.0.0.1:${port}`], 20_000)
    assert.equal(ff.code, 0, ff.stderr)
    const r = await recv.exit
    assert.equal(r.code, 0, r.stderr)
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'csv=p=0', out])
    assert.equal(probe.stdout.trim(), 'aac,44100,2')
    const dec = await run('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'])
    assert.equal(dec.stderr.trim(), '', 'decodes without errors')
  })

  it('rtp send a WAV (L16) → ffmpeg decodes the samples unchanged', async () => {
    const wav = path.join(dir, 'tone.wav')
    const mk = await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=16000',
      '-t',
      '1',
      '-ac',
      '1',
      '-c:a',
      'pcm_s16le',
      wav,
    ])
    assert.equal(mk.code, 0, mk.stderr)
    const port = await freeUdpPorts(2)
    const sdp = path.join(dir, 'wav.sdp')
    const send = spawnRtspkit([
      'rtp',
      'send',
      wav,
      '--to',
      `127.0.0.1:${port}`,
      '--sdp',
      sdp,
      '--loop',
      '--duration',
      '15',
      '--stats-interval',
      '0',
    ])
    await send.waitFor(/sending tone\.wav/)
    assert.match(fs.readFileSync(sdp, 'utf8'), /a=rtpmap:98 L16\/16000\/1/)
    const raw = path.join(dir, 'received.s16le')
    const ff = await run(
      'ffmpeg',
      ['-v', 'error', '-y', '-protocol_whitelist', 'file,udp,rtp', '-i', sdp, '-t', '0.5', '-f', 's16le', raw],
      20_000,
    )
    send.kill()
    await send.exit
    assert.equal(ff.code, 0, ff.stderr)
    // What ffmpeg decoded is a stretch of the looping file, sample for sample.
    const pcm = fs.readFileSync(raw)
    assert.ok(pcm.length >= 8000, `${pcm.length} bytes`)
    const file = fs.readFileSync(wav)
    const source = file.subarray(file.indexOf('data') + 8)
    const looped = Buffer.concat([source, source, source])
    const probe = pcm.subarray(2000, 6000)
    assert.ok(looped.indexOf(probe) >= 0, "decoded samples equal the file's")
  })
})
