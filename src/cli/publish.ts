/**
 * `rtspkit publish INPUT URL`: pushes a file or the test card to an RTSP server with ANNOUNCE and
 * RECORD, at real-time pace (what `ffmpeg -re -i in -f rtsp URL` does).
 */
import { RtspClient } from '../client/index.js'
import { ConfigError } from '../errors.js'
import { FILE_INPUTS, openInputSource } from '../sources/input-source.js'
import { fpsOption, parseCommandArgs, secondsOption, sizeOption, waitForEnd } from './options.js'
import { CLIENT_ARGS, CLIENT_HELP, clientArgs, clientOptions, type ClientArgs } from './client-options.js'
import { parseTransportOption } from './play.js'
import { EXIT_FAILURE, EXIT_OK } from './exit-status.js'
import {
  formatBytes,
  formatElapsed,
  kbps,
  ProgressOutput,
  progressHead,
  round3,
  STATS_ARGS,
  statsArgs,
  statsHelp,
  type StatsArgs,
} from './stats-output.js'
import { systemClock } from '../util/clock.js'
import type { PublishTrackStats } from '../client/publisher.js'

export const PUBLISH_HELP = `Usage: rtspkit publish INPUT URL [options]

Publish INPUT to an RTSP server (ANNOUNCE + RECORD) in real time: rtspkit serve --path NAME=publish,
MediaMTX, ffmpeg -rtsp_flags listen, or any server that takes publishers.
URL may carry credentials (rtsp://user:pass@host/path).

INPUT is one of:
  test                 built-in live test card (MJPEG), 640x480@25
  test:WxH@FPS         test card of another size/rate, e.g. test:1280x720@30
  test:h264            the test card H.264-encoded in process (test:h264:WxH@FPS likewise)
  FILE                 a file, by extension:
${FILE_INPUTS.map((t) => `                         ${t.extensions.join(' ').padEnd(33)} ${t.label}`).join('\n')}

Options:
  --transport T        tcp, udp or http (default tcp; http tunnels through HTTP)
  --loop               start files again at their end (default: once, then TEARDOWN and exit)
  --duration S         stop after S seconds
  --fps N              frame rate for the test card and for video files without timing info
  --size WxH           test card size (default 640x480)
${statsHelp(1)}${CLIENT_HELP}  -h, --help           show this help
`

export interface PublishConfig extends ClientArgs, StatsArgs {
  input: string
  url: string
  transport: 'tcp' | 'udp' | 'http'
  loop: boolean
  duration?: number
  fps?: number
  width?: number
  height?: number
}

