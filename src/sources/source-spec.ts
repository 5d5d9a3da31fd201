import path from 'node:path'
import { ConfigError } from '../errors.js'
import type { RtspServer } from '../server/rtsp-server.js'
import type { AudioTrackSpec, ServerStream, StreamSpec, VideoTrackSpec } from '../server/server-stream.js'
import { AacFileSource } from './aac-file.js'
import { H264FileSource } from './h264-file.js'
import { H265FileSource } from './h265-file.js'
import { MjpegFileSource } from './mjpeg-file.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'
import { TestCardSource } from './test-card.js'
import { WavFileSource } from './wav-file.js'

/** A parsed `--path NAME=SOURCE` source. */
export type SourceSpec =
  | { kind: 'test'; width?: number; height?: number; fps?: number }
  | { kind: 'file'; path: string; format: FileFormat }

export type FileFormat = 'h264' | 'h265' | 'mjpeg' | 'aac' | 'wav'

export interface SourceDefaults {
  /** Frame rate for the test card, and for files whose stream carries none. */
  fps?: number
  /** Test card size. */
  width?: number
  height?: number
}

/** File extensions (lower case) → format. MJPEG is the teaching project's 5-digit-length format. */
const FILE_FORMATS: Record<string, FileFormat> = {
  '.264': 'h264',
  '.h264': 'h264',
  '.avc': 'h264',
  '.26l': 'h264',
  '.h26l': 'h264',
  '.x264': 'h264',
  '.265': 'h265',
  '.h265': 'h265',
  '.hevc': 'h265',
  '.mjpeg': 'mjpeg',
  '.mjpg': 'mjpeg',
  '.aac': 'aac',
  '.wav': 'wav',
}
const FORMAT_NAMES: Record<FileFormat, string> = {
  h264: 'H.264 Annex-B',
  h265: 'H.265 Annex-B',
  mjpeg: 'MJPEG, 5-digit length + JPEG',
  aac: 'AAC ADTS',
  wav: 'WAV with PCM 16-bit, mu-law or A-law',
}
const TEST_FORM = /^test(?::(\d+)x(\d+))?(?:@(\d+(?:\.\d+)?))?$/

function supportedList(): string {
  const byFormat = new Map<FileFormat, string[]>()
  for (const [ext, f] of Object.entries(FILE_FORMATS)) byFormat.set(f, [...(byFormat.get(f) ?? []), ext])
  return [...byFormat].map(([f, exts]) => `${exts.join(' ')} (${FORMAT_NAMES[f]})`).join(', ')
}

/**
 * Parses a source: `test`, `test:1280x720`, `test:1280x720@30`, `test@30`, or `file:PATH`
 * (the format follows the extension; see FILE_FORMATS).
 */
export function parseSourceSpec(text: string): SourceSpec {
  const t = TEST_FORM.exec(text)
  if (t) {
    return {
      kind: 'test',
      width: t[1] ? Number(t[1]) : undefined,
      height: t[2] ? Number(t[2]) : undefined,
      fps: t[3] ? Number(t[3]) : undefined,
    }
  }
  if (text.startsWith('file:')) {
    const file = text.slice('file:'.length)
    if (!file) throw new ConfigError('ERR_SOURCE', 'file: needs a path, e.g. file:clip.264', { observed: text })
    const ext = path.extname(file).toLowerCase()
    const format = FILE_FORMATS[ext]
    if (format) return { kind: 'file', path: file, format }
    throw new ConfigError('ERR_SOURCE_TYPE', `cannot serve ${file}: unknown file type "${ext || '(none)'}"; supported: ${supportedList()}`, {
      observed: ext,
      allowed: Object.keys(FILE_FORMATS),
    })
  }
  throw new ConfigError('ERR_SOURCE', `unknown source "${text}"; use test, test:WxH@FPS or file:PATH`, { observed: text, allowed: ['test', 'test:WxH@FPS', 'file:PATH'] })
}

