/**
 * What `rtspkit rtp send INPUT` can send: a test card (`test`, `test:WxH@FPS` and `test:mjpeg…` for
 * MJPEG, `test:h264`, `test:h264:WxH@FPS` for H.264) or a file, chosen by
 * its extension from FILE_INPUTS. Every input is a MediaSource plus a `done` promise that resolves
 * after the last frame of a file played once (it never resolves for live inputs or looping files).
 *
 * Adding a file type is one FILE_INPUTS entry: its extensions, a label for help and errors, and an
 * `open` returning a MediaSource (wrapped by `playOnce` when the source itself always loops).
 */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../errors.js'
import { AacFileSource } from './aac-file.js'
import { H264FileSource } from './h264-file.js'
import { H265FileSource } from './h265-file.js'
import { MjpegFileSource } from './mjpeg-file.js'
import { Mp4FileSource, mp4PlayableFamilies } from './mp4-file.js'
import { WavFileSource } from './wav-file.js'
import { aacTimeline, h264Timeline, h265Timeline, mjpegTimeline, mp4Timeline, wavTimeline } from './file-timelines.js'
import type { Timeline } from './timeline.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'
import { TestCardSource } from './test-card.js'
import { H264TestCardSource } from './h264-test-card.js'
import { systemClock, type Clock } from '../util/clock.js'
import { JpegSequenceSource, looksLikeJpegSequence, readJpegSequenceFile } from './jpeg-sequence-source.js'

export interface InputSource extends MediaSource {
  /** Resolves after the last frame of a finite input; pending forever for live and looping inputs. */
  readonly done: Promise<void>
}

export interface InputSourceOptions {
  /** Play files again from the start after their end (default false: send once, then `done`). */
  loop?: boolean
  /** Frame rate for the test card and for files without timing. */
  fps?: number | undefined
  /** Test card size (overridden by `test:WxH`). */
  width?: number | undefined
  height?: number | undefined
  clock?: Clock
}

export interface FileInputType {
  extensions: readonly string[]
  label: string
  open(file: string, opts: InputSourceOptions): InputSource
  /** The file as a timeline, for per-reader playback with seeking. */
  timeline(file: string, opts: { fps?: number | undefined }): Timeline
}

/** `test[:mjpeg|:h264][:WxH][@FPS]`; plain `test` is the MJPEG card. */
export const TEST_INPUT = /^test(?::(mjpeg|h264))?(?::(\d+)x(\d+))?(?:@(\d+(?:\.\d+)?))?$/
export type TestCardCodec = 'mjpeg' | 'h264'
const DEFAULT_TEST_WIDTH = 640
const DEFAULT_TEST_HEIGHT = 480
const DEFAULT_TEST_FPS = 25
const NEVER: Promise<void> = new Promise<void>(() => {})

/** A promise with its resolve function, for `done`. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** The live MJPEG test card (RFC 2435 JPEG). */
class TestCardInput implements InputSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  readonly done = NEVER
  private readonly card: TestCardSource

  constructor(width: number, height: number, fps: number, clock: Clock) {
    this.card = new TestCardSource({ width, height, fps, clock })
    this.tracks = [{ kind: 'video', codec: 'jpeg', width, height, fps }]
    this.description = `test card ${width}x${height}@${fps} (MJPEG)`
  }

  start(push: FramePush, wanted?: () => boolean): void {
    this.card.start((jpeg, pts) => push(0, jpeg, pts), wanted)
  }

  stop(): void {
    this.card.stop()
  }
}

/** The live H.264 test card, encoded in process; SPS and PPS are known up front for the SDP. */
class H264TestCardInput implements InputSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  readonly done = NEVER
  private readonly card: H264TestCardSource

  constructor(width: number, height: number, fps: number, clock: Clock) {
    this.card = new H264TestCardSource({ width, height, fps, clock })
    const { sps, pps } = this.card.card
    this.tracks = [{ kind: 'video', codec: 'h264', width, height, fps, sps, pps }]
    this.description = `test card ${width}x${height}@${fps} (H.264)`
  }

  start(push: FramePush, wanted?: () => boolean): void {
    this.card.start((nalus, pts) => push(0, nalus, pts), wanted)
  }

  stop(): void {
    this.card.stop()
  }
}

