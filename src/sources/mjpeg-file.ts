/**
 * The MJPEG file format of the classic RTSP/RTP teaching project (Kurose & Ross lab, "video.mjpeg"):
 * each frame is 5 ASCII decimal digits giving the JPEG's length in bytes, then the JPEG itself,
 * repeated to the end of the file. There is no timing in the file; the lab's server sends one
 * frame every 50 ms, so 20 fps is the default.
 *
 * Frames that RFC 2435 cannot carry (progressive, custom Huffman tables, 4:4:4…) are decoded and
 * encoded again as baseline 4:2:0 when the file is loaded (codecs/jpeg/transcode.ts); the others are
 * sent as stored. The source's description says how many were re-encoded.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseJfif } from '../codecs/jpeg/jfif.js'
import { toRfc2435Jpeg } from '../codecs/jpeg/transcode.js'
import { ConfigError, RtspkitError } from '../errors.js'
import { systemClock, type Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'

const LENGTH_DIGITS = 5
const SOI = 0xffd8
export const MJPEG_DEFAULT_FPS = 20

export interface MjpegFile {
  frames: Buffer[]
  width: number
  height: number
  /** Frames re-encoded because RFC 2435 could not carry them as stored. */
  transcoded: number
}

/** Reads and checks the whole file; frames are views into one buffer, or re-encoded copies (see above). */
export function loadMjpegFile(file: string): MjpegFile {
  const name = path.basename(file)
  let buf: Buffer
  try {
    buf = readFileSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError('ERR_SOURCE_FILE', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      observed: file,
    })
  }
  const frames: Buffer[] = []
  let off = 0
  while (off < buf.length) {
    const digits = buf.subarray(off, off + LENGTH_DIGITS).toString('latin1')
    if (digits.length < LENGTH_DIGITS || !/^\d{5}$/.test(digits)) {
      if (/^\s*$/.test(buf.subarray(off).toString('latin1'))) break // trailing newline or padding
      throw new ConfigError('ERR_MJPEG_FORMAT', `${name} is not a 5-digit-length MJPEG file: bad length "${digits}" at byte ${off}`, {
        observed: digits,
        allowed: '5 ASCII digits',
      })
    }
    const len = Number(digits)
    off += LENGTH_DIGITS
    if (len === 0 || off + len > buf.length) {
      throw new ConfigError('ERR_MJPEG_FORMAT', `${name}: frame ${frames.length + 1} claims ${len} bytes but ${buf.length - off} remain`, {
        observed: len,
        allowed: buf.length - off,
      })
    }
    const jpeg = buf.subarray(off, off + len)
    if (jpeg.readUInt16BE(0) !== SOI) {
      throw new ConfigError('ERR_MJPEG_FORMAT', `${name}: frame ${frames.length + 1} is not a JPEG (no SOI marker)`, {
        observed: jpeg.subarray(0, 2).toString('hex'),
      })
    }
    frames.push(jpeg)
    off += len
  }
  if (frames.length === 0) throw new ConfigError('ERR_MJPEG_FORMAT', `${name} holds no frames`, { observed: buf.length })
  let transcoded = 0
  for (let i = 0; i < frames.length; i++) {
    try {
      const r = toRfc2435Jpeg(frames[i]!)
      frames[i] = r.jpeg
      if (r.transcoded) transcoded++
    } catch (err) {
      const why = err instanceof RtspkitError ? err.message : String(err)
      throw new ConfigError('ERR_MJPEG_FORMAT', `${name}: frame ${i + 1} cannot be sent as RTP/JPEG (RFC 2435): ${why}`, { observed: file })
    }
  }
  const info = parseJfif(frames[0]!)
  return { frames, width: info.width, height: info.height, transcoded }
}

/** Plays an MJPEG file as a live stream, looping, at `fps` (default 20). */
export class MjpegFileSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  private readonly file: MjpegFile
  private readonly pacer: Pacer
  private push: FramePush | undefined
  private wanted: (() => boolean) | undefined

  constructor(file: string, opts: { fps?: number; clock?: Clock } = {}) {
    this.file = loadMjpegFile(file)
    const fps = opts.fps ?? MJPEG_DEFAULT_FPS
    this.tracks = [{ kind: 'video', codec: 'jpeg', width: this.file.width, height: this.file.height, fps }]
    const reencoded = this.file.transcoded > 0 ? `, ${this.file.transcoded} re-encoded as baseline JPEG for RTP/JPEG` : ''
    this.description = `${path.basename(file)} (MJPEG ${this.file.width}x${this.file.height}@${fps}, ${this.file.frames.length} frames${reencoded}, looping)`
    this.pacer = new Pacer(fps, (i, pts) => this.tick(i, pts), opts.clock ?? systemClock)
  }

  get frameCount(): number {
    return this.file.frames.length
  }

  start(push: FramePush, wanted?: () => boolean): void {
    this.push = push
    this.wanted = wanted
    this.pacer.start()
  }

  stop(): void {
    this.pacer.stop()
  }

  private tick(index: number, ptsMs: number): void {
    if (this.wanted && !this.wanted()) return
    this.push?.(0, this.file.frames[index % this.file.frames.length]!, ptsMs)
  }
}
