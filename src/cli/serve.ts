import { parseArgs } from 'node:util'
import { ConfigError } from '../errors.js'
import { argError, fpsOption, intOption, sizeOption, secondsOption } from './options.js'
import { ServerRecording } from '../server/recording.js'
import { RtspServer } from '../server/rtsp-server.js'
import { createLogger, isLogLevel, LOG_LEVELS, type LogFormat, type LogLevel } from '../log/logger.js'
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
                         unshared:PATH      a file that every reader plays from its start, with
                                            seeking (Range), PAUSE and resume; the session ends
                                            at the end of the file (unshared+loop:PATH loops)
                         rtsp://[USER:PASS@]HOST[:PORT]/PATH
                                            relay another server or camera: pulled when the
                                            first reader arrives, released --relay-close-after
                                            seconds after the last leaves, retried with backoff
                                            while it fails; any codec is forwarded
                       Default when no --path is given: test=test
  --fps N              frame rate for the test card (default 25), MJPEG files (default 20)
                       and H.264 files whose SPS has no timing info
  --size WxH           test card size (default 640x480)
  --rtp-ports A-B      UDP port range for RTP/RTCP pairs (default: ephemeral ports)
  --session-timeout S  seconds before an idle session is closed (default 60)
  --max-sessions N     refuse new sessions beyond N with 503
  --auth NAME=USER:PASS  require a user name and password on path NAME (Digest SHA-256/MD5 and
                       Basic are offered); repeat for more users or paths
  --relay-close-after S  seconds a relay keeps pulling after its last reader left (default 10)
  --relay-always-on    pull relays from the start, whether anyone watches or not
  --record DIR         record every path as fragmented MP4: DIR/NAME/YYYY-MM-DD_HH-MM-SS-mmm.mp4
                       (UTC); ffprobe, VLC and browsers play them, even while being written
  --record-segment S   start a new file at the first keyframe after S seconds (default 600)
  --log-level L        error, warn, info (default) or debug (debug adds the RTSP dialogue)
  --log-format F       pretty (default: one line per event, for a terminal) or json
  --verbose            the same as --log-level debug
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
  /** Path name → users allowed on it. */
  auth: Map<string, { username: string; password: string }[]>
  logLevel: LogLevel
  logFormat: LogFormat
}

function logLevelOption(value: string | undefined, verbose: boolean): LogLevel {
  if (value === undefined) return verbose ? 'debug' : 'info'
  if (!isLogLevel(value)) throw new ConfigError('ERR_CLI_VALUE', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`, { observed: value, allowed: LOG_LEVELS })
  return value
}

function logFormatOption(value: string | undefined): LogFormat {
  if (value === undefined) return 'pretty'
  if (value !== 'pretty' && value !== 'json') throw new ConfigError('ERR_CLI_VALUE', `--log-format must be pretty or json, got "${value}"`, { observed: value, allowed: ['pretty', 'json'] })
  return value
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
        auth: { type: 'string', multiple: true },
        'relay-always-on': { type: 'boolean' },
        record: { type: 'string' },
        'record-segment': { type: 'string' },
        verbose: { type: 'boolean' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
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
    logLevel: logLevelOption(v['log-level'], v.verbose ?? false),
    logFormat: logFormatOption(v['log-format']),
    sessionTimeout: intOption('session-timeout', v['session-timeout'], 1, 86400),
    maxSessions: intOption('max-sessions', v['max-sessions'], 1, 1_000_000),
    relayCloseAfter: secondsOption('relay-close-after', v['relay-close-after'], true),
    relayAlwaysOn: v['relay-always-on'] ?? false,
    recordSegment: secondsOption('record-segment', v['record-segment'], false),
    auth: new Map(),
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
  for (const a of v.auth ?? []) {
    const m = /^([^=]+)=([^:]+):(.*)$/.exec(a)
    if (!m) throw new ConfigError('ERR_CLI_AUTH', `--auth must look like NAME=USER:PASS (e.g. cam=admin:secret), got "${a}"`, { observed: a })
    const name = m[1]!.replace(/^\/+|\/+$/g, '')
    if (!cfg.paths.some((p) => p.name === name)) {
      throw new ConfigError('ERR_CLI_AUTH', `--auth names path "${name}", which no --path serves (paths: ${cfg.paths.map((p) => p.name).join(', ')})`, { observed: name })
    }
    const users = cfg.auth.get(name) ?? []
    users.push({ username: m[2]!, password: m[3]! })
    cfg.auth.set(name, users)
  }
  return cfg
}

/** Runs the server until SIGINT/SIGTERM. Resolves with the exit code. */
export async function runServe(cfg: ServeConfig): Promise<number> {
  const logger = createLogger({ level: cfg.logLevel, format: cfg.logFormat })
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
      handles.push(addPath(server, p.name, p.spec, { defaults: { fps: cfg.fps, width: cfg.width, height: cfg.height }, relay, log: (m) => logger.info(m) }))
    }
    for (const [name, users] of cfg.auth) server.protectPath(name, { users })
    await server.start()
  } catch (err) {
    stopSources()
    throw err
  }
  for (const ev of ['setup', 'play', 'pause', 'teardown'] as const) {
    server.on(ev, (e) => logger.info(`${ev.toUpperCase()}${e.transport ? ` ${e.transport}` : ''}${e.reason && e.reason !== ev ? ` (${e.reason})` : ''}`, { session: e.sessionId, path: e.path, remote: e.remoteAddress || undefined }))
  }
  for (const h of handles) h.onWarning((m) => logger.warn(m, { path: h.name }))
  // The start-up banner: plain lines on a terminal, log events in JSON mode.
  const banner = (m: string): void => (cfg.logFormat === 'json' ? logger.info(m) : console.log(m))
  for (const h of handles) banner(`${server.urlFor(h.name)}  <- ${h.description}`)
  banner(`rtspkit listening on port ${server.port}; press Ctrl+C to stop`)
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