function checkSize(width: number, height: number): void {
  if (width < 16 || height < 16 || width > 2040 || height > 2040 || width % 2 || height % 2) {
    throw new ConfigError('ERR_TEST_SIZE', `test card size ${width}x${height} is out of range; use even sizes from 16x16 to 2040x2040`, {
      observed: `${width}x${height}`,
      allowed: '16..2040, even',
    })
  }
}

function checkFps(fps: number): void {
  if (!(fps > 0 && fps <= 240)) throw new ConfigError('ERR_FPS', `frame rate ${fps} is out of range; use 0 < fps <= 240`, { observed: fps, allowed: '(0, 240]' })
}

/** The built-in test card as a MediaSource. */
class TestCardMediaSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  private readonly card: TestCardSource

  constructor(width: number, height: number, fps: number) {
    this.card = new TestCardSource({ width, height, fps })
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

/** An H.264 Annex-B file as a MediaSource. */
class H264FileMediaSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  private readonly file: H264FileSource

  constructor(file: string, fps: number | undefined) {
    this.file = new H264FileSource(file, { fps })
    const info = this.file.spsInfo
    this.tracks = [{ kind: 'video', codec: 'h264', sps: this.file.sps, pps: this.file.pps, width: info.width, height: info.height, fps: this.file.fps }]
    this.description = `${path.basename(file)} (H.264 ${info.width}x${info.height}@${Math.round(this.file.fps * 100) / 100}, looping)`
  }

  start(push: FramePush): void {
    this.file.start((nalus, pts) => push(0, nalus, pts))
  }

  stop(): void {
    this.file.stop()
  }
}

/** Opens the source a spec names (files are read and checked here, so errors surface before serving). */
export function createSource(spec: SourceSpec, defaults: SourceDefaults = {}): MediaSource {
  if (defaults.fps !== undefined) checkFps(defaults.fps)
  if (spec.kind === 'test') {
    const width = spec.width ?? defaults.width ?? 640
    const height = spec.height ?? defaults.height ?? 480
    const fps = spec.fps ?? defaults.fps ?? 25
    checkSize(width, height)
    checkFps(fps)
    return new TestCardMediaSource(width, height, fps)
  }
  switch (spec.format) {
    case 'h264':
      return new H264FileMediaSource(spec.path, defaults.fps)
    case 'h265':
      return new H265FileSource(spec.path, { fps: defaults.fps })
    case 'mjpeg':
      return new MjpegFileSource(spec.path, { fps: defaults.fps })
    case 'aac':
      return new AacFileSource(spec.path)
    case 'wav':
      return new WavFileSource(spec.path)
  }
}

/** The stream layout a source needs. */
export function streamSpecFor(tracks: readonly TrackInfo[]): StreamSpec {
  const spec: StreamSpec = {}
  for (const t of tracks) {
    if (t.kind === 'video' && !spec.video) spec.video = { ...t } as VideoTrackSpec
    else if (t.kind === 'audio' && !spec.audio) spec.audio = { ...t } as AudioTrackSpec
  }
  return spec
}

export interface AttachedSource {
  readonly stream: ServerStream
  readonly description: string
  stop(): void
}

/**
 * Serves `source` as stream `name`. Frames the codec refuses (a corrupt SPS in a file, say) are skipped
 * and reported as the stream's 'warning' event: they must not throw out of a timer and end the process.
 */
export function attachMediaSource(server: RtspServer, name: string, source: MediaSource): AttachedSource {
  const stream = server.addStream(name, streamSpecFor(source.tracks))
  // Source track i → stream track: the stream keeps one video then one audio track.
  const map = source.tracks.map((t) => stream.tracks.find((st) => st.media.kind === t.kind))
  source.start(
    (track, frame, pts) => {
      const target = map[track]
      if (!target) return
      try {
        stream.pushFrame(target, frame, pts)
      } catch (err) {
        stream.emit('warning', err)
      }
    },
    () => stream.readerCount > 0,
  )
  return { stream, description: source.description, stop: () => source.stop() }
}

/** Creates stream `name` on the server fed by the source `spec` names. */
export function attachSource(server: RtspServer, name: string, spec: SourceSpec, defaults: SourceDefaults = {}): AttachedSource {
  return attachMediaSource(server, name, createSource(spec, defaults))
}
