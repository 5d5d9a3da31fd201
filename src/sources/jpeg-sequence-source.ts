/**
 * A file of JPEG images back to back (what `ffmpeg -f mjpeg` and `rtspkit rtp recv --out x.mjpeg`
 * write), played as a live MJPEG track. Images are delimited by walking their markers (ITU-T T.81
 * B.1.1.2 / Annex B): length-prefixed segments up to SOS, then entropy-coded data in which 0xFF is
 * only followed by 0x00 (stuffing) or RSTn (B.1.1.5), up to the next marker, until EOI. Walking the
 * segments, not searching for FF D9, keeps EXIF thumbnails (a JPEG inside APP1) from splitting an image.
 *
 * Kept here until it moves to sources/ next to mjpeg-file.ts (the 5-digit length format).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ConfigError, RtspkitError, StateError } from '../errors.js'
import { parseJfif } from '../codecs/jpeg/jfif.js'
import { Pacer } from './pacer.js'
import type { FramePush, TrackInfo } from './source.js'
import { systemClock, type Clock } from '../util/clock.js'

const MARKER = 0xff
const SOI = 0xd8
const EOI = 0xd9
const SOS = 0xda
const RST0 = 0xd0
const RST7 = 0xd7
const TEM = 0x01
const STUFFED = 0x00
const MARKER_SIZE = 2
const LENGTH_SIZE = 2
export const JPEG_SEQUENCE_DEFAULT_FPS = 25
/** Largest file read into memory. */
export const MAX_JPEG_SEQUENCE_FILE_SIZE = 1024 * 1024 * 1024

/** True when the bytes start with SOI: a plain JPEG sequence rather than the length-prefixed format. */
export function looksLikeJpegSequence(head: Uint8Array): boolean {
  return head.length >= MARKER_SIZE && head[0] === MARKER && head[1] === SOI
}

/** Offset just after the EOI of the image starting at `start` (which holds SOI), or -1 if it is cut short. */
function imageEnd(buf: Buffer, start: number): number {
  let p = start + MARKER_SIZE
  for (;;) {
    if (p + MARKER_SIZE > buf.length) return -1
    if (buf[p] !== MARKER) return -1
    let m = buf[p + 1]!
    while (m === MARKER && p + MARKER_SIZE < buf.length) m = buf[++p + 1]! // fill bytes before a marker
    if (m === EOI) return p + MARKER_SIZE
    if (m === TEM || (m >= RST0 && m <= RST7)) {
      p += MARKER_SIZE
      continue
    }
    if (p + MARKER_SIZE + LENGTH_SIZE > buf.length) return -1
    p += MARKER_SIZE + buf.readUInt16BE(p + MARKER_SIZE)
    if (m !== SOS) continue
    // Entropy-coded data: up to the next marker that is neither stuffing nor a restart marker.
    for (;;) {
      const i = buf.indexOf(MARKER, p)
      if (i < 0 || i + 1 >= buf.length) return -1
      const next = buf[i + 1]!
      if (next === STUFFED || (next >= RST0 && next <= RST7) || next === MARKER) {
        p = i + 1
        continue
      }
      p = i
      break
    }
  }
}

/** Splits a JPEG sequence into images (views into `buf`). Throws ConfigError naming `file`. */
export function splitJpegSequence(buf: Buffer, file: string): Buffer[] {
  const name = path.basename(file)
  const frames: Buffer[] = []
  let off = 0
  while (off < buf.length) {
    if (buf[off] !== MARKER || buf[off + 1] !== SOI) {
      if (buf.subarray(off).every((b) => b === 0 || b === 0x0a || b === 0x0d || b === 0x20)) break // padding at the end
      throw new ConfigError('ERR_MJPEG_FORMAT', `${name}: image ${frames.length + 1} does not start with SOI (FF D8) at byte ${off}`, {
        observed: buf.subarray(off, off + 2).toString('hex'),
        allowed: 'ffd8',
      })
    }
    const end = imageEnd(buf, off)
    if (end < 0)
      throw new ConfigError('ERR_MJPEG_FORMAT', `${name}: image ${frames.length + 1} at byte ${off} is cut short (no EOI)`, {
        observed: off,
      })
    frames.push(buf.subarray(off, end))
    off = end
  }
  if (frames.length === 0) throw new ConfigError('ERR_MJPEG_FORMAT', `${name} holds no JPEG images`, { observed: buf.length })
  return frames
}

export interface JpegSequenceSourceOptions {
  /** Default 25: the file carries no timing. */
  fps?: number | undefined
  /** Play again from the first image after the last (default true); when false the source stops itself. */
  loop?: boolean
  clock?: Clock
}

export class JpegSequenceSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  readonly frames: readonly Buffer[]
  private readonly loop: boolean
  private readonly pacer: Pacer
  private push: FramePush | undefined
  private cursor = 0

  /** Reads and checks the file (the first image must be a JPEG RFC 2435 can carry). */
  constructor(file: string, data: Buffer, opts: JpegSequenceSourceOptions = {}) {
    this.frames = splitJpegSequence(data, file)
    let info
    try {
      info = parseJfif(this.frames[0]!)
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
      throw new ConfigError(
        'ERR_MJPEG_FORMAT',
        `${path.basename(file)}: its JPEGs cannot be sent as RTP/JPEG (RFC 2435): ${err.message}`,
        { observed: file },
        { cause: err },
      )
    }
    const fps = opts.fps ?? JPEG_SEQUENCE_DEFAULT_FPS
    this.loop = opts.loop ?? true
    this.tracks = [{ kind: 'video', codec: 'jpeg', width: info.width, height: info.height, fps }]
    this.description = `${path.basename(file)} (MJPEG ${info.width}x${info.height}@${fps}, ${this.frames.length} images, ${this.loop ? 'looping' : 'once'})`
    this.pacer = new Pacer(fps, (_i, pts) => this.tick(pts), opts.clock ?? systemClock)
  }

  get running(): boolean {
    return this.pacer.running
  }

  start(push: FramePush): void {
    if (this.pacer.running) throw new StateError('ERR_SOURCE_STARTED', 'JPEG sequence source is already started')
    this.push = push
    this.pacer.start()
  }

  /** Idempotent; clears the timer. */
  stop(): void {
    this.pacer.stop()
  }

  private tick(ptsMs: number): void {
    if (this.cursor >= this.frames.length) this.cursor = 0
    this.push?.(0, this.frames[this.cursor++]!, ptsMs)
    if (!this.loop && this.cursor >= this.frames.length) this.pacer.stop()
  }
}

/** Reads `file` for JpegSequenceSource, with the one-line errors of the other file sources. */
export function readJpegSequenceFile(file: string): Buffer {
  try {
    const data = readFileSync(file)
    if (data.length > MAX_JPEG_SEQUENCE_FILE_SIZE) {
      throw new ConfigError('ERR_SOURCE_FILE', `${file} is larger than ${MAX_JPEG_SEQUENCE_FILE_SIZE} bytes`, {
        observed: data.length,
        allowed: MAX_JPEG_SEQUENCE_FILE_SIZE,
      })
    }
    return data
  } catch (err) {
    if (err instanceof RtspkitError) throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError(
      'ERR_SOURCE_FILE',
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { observed: file },
      { cause: err },
    )
  }
}
