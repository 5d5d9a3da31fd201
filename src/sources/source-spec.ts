import path from 'node:path'
import { ConfigError } from '../errors.js'
import { parseRtspUrl } from '../rtsp/url.js'
import type { PublishPathOptions, RtspServer } from '../server/rtsp-server.js'
import type { ServerStream, StreamSpec } from '../server/server-stream.js'
import { checkFfmpegInputArgs, splitCommandLine } from './ffmpeg-args.js'
import { TEST_INPUT, describeFileInputs, findFileInput, inputExtensions, openInputSource, type TestCardCodec } from './input-source.js'
import type { MediaSource, TrackInfo } from './source.js'

/** A parsed `--path NAME=SOURCE` source. */
export type SourceSpec =
  /** A built-in test card: `codec` 'mjpeg' (plain `test`, `test:mjpeg…`) or 'h264' (`test:h264…`). */
  | { kind: 'test'; codec?: TestCardCodec; width?: number; height?: number; fps?: number }
  | { kind: 'file'; path: string }
  /** A file each reader plays from its start (seekable), ending its session at the end unless looping. */
  | { kind: 'unshared'; path: string; loop: boolean }
  /** The path takes one publisher (ANNOUNCE + RECORD), e.g. ffmpeg -f rtsp or GStreamer rtspclientsink. */
  | { kind: 'publish'; options: PublishPathOptions }
  /** Pulled from another RTSP server or camera (a relay), e.g. rtsp://user:pass@camera/stream. */
  | { kind: 'relay'; url: string }
  /** ffmpeg run with these input arguments, its output served as H.264 (see sources/ffmpeg-args.ts). */
  | { kind: 'ffmpeg'; args: string[] }

/** Sources that produce frames in this process (not a publisher, not a relay). */
export type LocalSourceSpec = Extract<SourceSpec, { kind: 'test' | 'file' }>

export interface SourceDefaults {
  /** Frame rate for the test card, and for files whose stream carries none. */
  fps?: number
  /** Test card size. */
  width?: number
  height?: number
}

/**
 * Parses a source: `test`, `test:1280x720`, `test:1280x720@30`, `test@30` (the MJPEG card, also as
 * `test:mjpeg`, `test:mjpeg:1280x720@30`…), `test:h264`, `test:h264:1280x720@30` (the H.264 card), `file:PATH` (the file
 * type follows the extension; see FILE_INPUTS in input-source.ts), `publish[:stay,takeover]`,
 * `rtsp://…` (a relay) or `ffmpeg:ARGS` (ARGS split like a shell's words, e.g. `ffmpeg:-f v4l2 -i /dev/video0`).
 */
