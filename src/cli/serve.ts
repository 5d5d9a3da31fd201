import { parseArgs } from 'node:util'
import { ConfigError } from '../errors.js'
import { argError, fpsOption, intOption, sizeOption, secondsOption } from './options.js'
import { ServerRecording } from '../server/recording.js'
import { RtspServer, type Logger } from '../server/rtsp-server.js'
import { parseSourceSpec, type SourceSpec } from '../sources/source-spec.js'
import { addPath, type PathHandle } from '../server/paths.js'

export const SERVE_HELP = `Usage: rtspkit serve [options]
       rtspkit            (same as: rtspkit serve --path test=test)

Serve live streams over RTSP (RTP over UDP or TCP interleaved).

Options:
  --port N             RTSP port (default 8554)
  --host ADDR          address to listen on (default: all interfaces)
  --public-host NAME   host name to print in stream URLs (default: first LAN IPv4 address)
  --path NAME=SOURCE   serve SOURCE at rtsp://HOST:PORT/NAME; repeat for more paths.
                       SOURCE is one of:
                         test               built-in live test card (MJPEG), no tools needed
                         test:WxH@FPS       test card of another size/rate, e.g. test:1280x720@30
                         file:PATH          a file, looped forever in real time:
                                              .264 .h264 .avc  H.264 Annex-B (also .26l .h26l .x264),
                                                               at the frame rate
                                                               in its SPS timing info
                                              .265 .h265 .hevc .x265  H.265 Annex-B, likewise
                                              .mjpeg .mjpg     MJPEG: the classic RTSP teaching
                                                               project's format (5-digit length +
                                                               JPEG, 20 fps) or JPEGs back to back
                                                               (25 fps); --fps overrides
                                              .aac .adts       AAC in ADTS frames
                                              .wav             WAV: 16-bit PCM (sent as L16),
                                                               mu-law (PCMU) or A-law (PCMA)
                                              .mp4 .m4v .mov .m4a  MP4/QuickTime, also fragmented:
                                                               first H.264/H.265 video and first
                                                               AAC/Opus/G.711 audio track, as stored
                         publish            open the path to one publisher (ANNOUNCE/RECORD):
                                            ffmpeg -re -i in.mp4 -c copy -f rtsp rtsp://HOST:PORT/NAME
                                            or GStreamer rtspclientsink; readers play it meanwhile.
                                            When the publisher leaves, readers get RTCP BYE and
                                            their sessions end; a second publisher gets 503
                         publish:stay       readers stay and resume with the next publisher of
                                            the same format
                         publish:takeover   a new publisher replaces the current one
                         publish:stay,takeover  both
                         rtsp://[USER:PASS@]HOST[:PORT]/PATH
                                            relay another server or camera: pulled when the
                                            first reader arrives, released --relay-close-after
                                            seconds after the last leaves, retried with backoff
                                            while it fails; any codec is forwarded
                         ffmpeg:ARGS        run ffmpeg with these input arguments and serve its
                                            video as H.264, e.g.
                                              cam=ffmpeg:-f v4l2 -i /dev/video0
                                              clip=ffmpeg:-re -stream_loop -1 -i in.mkv
                                            (quote the whole --path for the shell). We add
                                            -c:v libx264 -preset veryfast -tune zerolatency, an
                                            IDR picture every 2 s, -bf 0, -pix_fmt yuv420p and
                                            -f h264 to stdout, unless ARGS pick a video codec
                                            after the last -i: an H.264 camera needs no
                                            re-encoding with ...-i /dev/video0 -c:v copy.
                                            Pictures are timed by arrival: files need -re.
                                            Started at the first reader, stopped like relays
                                            (--relay-close-after, --relay-always-on), restarted
                                            with backoff if it dies while readers watch; readers
                                            get 503 and the log ffmpeg's last error line if it
                                            fails; --verbose logs all of ffmpeg's stderr
                       Default when no --path is given: test=test
  --fps N              frame rate for the test card (default 25), MJPEG files (default 20)
                       and H.264 files whose SPS has no timing info
  --size WxH           test card size (default 640x480)
  --rtp-ports A-B      UDP port range for RTP/RTCP pairs (default: ephemeral ports)
  --session-timeout S  seconds before an idle session is closed (default 60)
  --max-sessions N     refuse new sessions beyond N with 503
  --relay-close-after S  seconds a relay (or ffmpeg: path) keeps running after its last
                       reader left (default 10)
  --relay-always-on    start relays and ffmpeg: paths at once, whether anyone watches or not
  --record DIR         record every path as fragmented MP4: DIR/NAME/YYYY-MM-DD_HH-MM-SS-mmm.mp4
                       (UTC); ffprobe, VLC and browsers play them, even while being written
  --record-segment S   start a new file at the first keyframe after S seconds (default 600)
  --verbose            log every RTSP request
  -h, --help           show this help

Watch:
  ffplay rtsp://HOST:8554/test            (add -rtsp_transport tcp for TCP)
  vlc rtsp://HOST:8554/test
  gst-launch-1.0 playbin uri=rtsp://HOST:8554/test
  python3 -c "import cv2; c=cv2.VideoCapture('rtsp://HOST:8554/test'); print(c.read()[1].shape)"
`

