// rtspkit probe, play and publish against our server and real peers, and recording on the server.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ServerRecording } from '../../src/server/recording.js'
import { ffmpegDecode, ffmpegDecodeAudio, h264AacMp4, h264File, run, startServer, type TestServer } from '../interop/harness.js'
import { spawnRtspkit } from '../rtp/cli-process.js'
import { CLI } from '../rtp/cli-process.js'

const rtspkit = (...args: string[]) => run(process.execPath, [CLI, ...args], 30_000)

/** Frames ffprobe counts in each stream of a file. */
async function countFrames(file: string): Promise<{ codec: string; frames: number }[]> {
  const r = await run(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', file],
    30_000,
  )
  const streams = (JSON.parse(r.stdout || '{}') as { streams?: { codec_name: string; nb_read_frames: string }[] }).streams ?? []
  return streams.map((s) => ({ codec: s.codec_name, frames: Number(s.nb_read_frames) }))
}

describe('client commands', () => {
  let srv: TestServer
  let tmp: string
  let clip: string
  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-cli-'))
    clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    srv = await startServer({
      cam: `file:${clip}`,
      card: 'test:320x240@25',
      live: 'publish',
      live2: 'publish',
      av: `file:${await h264AacMp4()}`,
    })
  })
  after(async () => {
    await srv?.stop()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('probe lists tracks with codec, size and control URL; --json and --verbose', async () => {
    const r = await rtspkit('probe', srv.url('cam'))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /server: rtspkit/)
    assert.match(r.stdout, /track 0: video H264\/90000, pt 96, 320x240/)
    assert.match(r.stdout, /control: rtsp:\/\/127\.0\.0\.1:\d+\/cam\/trackID=0/)
    const j = JSON.parse((await rtspkit('probe', '--json', srv.url('card'))).stdout) as {
      tracks: { encodingName: string; width: number }[]
    }
    assert.equal(j.tracks[0]!.encodingName, 'JPEG')
    assert.equal(j.tracks[0]!.width, 320)
    const v = await rtspkit('probe', '--verbose', srv.url('cam'))
    assert.match(v.stderr, />> DESCRIBE rtsp:\/\/127\.0\.0\.1:\d+\/cam RTSP\/1\.0/)
    assert.match(v.stderr, /<< RTSP\/1\.0 200 OK/)
  })

  it('probe and play give one clear line for a bad URL, a missing path and an unreachable server', async () => {
    // Exit 2 for a usage error, 1 for a failure while running (as ffmpeg and gst-launch do).
    for (const [args, pattern, code] of [
      [['probe', 'http://x/y'], /not an rtsp:\/\/ or rtsps:\/\/ URL/, 2],
      [['probe'], /needs exactly one rtsp:\/\/ URL/, 2],
      [['play', srv.url('cam'), '--transport', 'quic'], /--transport must be udp, tcp, http, multicast or auto/, 2],
      [['play', srv.url('cam'), '--stats', 'xml'], /--stats must be text or json, got "xml"/, 2],
      [['publish', 'test', srv.url('live'), '--stats-interval', 'soon'], /--stats-interval must be a number of seconds/, 2],
      [['probe', srv.url('nothing')], /404 Not Found/, 1],
      [['play', srv.url('nothing'), '--transport', 'tcp'], /404 Not Found/, 1],
      [['probe', 'rtsp://127.0.0.1:9/x'], /ECONNREFUSED|connect|refused/i, 1],
    ] as const) {
      const r = await rtspkit(...args)
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`)
      assert.match(r.stderr, pattern)
    }
  })

  it('play of an unreachable server exits 1; a played stream exits 0', async () => {
    const r = await rtspkit('play', 'rtsp://127.0.0.1:1/x')
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /ECONNREFUSED|cannot connect/)
    assert.equal((await rtspkit('play', srv.url('card'), '--duration', '1', '--quiet')).code, 0)
  })

  it('play --stats json: one JSON object per line on stderr with elapsed time and bytes; --quiet prints none of it', async () => {
    const out = path.join(tmp, 'json.h264')
    const r = await rtspkit('play', srv.url('cam'), '--duration', '2.5', '--stats', 'json', '--out', out, '--transport', 'tcp')
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{'))
    const objs = lines.map(
      (l) => JSON.parse(l) as { type: string; elapsed: number; bytes: number; bytesWritten: number; tracks: unknown[] },
    )
    const progress = objs.filter((o) => o.type === 'progress')
    assert.ok(progress.length >= 1, r.stderr)
    for (const o of progress) {
      assert.equal(typeof o.elapsed, 'number')
      assert.ok(o.bytes > 0, JSON.stringify(o))
      assert.equal(o.tracks.length, 1)
    }
    assert.ok(
      progress.every((o, i) => i === 0 || o.elapsed > progress[i - 1]!.elapsed),
      'elapsed grows',
    )
    const end = objs.at(-1)!
    assert.equal(end.type, 'end')
    assert.ok(end.elapsed >= 2 && end.elapsed < 4, `elapsed ${end.elapsed}`)
    assert.equal(end.bytesWritten, statSync(out).size, 'bytes written are the size of --out')
    // Every other line is a message, not a stats line.
    for (const l of r.stderr.trimEnd().split('\n')) assert.ok(l.startsWith('{') || l.startsWith('rtspkit: '), l)

    const quiet = await rtspkit('play', srv.url('cam'), '--duration', '2.5', '--quiet', '--transport', 'tcp')
    assert.equal(quiet.code, 0, quiet.stderr)
    assert.equal(quiet.stderr, '', 'no stats, no messages')
  })

  it('play: text stats lines carry the elapsed time, bytes received and bytes written', async () => {
    const out = path.join(tmp, 'text.h264')
    const r = await rtspkit('play', srv.url('cam'), '--duration', '2.5', '--out', out, '--transport', 'tcp')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /^0:00:0[12], \d+\.\d (kB|MB) \(\d+\.\d+ (kB|MB) written\) \| video H264: /m)
    assert.match(r.stderr, /rtspkit: stopped: 0:00:0\d, /)
  })

  it('play --out x.mp4 writes a fragmented MP4 that ffprobe decodes; stats lines while playing', async () => {
    const out = path.join(tmp, 'cam.mp4')
    const r = await rtspkit('play', srv.url('cam'), '--duration', '3', '--out', out, '--transport', 'tcp')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /video H264: \d+\.\d fps, \d+ kbit\/s, 0 lost/)
    const streams = await countFrames(out)
    assert.equal(streams.length, 1)
    assert.equal(streams[0]!.codec, 'h264')
    // 3 s at 25 fps, minus what came before the first keyframe and the set-up time.
    // 3 s at 25 fps, plus what instant start sends at once: up to two GOPs (25 frames each) when the
    // reader joins early in one.
    assert.ok(streams[0]!.frames >= 40 && streams[0]!.frames <= 80 + 2 * 25, `frames: ${streams[0]!.frames}`)
  })

  it('play --out x.mp4 of H.264 with B-frames and AAC: both streams in the file, every frame decodable', async () => {
    const out = path.join(tmp, 'av.mp4')
    const r = await rtspkit('play', srv.url('av'), '--duration', '3', '--out', out)
    assert.equal(r.code, 0, r.stderr)
    const streams = await countFrames(out)
    assert.deepEqual(
      streams.map((s) => s.codec),
      ['h264', 'aac'],
    )
    assert.ok(streams[0]!.frames >= 40, `video frames: ${streams[0]!.frames}`)
    assert.ok(streams[1]!.frames >= 80, `audio frames: ${streams[1]!.frames}`)
    const d = await run('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-'], 20_000)
    assert.equal(d.stderr.trim(), '')
  })

  it('publish an MP4 (H.264 with B-frames + AAC); ffmpeg decodes video and audio from the server', async () => {
    const pub = spawnRtspkit(['publish', await h264AacMp4(), srv.url('live2'), '--loop', '--transport', 'udp'])
    try {
      await pub.waitFor(/publishing/, 10_000)
      const [v, a] = await Promise.all([ffmpegDecode(srv.url('live2'), 'tcp', 40), ffmpegDecodeAudio(srv.url('live2'), 'tcp', 1.5)])
      assert.equal(v.frames, 40)
      assert.equal(v.stderr.trim(), '')
      assert.ok(Math.abs(a.seconds - 1.5) < 0.1, `decoded ${a.seconds} s of audio`)
    } finally {
      pub.kill()
    }
    assert.equal((await pub.exit).code, 0)
  })

  it('play --out x.h264 and DIR/ of JPEGs', async () => {
    const h = path.join(tmp, 'cam.h264')
    assert.equal((await rtspkit('play', srv.url('cam'), '--duration', '2', '--out', h)).code, 0)
    const d = await run('ffmpeg', ['-v', 'error', '-i', h, '-f', 'null', '-'], 20_000)
    assert.equal(d.stderr.trim(), '')
    const dir = path.join(tmp, 'jpegs') + '/'
    assert.equal((await rtspkit('play', srv.url('card'), '--duration', '2', '--out', dir)).code, 0)
    assert.ok(readdirSync(dir).filter((f) => f.endsWith('.jpg')).length >= 20)
  })

  it('publish pushes a file into a publish path; ffmpeg decodes it there', async () => {
    const pub = spawnRtspkit(['publish', clip, srv.url('live'), '--loop'])
    try {
      await pub.waitFor(/publishing/, 10_000)
      const r = await ffmpegDecode(srv.url('live'), 'tcp', 40)
      assert.equal(r.stderr.trim(), '')
      assert.equal(r.frames, 40)
    } finally {
      pub.kill()
    }
    const end = await pub.exit
    assert.equal(end.code, 0, end.stderr)
    assert.match(end.stderr, /stopped: video h264: \d+ frames/)
  })

  it('publish prints a progress line every --stats-interval; --stats json and --quiet', async () => {
    const text = await rtspkit('publish', 'test:h264:320x240@25', srv.url('live'), '--duration', '2.5', '--stats-interval', '0.5')
    assert.equal(text.code, 0, text.stderr)
    const lines = text.stderr.split('\n').filter((l) => /^\d+:\d\d:\d\d, /.test(l))
    assert.ok(lines.length >= 3, text.stderr)
    assert.match(lines.at(-1)!, /^0:00:0\d, \d+\.\d (kB|MB) \| video h264: \d+ frames, \d+ packets, \d+\.\d (kB|MB), \d+ kbit\/s$/)
    assert.match(text.stderr, /rtspkit: done|rtspkit: stopped: video h264: \d+ frames.*\(0:00:0\d\)/)

    const json = await rtspkit('publish', 'test:h264:320x240@25', srv.url('live'), '--duration', '2.5', '--stats', 'json', '-q')
    assert.equal(json.code, 0, json.stderr)
    const objs = json.stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; elapsed: number; bytes: number; frames: number; packets: number })
    assert.ok(objs.length >= 2, json.stderr)
    assert.equal(objs.at(-1)!.type, 'end')
    for (const o of objs) assert.ok(o.bytes > 0 && o.frames > 0 && o.packets >= o.frames && o.elapsed > 0, JSON.stringify(o))

    const quiet = await rtspkit('publish', 'test:h264:320x240@25', srv.url('live'), '--duration', '1.5', '--quiet')
    assert.equal(quiet.code, 0, quiet.stderr)
    assert.equal(quiet.stderr, '')
  })

  it('publish to a path that takes no publisher exits 1', async () => {
    const r = await rtspkit('publish', 'test:h264:320x240@25', srv.url('cam'), '--duration', '1')
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /ANNOUNCE .* failed: 4\d\d /)
  })

  it('the server records every path as MP4 segments that ffprobe decodes', async () => {
    const dir = path.join(tmp, 'rec')
    const rec = await startServer({}, {})
    const recording = new ServerRecording(rec.server, { dir, segmentDurationMs: 1000 })
    const { addPath } = await import('../../src/server/paths.js')
    const { parseSourceSpec } = await import('../../src/sources/source-spec.js')
    const feed = addPath(rec.server, 'cam', parseSourceSpec(`file:${clip}`))
    try {
      await new Promise((r) => setTimeout(r, 3200))
    } finally {
      feed.stop()
      await recording.close()
      await rec.stop()
    }
    const files = readdirSync(path.join(dir, 'cam'))
      .filter((f) => f.endsWith('.mp4'))
      .sort()
    assert.ok(files.length >= 2, `segments: ${files.join(', ')}`)
    let total = 0
    for (const f of files) {
      const s = await countFrames(path.join(dir, 'cam', f))
      assert.equal(s[0]!.codec, 'h264')
      total += s[0]!.frames
      assert.ok(statSync(path.join(dir, 'cam', f)).size > 0)
    }
    assert.ok(total >= 70 && total <= 85, `${total} frames recorded in 3.2 s at 25 fps`)
  })
})