export function parsePublishArgs(argv: string[]): PublishConfig | 'help' {
  const parsed = parseCommandArgs('publish', argv, {
    transport: { type: 'string' },
    loop: { type: 'boolean' },
    duration: { type: 'string' },
    fps: { type: 'string' },
    size: { type: 'string' },
    ...STATS_ARGS,
    ...CLIENT_ARGS,
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  const pos = parsed.positionals
  if (pos.length !== 2) {
    throw new ConfigError(
      'ERR_CLI_ARGS',
      `publish needs INPUT and URL, got ${pos.length} arguments; e.g. rtspkit publish clip.264 rtsp://127.0.0.1:8554/live`,
      { observed: pos },
    )
  }
  if (!/^rtsps?:\/\//i.test(pos[1]!))
    throw new ConfigError('ERR_CLI_URL', `"${pos[1]}" is not an rtsp:// or rtsps:// URL; e.g. rtsp://127.0.0.1:8554/live`, {
      observed: pos[1],
    })
  const cfg: PublishConfig = {
    input: pos[0]!,
    url: pos[1]!,
    transport: (parseTransportOption(v.transport, ['tcp', 'udp', 'http']) ?? 'tcp') as PublishConfig['transport'],
    loop: v.loop ?? false,
    ...statsArgs(v, 1),
    ...clientArgs(v),
    ...sizeOption(v.size),
  }
  const duration = secondsOption('duration', v.duration, false)
  if (duration !== undefined) cfg.duration = duration
  const fps = fpsOption(v.fps)
  if (fps !== undefined) cfg.fps = fps
  return cfg
}

/** One line of text per track: what was sent, and the bitrate over the last `seconds`. */
function trackText(kind: string, codec: string, s: PublishTrackStats, bytesBefore: number, seconds: number): string {
  return `${kind} ${codec}: ${s.frames} frames, ${s.packets} packets, ${formatBytes(s.bytes)}, ${kbps(s.bytes - bytesBefore, seconds).toFixed(0)} kbit/s`
}

export async function runPublish(cfg: PublishConfig): Promise<number> {
  const source = openInputSource(cfg.input, { loop: cfg.loop, fps: cfg.fps, width: cfg.width, height: cfg.height })
  const client = new RtspClient(cfg.url, {
    transport: cfg.transport,
    ...clientOptions(cfg),
  })
  const out = new ProgressOutput(cfg)
  let lostError: Error | undefined
  const lost = new Promise<void>((resolve) =>
    client.once('close', (err) => {
      lostError = err
      resolve()
    }),
  )
  client.on('error', () => {})
  try {
    const publisher = await client.record(source.tracks)
    out.info(`publishing ${source.description} to ${client.url} over ${cfg.transport.toUpperCase()}`)
    source.start((track, frame, ptsMs) => publisher.pushFrame(track, frame, ptsMs))
    const started = systemClock.monoMs()
    let last = started
    let lastBytes = source.tracks.map(() => 0)
    const text = (stats: PublishTrackStats[], before: number[], seconds: number): string =>
      stats.map((s, i) => trackText(source.tracks[i]!.kind, source.tracks[i]!.codec, s, before[i] ?? 0, seconds)).join(' | ')
    const fields = (stats: PublishTrackStats[], before: number[], seconds: number, elapsed: number): Record<string, unknown> => ({
      elapsed: round3(elapsed),
      bytes: stats.reduce((n, s) => n + s.bytes, 0),
      frames: stats.reduce((n, s) => n + s.frames, 0),
      packets: stats.reduce((n, s) => n + s.packets, 0),
      tracks: stats.map((s, i) => ({
        track: i,
        kind: source.tracks[i]!.kind,
        codec: source.tracks[i]!.codec,
        frames: s.frames,
        packets: s.packets,
        bytes: s.bytes,
        kbps: round3(kbps(s.bytes - (before[i] ?? 0), seconds)),
      })),
    })
    const total = (stats: PublishTrackStats[]): number => stats.reduce((n, s) => n + s.bytes, 0)
    const stop = out.every(() => {
      const now = systemClock.monoMs()
      const seconds = (now - last) / 1000
      const elapsed = (now - started) / 1000
      const stats = publisher.stats()
      out.progress(
        `${progressHead(elapsed, total(stats))} | ${text(stats, lastBytes, seconds)}`,
        fields(stats, lastBytes, seconds, elapsed),
      )
      lastBytes = stats.map((s) => s.bytes)
      last = now
    })
    const why = await waitForEnd(cfg.duration, Promise.race([source.done, lost]))
    stop()
    source.stop()
    const elapsed = (systemClock.monoMs() - started) / 1000
    const stats = publisher.stats()
    const zero = stats.map(() => 0)
    const result = lostError ? 'connection lost' : why === 'done' ? 'done' : 'stopped'
    out.summary(`${result}: ${text(stats, zero, elapsed)} (${formatElapsed(elapsed)})`, {
      result: lostError ? 'error' : why === 'done' ? 'done' : 'stopped',
      ...fields(stats, zero, elapsed, elapsed),
    })
    if (lostError) {
      out.warn(lostError.message)
      return EXIT_FAILURE
    }
    return EXIT_OK
  } finally {
    source.stop()
    await client.close()
  }
}