export interface ServeConfig {
  port: number
  host?: string
  publicHost?: string
  paths: { name: string; spec: SourceSpec }[]
  fps?: number
  width?: number
  height?: number
  rtpPortRange?: { min: number; max: number }
  sessionTimeout?: number
  maxSessions?: number
  relayCloseAfter?: number
  relayAlwaysOn: boolean
  recordDir?: string
  recordSegment?: number
  verbose: boolean
}

/** Parses `serve` arguments; throws ConfigError with a one-line message on anything wrong. */
export function parseServeArgs(argv: string[]): ServeConfig | 'help' {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'public-host': { type: 'string' },
        path: { type: 'string', multiple: true },
        fps: { type: 'string' },
        size: { type: 'string' },
        'rtp-ports': { type: 'string' },
        'session-timeout': { type: 'string' },
        'max-sessions': { type: 'string' },
        'relay-close-after': { type: 'string' },
        'relay-always-on': { type: 'boolean' },
        record: { type: 'string' },
        'record-segment': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    throw argError('serve', err, argv)
  }
  const v = parsed.values
  if (v.help) return 'help'
  const cfg: ServeConfig = {
    port: intOption('port', v.port, 0, 65535) ?? 8554,
    host: v.host,
    publicHost: v['public-host'],
    paths: [],
    verbose: v.verbose ?? false,
    sessionTimeout: intOption('session-timeout', v['session-timeout'], 1, 86400),
    maxSessions: intOption('max-sessions', v['max-sessions'], 1, 1_000_000),
    relayCloseAfter: secondsOption('relay-close-after', v['relay-close-after'], true),
    relayAlwaysOn: v['relay-always-on'] ?? false,
    recordSegment: secondsOption('record-segment', v['record-segment'], false),
  }
  if (v.record !== undefined) {
    if (v.record === '') throw new ConfigError('ERR_CLI_VALUE', '--record needs a directory, e.g. --record recordings', { observed: v.record })
    cfg.recordDir = v.record
  }
  if (cfg.recordSegment !== undefined && cfg.recordDir === undefined) {
    throw new ConfigError('ERR_CLI_ARGS', '--record-segment needs --record DIR', { observed: v['record-segment'] })
  }
  const fps = fpsOption(v.fps)
  if (fps !== undefined) cfg.fps = fps
  Object.assign(cfg, sizeOption(v.size))
  if (v['rtp-ports'] !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(v['rtp-ports'])
    const min = m ? Number(m[1]) : NaN
    const max = m ? Number(m[2]) : NaN
    if (!m || min < 1024 || max > 65535 || max - min < 1) {
      throw new ConfigError('ERR_CLI_VALUE', `--rtp-ports must look like 20000-20999 (1024-65535, at least 2 ports), got "${v['rtp-ports']}"`, { observed: v['rtp-ports'] })
    }
    cfg.rtpPortRange = { min, max }
  }
  const seen = new Set<string>()
  for (const p of v.path ?? []) {
    const eq = p.indexOf('=')
    if (eq <= 0) throw new ConfigError('ERR_CLI_PATH', `--path must look like NAME=SOURCE (e.g. cam=file:clip.264), got "${p}"`, { observed: p })
    const name = p.slice(0, eq).replace(/^\/+|\/+$/g, '')
    if (!/^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/.test(name)) {
      throw new ConfigError('ERR_CLI_PATH', `path name "${name}" may only use letters, digits, '.', '_', '-', '~' and '/'`, { observed: name })
    }
    if (seen.has(name)) throw new ConfigError('ERR_CLI_PATH', `path "${name}" is given twice`, { observed: name })
    seen.add(name)
    cfg.paths.push({ name, spec: parseSourceSpec(p.slice(eq + 1)) })
  }
  if (cfg.paths.length === 0) cfg.paths.push({ name: 'test', spec: { kind: 'test' } })
  return cfg
}

