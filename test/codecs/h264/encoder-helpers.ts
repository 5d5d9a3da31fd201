/** ffmpeg decoding and picture comparison for the H.264 encoder tests. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import type { YuvPicture } from '../../../src/codecs/h264/encoder/encoder.js'

const MAX_OUTPUT = 512 * 1024 * 1024
const START_CODE = Buffer.from([0, 0, 0, 1])

/** Access units (NAL unit lists) as an Annex-B byte stream. */
export function annexB(accessUnits: readonly (readonly Buffer[])[]): Buffer {
  return Buffer.concat(accessUnits.flatMap((au) => au.flatMap((n) => [START_CODE, n])))
}

/** Decodes an Annex-B stream with `ffmpeg -v error`; fails on any error output. */
export function ffmpegDecodeH264(stream: Buffer, pixFmt: 'yuv420p' | 'rgb24'): Buffer {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', pixFmt, '-'], {
    input: stream,
    maxBuffer: MAX_OUTPUT,
  })
  assert.equal(r.error, undefined, `could not run ffmpeg: ${String(r.error)}`)
  assert.equal(r.status, 0, `ffmpeg exited with ${r.status}: ${r.stderr.toString()}`)
  assert.equal(r.stderr.toString(), '', 'ffmpeg reported decoding errors')
  return r.stdout
}

/** The visible width x height of a (possibly padded) picture as packed yuv420p bytes. */
export function packYuv(p: YuvPicture, width: number, height: number): Buffer {
  const cw = width >> 1
  const ch = height >> 1
  const out = Buffer.alloc(width * height + 2 * cw * ch)
  for (let y = 0; y < height; y++) out.set(p.y.subarray(y * p.yStride, y * p.yStride + width), y * width)
  for (let y = 0; y < ch; y++) {
    out.set(p.u.subarray(y * p.uvStride, y * p.uvStride + cw), width * height + y * cw)
    out.set(p.v.subarray(y * p.uvStride, y * p.uvStride + cw), width * height + cw * ch + y * cw)
  }
  return out
}

/** PSNR in dB of two equally long sample arrays (Infinity when equal). */
export function psnr(a: Uint8Array, b: Uint8Array, from = 0, to = a.length): number {
  assert.equal(a.length, b.length, 'compared pictures differ in size')
  let se = 0
  for (let i = from; i < to; i++) {
    const d = a[i]! - b[i]!
    se += d * d
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * (to - from)) / se)
}

/** Packed yuv420p (BT.601 limited range) to rgb24, chroma nearest-neighbour; the inverse of the card's colours. */
export function yuvToRgb(yuv: Uint8Array, width: number, height: number): Buffer {
  const cw = width >> 1
  const ch = height >> 1
  const out = Buffer.alloc(width * height * 3)
  const clamp = (v: number): number => Math.min(255, Math.max(0, Math.round(v)))
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const Y = (yuv[y * width + x]! - 16) * (255 / 219)
      const ci = (y >> 1) * cw + (x >> 1)
      const U = (yuv[width * height + ci]! - 128) * (255 / 224)
      const V = (yuv[width * height + cw * ch + ci]! - 128) * (255 / 224)
      const o = (y * width + x) * 3
      out[o] = clamp(Y + 1.402 * V)
      out[o + 1] = clamp(Y - 0.344136 * U - 0.714136 * V)
      out[o + 2] = clamp(Y + 1.772 * U)
    }
  }
  return out
}
