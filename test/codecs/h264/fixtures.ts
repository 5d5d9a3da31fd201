/** Test-only helpers for H.264: ffmpeg-generated clips and a bit writer to craft parameter sets. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BitReader } from '../../../src/util/bit-reader.js'
import { toRbsp } from '../../../src/codecs/h264/nal.js'

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rtspkit-${prefix}-`))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

function run(cmd: string, args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error) throw r.error
  if (r.status !== 0) throw new TypeError(`${cmd} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  return { stdout: r.stdout, stderr: r.stderr }
}

export interface ClipOptions {
  size?: string
  rate?: number
  frames: number
  /** Extra libx264 / output options. */
  args?: readonly string[]
}

/** Encodes the lavfi test card with libx264 into a raw Annex-B file; returns its path. */
export function makeClip(dir: string, name: string, opts: ClipOptions): string {
  const out = join(dir, name)
  run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${opts.size ?? '320x240'}:rate=${opts.rate ?? 25}`,
    '-frames:v',
    String(opts.frames),
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    ...(opts.args ?? []),
    '-bsf:v',
    'h264_mp4toannexb',
    '-f',
    'h264',
    out,
  ])
  return out
}

/** Decodes a file with ffmpeg; returns ffmpeg's stderr at -v error (empty when clean). */
export function ffmpegDecodeErrors(path: string): string {
  return run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']).stderr
}

/** Number of frames ffprobe decodes from a file. */
export function ffprobeFrameCount(path: string): number {
  const { stdout } = run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    path,
  ])
  return Number(stdout.trim())
}

/** MSB-first bit writer with Exp-Golomb, to build parameter sets in tests. */
export class TestBitWriter {
  private bits: number[] = []

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2)
    return this
  }

  flag(b: boolean): this {
    return this.u(1, b ? 1 : 0)
  }

  ue(value: number): this {
    const v = value + 1
    const len = Math.floor(Math.log2(v))
    this.u(len, 0)
    return this.u(len + 1, v)
  }

  se(value: number): this {
    return this.ue(value <= 0 ? -2 * value : 2 * value - 1)
  }

  /** rbsp_trailing_bits: a one bit, then zeros to the byte boundary. */
  trailing(): this {
    this.bits.push(1)
    while (this.bits.length % 8 !== 0) this.bits.push(0)
    return this
  }

  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8))
    this.bits.forEach((b, i) => {
      out[i >> 3]! |= b << (7 - (i & 7))
    })
    return out
  }
}

/** Inserts emulation-prevention bytes (H.264 7.4.1): 0x0000 followed by 00..03 gets a 0x03 between. */
export function addEmulationPrevention(rbsp: Buffer): Buffer {
  const out: number[] = []
  let zeros = 0
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3)
      zeros = 0
    }
    out.push(b)
    zeros = b === 0 ? zeros + 1 : 0
  }
  return Buffer.from(out)
}

/**
 * Rewrites a Baseline / Main SPS (profile without the high-profile fields, frame_mbs_only) with
 * vui_parameters_present_flag = 0: the same stream, without a frame rate.
 */
export function stripVui(sps: Buffer): Buffer {
  const r = new BitReader(toRbsp(sps.subarray(1)))
  const w = new TestBitWriter()
  w.u(8, r.readBits(8)).u(8, r.readBits(8)).u(8, r.readBits(8)) // profile, constraints, level
  w.ue(r.readUe()) // sps id
  w.ue(r.readUe()) // log2_max_frame_num_minus4
  const poc = r.readUe()
  w.ue(poc)
  if (poc === 0) w.ue(r.readUe())
  else if (poc === 1) throw new TypeError('stripVui: poc type 1 not handled')
  w.ue(r.readUe()) // max_num_ref_frames
  w.u(1, r.readBit()) // gaps
  w.ue(r.readUe()).ue(r.readUe()) // width, height
  const frameMbsOnly = r.readBit()
  w.u(1, frameMbsOnly)
  if (!frameMbsOnly) w.u(1, r.readBit())
  w.u(1, r.readBit()) // direct_8x8
  const crop = r.readBit()
  w.u(1, crop)
  if (crop) for (let i = 0; i < 4; i++) w.ue(r.readUe())
  w.flag(false) // vui_parameters_present_flag
  return Buffer.concat([sps.subarray(0, 1), addEmulationPrevention(w.trailing().bytes())])
}