/** A source that stops itself at the end of a file played once, and says so through `running`. */
export interface SelfStoppingSource extends MediaSource {
  readonly running: boolean
}

/**
 * `done` for a source that stops itself at its end: after each push, once the current tick is over,
 * a source no longer running that nobody stopped has played its last frame.
 */
export function endWhenStopped(source: SelfStoppingSource): InputSource {
  const ended = deferred()
  let stopped = false
  let checking = false
  const check = (): void => {
    checking = false
    if (!stopped && !source.running) ended.resolve()
  }
  return {
    tracks: source.tracks,
    description: source.description,
    done: ended.promise,
    start(push, wanted) {
      stopped = false
      source.start((track, frame, pts) => {
        push(track, frame, pts)
        if (!checking) {
          checking = true
          setImmediate(check)
        }
      }, wanted)
    },
    stop() {
      stopped = true
      source.stop()
    },
  }
}

/** H264FileSource as a MediaSource (it predates the contract). */
function h264FileInput(file: string, opts: InputSourceOptions): InputSource {
  const loop = opts.loop ?? false
  const s = new H264FileSource(file, { fps: opts.fps, loop, clock: opts.clock ?? systemClock })
  const { width, height } = s.spsInfo
  const source: SelfStoppingSource = {
    tracks: [{ kind: 'video', codec: 'h264', width, height, fps: s.fps, sps: s.sps, pps: s.pps }],
    description: `${path.basename(file)} (H.264 ${width}x${height}@${Math.round(s.fps * 100) / 100}, ${loop ? 'looping' : 'once'})`,
    get running() {
      return s.running
    },
    start: (push) => s.start((nalus, pts) => push(0, nalus, pts)),
    stop: () => s.stop(),
  }
  return endWhenStopped(source)
}

/**
 * Plays a source that loops by itself (`frames` frames per pass) only once: after `frames` frames on
 * track 0 it stops and resolves `done`. With `loop`, it passes everything through.
 */
export function playOnce(source: MediaSource, frames: number, loop: boolean): InputSource {
  if (loop) {
    return {
      tracks: source.tracks,
      description: source.description,
      done: NEVER,
      start: (push, wanted) => source.start(push, wanted),
      stop: () => source.stop(),
    }
  }
  const ended = deferred()
  let sent = 0
  return {
    tracks: source.tracks,
    description: source.description.replace(/, looping\)$/, ')'),
    done: ended.promise,
    start(push, wanted) {
      source.start((track, frame, pts) => {
        if (sent >= frames) return
        push(track, frame, pts)
        if (track === 0 && ++sent >= frames) {
          source.stop()
          ended.resolve()
        }
      }, wanted)
    },
    stop: () => source.stop(),
  }
}

const HEAD_SIZE = 2

