import path from 'node:path'
import { ConfigError } from '../errors.js'
import type { RtspServer } from '../server/rtsp-server.js'
import type { ServerStream } from '../server/server-stream.js'
import { H264FileSource } from './h264-file.js'
import { TestCardSource } from './test-card.js'

/** A parsed `--path NAME=SOURCE` source. */
export type SourceSpec =
  | { kind: 'test'; width?: number; height?: number; fps?: number }
  | { kind: 'file'; path: string; format: 'h264' }

export interface SourceDefaults {
  /** Frame rate for the test card, and for files whose stream carries none. */
  fps?: number
  /** Test card size. */
  width?: number
  height?: number
}

const H264_EXTENSIONS = ['.264', '.h264', '.avc', '.26l', '.h26l', '.x264']
const TEST_FORM = /^test(?::(\d+)x(\d+))?(?:@(\d+(?:\.\d+)?))?$/

/**
 * Parses a source: `test`, `test:1280x720`, `test:1280x720@30`, `test@30`, or `file:PATH` (H.264 Annex-B:
 * .264 .h264 .avc .26l .h26l .x264).
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
    if (H264_EXTENSIONS.includes(ext)) return { kind: 'file', path: file, format: 'h264' }
    throw new ConfigError('ERR_SOURCE_TYPE', `cannot serve ${file}: unknown file type "${ext || '(none)'}"; supported: ${H264_EXTENSIONS.join(' ')} (H.264 Annex-B)`, {
      observed: ext,
      allowed: H264_EXTENSIONS,
    })
  }
  throw new ConfigError('ERR_SOURCE', `unknown source "${text}"; use test, test:WxH@FPS or file:PATH`, { observed: text, allowed: ['test', 'test:WxH@FPS', 'file:PATH'] })
}

export interface AttachedSource {
  readonly stream: ServerStream
  readonly description: string
  stop(): void
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

/**
 * A frame the codec refuses (a corrupt SPS in a file, say) is skipped and reported as the stream's
 * 'warning' event; it must not throw out of a timer and end the process.
 */
function pushSafely(stream: ServerStream, data: Buffer | Buffer[], ptsMs: number): void {
  try {
    stream.pushVideo(data, ptsMs)
  } catch (err) {
    stream.emit('warning', err)
  }
}

/**
 * Creates stream `name` on the server fed by `spec`. The test card only encodes while someone watches;
 * files play in a loop at their own frame rate from the moment they are attached (a live source).
 */
export function attachSource(server: RtspServer, name: string, spec: SourceSpec, defaults: SourceDefaults = {}): AttachedSource {
  if (spec.kind === 'test') {
    const width = spec.width ?? defaults.width ?? 640
    const height = spec.height ?? defaults.height ?? 480
    const fps = spec.fps ?? defaults.fps ?? 25
    checkSize(width, height)
    checkFps(fps)
    const source = new TestCardSource({ width, height, fps })
    const stream = server.addStream(name, { video: { codec: 'jpeg', width, height, fps } })
    source.start((jpeg, pts) => pushSafely(stream, jpeg, pts), () => stream.readerCount > 0)
    return { stream, description: `test card ${width}x${height}@${fps} (MJPEG)`, stop: () => source.stop() }
  }
  if (defaults.fps !== undefined) checkFps(defaults.fps)
  const source = new H264FileSource(spec.path, { fps: defaults.fps })
  const stream = server.addStream(name, { video: { codec: 'h264', sps: source.sps, pps: source.pps } })
  source.start((nalus, pts) => pushSafely(stream, nalus, pts))
  const info = source.spsInfo
  return {
    stream,
    description: `${path.basename(spec.path)} (H.264 ${info.width}x${info.height}@${Math.round(source.fps * 100) / 100}, looping)`,
    stop: () => source.stop(),
  }
}
