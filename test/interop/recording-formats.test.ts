// Every codec a path carries is recorded: the MJPEG test card (which MP4 cannot hold) goes to Matroska
// on its own, `recordFormat: matroska` records H.264 as Matroska too, `recordPath` names the files, and
// the segment events drive the log lines. ffprobe and ffmpeg decode every file without an error.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { tempDir } from '../helpers/audio-interop.js'
import { serveRtspkit } from '../rtp/cli-process.js'

const RECORD_MS = 3000

function probe(file: string): Promise<{ codec: string; frames: number; errors: string }> {
  return new Promise((resolve) =>
    execFile(
      'ffprobe',
      ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', file],
      (_e, out, probeErr) =>
        execFile('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], (_e2, _o, decodeErr) =>
          resolve({
            codec: /codec_name=(\w+)/.exec(out)?.[1] ?? '',
            frames: Number(/nb_read_frames=(\d+)/.exec(out)?.[1]),
            errors: `${probeErr}${decodeErr}`.trim(),
          }),
        ),
    ),
  )
}

describe('recording formats', () => {
  const tmp = tempDir('recfmt')
  after(() => tmp.cleanup())

  it('MJPEG goes to Matroska by itself; recordFormat and recordPath apply per path', async () => {
    const config = path.join(tmp.dir, 'rtspkit.yml')
    writeFileSync(
      config,
      [
        'api: { enabled: false }',
        'hls: { enabled: false }',
        'webrtc: { enabled: false }',
        `recording: { dir: ${JSON.stringify(path.join(tmp.dir, 'rec'))} }`,
        'paths:',
        '  mj: { source: test, record: true }',
        '  h264: { source: "test:h264", record: true }',
        `  mk: { source: "test:h264", record: true, recordFormat: matroska, recordPath: ${JSON.stringify(path.join(tmp.dir, 'other/%path/%s'))} }`,
        '',
      ].join('\n'),
    )
    const srv = await serveRtspkit(['--config', config, '--port', '0'], 30_000)
    await new Promise((r) => setTimeout(r, RECORD_MS))
    assert.equal(await srv.stop(), 0)
    const out = srv.out()
    assert.match(out, /recording \/mj: MP4 cannot hold jpeg video: recording as Matroska \(\.mkv\)/)
    const files = (dir: string): string[] => readdirSync(dir).map((f) => path.join(dir, f))
    const [mj] = files(path.join(tmp.dir, 'rec', 'mj'))
    const [h264] = files(path.join(tmp.dir, 'rec', 'h264'))
    const [mk] = files(path.join(tmp.dir, 'other', 'mk'))
    assert.match(mj!, /\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{6}\.mkv$/)
    assert.match(h264!, /\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{6}\.mp4$/)
    assert.match(mk!, /other\/mk\/\d{10}\.mkv$/)
    for (const [file, codec] of [
      [mj!, 'mjpeg'],
      [h264!, 'h264'],
      [mk!, 'h264'],
    ] as const) {
      const p = await probe(file)
      assert.equal(p.errors, '', file)
      assert.equal(p.codec, codec, file)
      assert.ok(p.frames >= 25, `${file}: ${p.frames} frames`)
      // 'segmentCreate' and 'segmentComplete' of the recorder, as the log shows them.
      assert.ok(
        out.includes(`writing ${file}`) || out.includes(`writing ${path.relative(process.cwd(), file)}`),
        `created: ${file}\n${out}`,
      )
      assert.ok(out.includes(`finished ${file}`) || out.includes(`finished ${path.relative(process.cwd(), file)}`), `completed: ${file}`)
    }
  })
})