export function parseSourceSpec(text: string): SourceSpec {
  const t = TEST_INPUT.exec(text)
  if (t) {
    return {
      kind: 'test',
      codec: t[1] === 'h264' ? 'h264' : 'mjpeg',
      width: t[2] ? Number(t[2]) : undefined,
      height: t[3] ? Number(t[3]) : undefined,
      fps: t[4] ? Number(t[4]) : undefined,
    }
  }
  const pub = /^publish(?::(.*))?$/.exec(text)
  if (pub) return { kind: 'publish', options: parsePublishOptions(text, pub[1]) }
  const unshared = /^unshared(\+loop)?:(.*)$/.exec(text)
  if (unshared) {
    const file = unshared[2]!
    if (!file) throw new ConfigError('ERR_SOURCE', `${text} needs a path, e.g. unshared:clip.mp4`, { observed: text })
    if (!findFileInput(file)) {
      throw new ConfigError(
        'ERR_SOURCE_TYPE',
        `cannot serve ${file}: unknown file type "${path.extname(file).toLowerCase() || '(none)'}"; supported: ${describeFileInputs()}`,
        { observed: file, allowed: inputExtensions() },
      )
    }
    return { kind: 'unshared', path: file, loop: unshared[1] !== undefined }
  }
  if (text.startsWith('file:')) {
    const file = text.slice('file:'.length)
    if (!file) throw new ConfigError('ERR_SOURCE', 'file: needs a path, e.g. file:clip.264', { observed: text })
    if (findFileInput(file)) return { kind: 'file', path: file }
    const ext = path.extname(file).toLowerCase()
    throw new ConfigError(
      'ERR_SOURCE_TYPE',
      `cannot serve ${file}: unknown file type "${ext || '(none)'}"; supported: ${describeFileInputs()}`,
      {
        observed: ext,
        allowed: inputExtensions(),
      },
    )
  }
  if (text.startsWith('ffmpeg:')) {
    const args = splitCommandLine(text.slice('ffmpeg:'.length))
    checkFfmpegInputArgs(args)
    return { kind: 'ffmpeg', args }
  }
  if (/^rtsps?:\/\//i.test(text)) {
    try {
      parseRtspUrl(text)
    } catch (err) {
      throw new ConfigError('ERR_SOURCE', `bad relay URL "${text}": ${(err as Error).message}`, { observed: text }, { cause: err })
    }
    return { kind: 'relay', url: text }
  }
  throw new ConfigError(
    'ERR_SOURCE',
    `unknown source "${text}"; use test, test:WxH@FPS, test:h264[:WxH@FPS], file:PATH, unshared:PATH, publish, rtsp://HOST/PATH or ffmpeg:ARGS`,
    {
      observed: text,
      allowed: [
        'test',
        'test:WxH@FPS',
        'test:mjpeg[:WxH@FPS]',
        'test:h264[:WxH@FPS]',
        'file:PATH',
        'unshared:PATH',
        'unshared+loop:PATH',
        'publish',
        'rtsp://…',
        'ffmpeg:ARGS',
      ],
    },
  )
}

const PUBLISH_FLAGS = ['stay', 'takeover']

/** `publish:stay,takeover`: readers stay for the next publisher; a new publisher replaces the current one. */
function parsePublishOptions(text: string, list: string | undefined): PublishPathOptions {
  const options: PublishPathOptions = {}
  if (list === undefined) return options
  for (const flag of list.split(',')) {
    if (flag === 'stay') options.onPublisherLeave = 'stay'
    else if (flag === 'takeover') options.onSecondPublisher = 'takeover'
    else {
      throw new ConfigError(
        'ERR_SOURCE',
        `unknown publish option "${flag}" in "${text}"; use publish, publish:stay, publish:takeover or publish:stay,takeover`,
        {
          observed: flag,
          allowed: PUBLISH_FLAGS,
        },
      )
    }
  }
  return options
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
  if (!(fps > 0 && fps <= 240))
    throw new ConfigError('ERR_FPS', `frame rate ${fps} is out of range; use 0 < fps <= 240`, { observed: fps, allowed: '(0, 240]' })
}

/**
 * Opens the source a spec names, as a live source: files loop forever. Files are read and checked
 * here, so errors surface before serving.
 */
export function createSource(spec: LocalSourceSpec, defaults: SourceDefaults = {}): MediaSource {
  if (defaults.fps !== undefined) checkFps(defaults.fps)
  if (spec.kind === 'test') {
    const width = spec.width ?? defaults.width ?? 640
    const height = spec.height ?? defaults.height ?? 480
    const fps = spec.fps ?? defaults.fps ?? 25
    checkSize(width, height)
    checkFps(fps)
    return openInputSource(`test:${spec.codec ?? 'mjpeg'}:${width}x${height}@${fps}`)
  }
  return openInputSource(spec.path, { fps: defaults.fps, loop: true })
}

/** The stream layout a source needs. */
export function streamSpecFor(tracks: readonly TrackInfo[]): StreamSpec {
  const spec: StreamSpec = {}
  for (const t of tracks) {
    if (t.kind === 'video' && !spec.video) spec.video = { ...t }
    else if (t.kind === 'audio' && !spec.audio) spec.audio = { ...t }
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
    () => stream.wanted,
  )
  return { stream, description: source.description, stop: () => source.stop() }
}

/** Creates stream `name` on the server fed by the source `spec` names. */
export function attachSource(server: RtspServer, name: string, spec: LocalSourceSpec, defaults: SourceDefaults = {}): AttachedSource {
  return attachMediaSource(server, name, createSource(spec, defaults))
}