function consoleLogger(verbose: boolean): Logger {
  const ts = () => new Date().toISOString().slice(11, 23)
  return {
    info: (m) => console.log(`${ts()} ${m}`),
    warn: (m) => console.warn(`${ts()} warning: ${m}`),
    debug: (m) => {
      if (verbose) console.log(`${ts()} ${m}`)
    },
  }
}

/** Runs the server until SIGINT/SIGTERM. Resolves with the exit code. */
export async function runServe(cfg: ServeConfig): Promise<number> {
  const logger = consoleLogger(cfg.verbose)
  const server = new RtspServer({
    port: cfg.port,
    host: cfg.host,
    publicHost: cfg.publicHost,
    rtpPortRange: cfg.rtpPortRange,
    sessionTimeout: cfg.sessionTimeout,
    maxSessions: cfg.maxSessions,
    logger,
  })
  const handles: PathHandle[] = []
  const stopSources = () => handles.forEach((h) => h.stop())
  const recording = cfg.recordDir === undefined ? undefined : new ServerRecording(server, {
    dir: cfg.recordDir,
    ...(cfg.recordSegment !== undefined ? { segmentDurationMs: cfg.recordSegment * 1000 } : {}),
    log: (m) => logger.info(m),
  })
  const relay = { alwaysOn: cfg.relayAlwaysOn, ...(cfg.relayCloseAfter !== undefined ? { closeAfterMs: cfg.relayCloseAfter * 1000 } : {}) }
  try {
    for (const p of cfg.paths) {
      handles.push(addPath(server, p.name, p.spec, {
        defaults: { fps: cfg.fps, width: cfg.width, height: cfg.height },
        relay,
        ffmpeg: relay,
        log: (m) => logger.info(m),
        debug: (m) => logger.debug(m),
      }))
    }
    await server.start()
  } catch (err) {
    stopSources()
    throw err
  }
  for (const ev of ['setup', 'play', 'pause', 'teardown'] as const) {
    server.on(ev, (e) => logger.info(`${ev} /${e.path} session ${e.sessionId}${e.remoteAddress ? ` from ${e.remoteAddress}` : ''}${e.transport ? ` ${e.transport}` : ''}${e.reason && e.reason !== ev ? ` (${e.reason})` : ''}`))
  }
  for (const h of handles) h.onWarning((m) => logger.warn(`/${h.name}: ${m}`))
  for (const h of handles) console.log(`${server.urlFor(h.name)}  <- ${h.description}`)
  console.log(`rtspkit listening on port ${server.port}; press Ctrl+C to stop`)
  return new Promise((resolve) => {
    const shutdown = () => {
      process.off('SIGINT', shutdown)
      process.off('SIGTERM', shutdown)
      stopSources()
      server.stop()
        .then(() => recording?.close())
        .then(() => resolve(0), () => resolve(1))
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
  })
}