/** The first bytes of a file (fewer when it is shorter); read errors are left to the source that opens it. */
function readHead(file: string): Buffer {
  const head = Buffer.alloc(HEAD_SIZE)
  let fd: number | undefined
  try {
    fd = fs.openSync(file, 'r')
    return head.subarray(0, fs.readSync(fd, head, 0, HEAD_SIZE, 0))
  } catch {
    return head.subarray(0, 0)
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** File types by extension; a new file source is one more entry. */
export const FILE_INPUTS: readonly FileInputType[] = [
  {
    extensions: ['.264', '.h264', '.avc', '.26l', '.h26l', '.x264'],
    label: 'H.264 Annex-B',
    open: h264FileInput,
    timeline: h264Timeline,
  },
  {
    extensions: ['.265', '.h265', '.hevc', '.x265'],
    label: 'H.265 Annex-B',
    open: (file, opts) =>
      endWhenStopped(new H265FileSource(file, { fps: opts.fps, loop: opts.loop ?? false, clock: opts.clock ?? systemClock })),
    timeline: h265Timeline,
  },
  {
    extensions: ['.aac', '.adts'],
    label: 'AAC in ADTS',
    open: (file, opts) => endWhenStopped(new AacFileSource(file, { loop: opts.loop ?? false, clock: opts.clock ?? systemClock })),
    timeline: aacTimeline,
  },
  {
    extensions: ['.wav'],
    label: 'WAV: 16-bit PCM, G.711 µ-law or A-law',
    open: (file, opts) => endWhenStopped(new WavFileSource(file, { loop: opts.loop ?? false, clock: opts.clock ?? systemClock })),
    timeline: wavTimeline,
  },
  {
    extensions: ['.mp4', '.m4v', '.mov', '.m4a'],
    label: `MP4/QuickTime: ${mp4PlayableFamilies().join(', ')} (also fragmented)`,
    open: (file, opts) => endWhenStopped(new Mp4FileSource(file, { loop: opts.loop ?? false, clock: opts.clock ?? systemClock })),
    timeline: mp4Timeline,
  },
  {
    extensions: ['.mjpeg', '.mjpg'],
    label: 'MJPEG (JPEGs back to back, or 5-digit length + JPEG)',
    open: (file, opts) => {
      const clock = opts.clock ?? systemClock
      if (looksLikeJpegSequence(readHead(file))) {
        return endWhenStopped(new JpegSequenceSource(file, readJpegSequenceFile(file), { fps: opts.fps, loop: opts.loop ?? false, clock }))
      }
      const s = new MjpegFileSource(file, { ...(opts.fps !== undefined ? { fps: opts.fps } : {}), clock })
      return playOnce(s, s.frameCount, opts.loop ?? false)
    },
    timeline: mjpegTimeline,
  },
]

/** The file type of a path, by its extension (case-insensitive). */
export function findFileInput(file: string): FileInputType | undefined {
  const ext = path.extname(file).toLowerCase()
  return FILE_INPUTS.find((f) => f.extensions.includes(ext))
}

/** `.264 .h264 … (H.264 Annex-B); .265 … (H.265 Annex-B); …` for messages. */
export function describeFileInputs(): string {
  return FILE_INPUTS.map((f) => `${f.extensions.join(' ')} (${f.label})`).join('; ')
}

/** The extensions `openInputSource` accepts, for help text and errors. */
export function inputExtensions(): string[] {
  return FILE_INPUTS.flatMap((t) => t.extensions)
}

/**
 * Opens INPUT: `test`, `test:WxH`, `test@FPS`, `test:WxH@FPS` (the MJPEG card; also spelled
 * `test:mjpeg…`), `test:h264`, `test:h264:WxH@FPS` (the H.264 card), or a file path (optionally
 * `file:PATH`) whose extension is in FILE_INPUTS. Throws ConfigError with a one-line message otherwise.
 */
export function openInputSource(input: string, opts: InputSourceOptions = {}): InputSource {
  const t = TEST_INPUT.exec(input)
  if (t) {
    const width = t[2] ? Number(t[2]) : (opts.width ?? DEFAULT_TEST_WIDTH)
    const height = t[3] ? Number(t[3]) : (opts.height ?? DEFAULT_TEST_HEIGHT)
    const fps = t[4] ? Number(t[4]) : (opts.fps ?? DEFAULT_TEST_FPS)
    const clock = opts.clock ?? systemClock
    return t[1] === 'h264' ? new H264TestCardInput(width, height, fps, clock) : new TestCardInput(width, height, fps, clock)
  }
  const file = input.startsWith('file:') ? input.slice('file:'.length) : input
  const ext = path.extname(file).toLowerCase()
  const type = findFileInput(file)
  if (!type) {
    const known = describeFileInputs()
    throw new ConfigError(
      'ERR_RTP_INPUT',
      `cannot send ${file}: unknown input type "${ext || '(none)'}"; use test, test:WxH@FPS, test:h264[:WxH@FPS] or a file: ${known}`,
      { observed: ext, allowed: inputExtensions() },
    )
  }
  return type.open(file, opts)
}
