/**
 * `rtspkit publish INPUT URL`: pushes a file or the test card to an RTSP server with ANNOUNCE and
 * RECORD, at real-time pace (what `ffmpeg -re -i in -f rtsp URL` does).
 */
import { RtspClient } from '../client/index.js'
import { ConfigError } from '../errors.js'
import { FILE_INPUTS, openInputSource } from '../sources/input-source.js'
import { fpsOption, megabytes, parseCommandArgs, secondsOption, sizeOption, waitForEnd } from './options.js'
import { CLIENT_ARGS, CLIENT_HELP, clientArgs, clientOptions, type ClientArgs } from './client-options.js'
import { parseTransportOption } from './play.js'

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
${CLIENT_HELP}  -h, --help           show this help
`

export interface PublishConfig extends ClientArgs {
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
    ...clientArgs(v),
    ...sizeOption(v.size),
  }
  const duration = secondsOption('duration', v.duration, false)
  if (duration !== undefined) cfg.duration = duration
  const fps = fpsOption(v.fps)
  if (fps !== undefined) cfg.fps = fps
  return cfg
}

export async function runPublish(cfg: PublishConfig): Promise<number> {
  const source = openInputSource(cfg.input, { loop: cfg.loop, fps: cfg.fps, width: cfg.width, height: cfg.height })
  const client = new RtspClient(cfg.url, {
    transport: cfg.transport,
    ...clientOptions(cfg),
  })
  const lost = new Promise<void>((resolve) => client.once('close', () => resolve()))
  client.on('error', () => {})
  try {
    const publisher = await client.record(source.tracks)
    console.error(`rtspkit: publishing ${source.description} to ${client.url} over ${cfg.transport.toUpperCase()}`)
    source.start((track, frame, ptsMs) => publisher.pushFrame(track, frame, ptsMs))
    const why = await waitForEnd(cfg.duration, Promise.race([source.done, lost]))
    source.stop()
    const stats = publisher.stats()
    console.error(
      `rtspkit: ${why === 'done' ? 'done' : 'stopped'}: ${stats.map((s, i) => `${source.tracks[i]!.kind} ${source.tracks[i]!.codec}: ${s.frames} frames, ${s.packets} packets, ${megabytes(s.bytes)}`).join(' | ')}`,
    )
    return 0
  } finally {
    source.stop()
    await client.close()
  }
}
