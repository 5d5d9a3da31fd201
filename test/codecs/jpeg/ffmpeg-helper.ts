/** Runs the real ffmpeg decoder on our JPEGs (interop: if ffmpeg accepts it, so do real players). */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type RawPixFmt = 'yuv420p' | 'rgb24' | 'gray'

const MAX_OUTPUT = 256 * 1024 * 1024

/** Decodes `jpeg` with `ffmpeg -v error -i f.jpg -f rawvideo -pix_fmt FMT -`; fails on any ffmpeg error output. */
export function ffmpegDecode(jpeg: Uint8Array, pixFmt: RawPixFmt): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'rtspkit-jpeg-'))
  try {
    const file = join(dir, 'f.jpg')
    writeFileSync(file, jpeg)
    const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', pixFmt, '-'], {
      maxBuffer: MAX_OUTPUT,
    })
    assert.equal(r.error, undefined, `could not run ffmpeg: ${String(r.error)}`)
    assert.equal(r.status, 0, `ffmpeg exited with ${r.status}: ${r.stderr.toString()}`)
    assert.equal(r.stderr.toString(), '', 'ffmpeg reported decoding errors')
    return r.stdout
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Makes a JPEG with ffmpeg's own encoder from its `testsrc` pattern. */
export function ffmpegMakeJpeg(width: number, height: number, extraArgs: string[]): Buffer {
  const r = spawnSync(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${width}x${height}:rate=1`,
      '-frames:v',
      '1',
      ...extraArgs,
      '-f',
      'mjpeg',
      '-',
    ],
    { maxBuffer: MAX_OUTPUT },
  )
  assert.equal(r.status, 0, `ffmpeg exited with ${r.status}: ${r.stderr?.toString()}`)
  return r.stdout
}

/** Size of a yuv420p frame as ffmpeg writes it. */
export function yuv420pSize(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2)
}
