import { ConfigError } from '../errors.js'
import { fpsOption, intOption, parseOptionArgs, sizeOption, secondsOption } from './options.js'
import {
  clusterOptions,
  connectionOptions,
  logFormatOption,
  logLevelOption,
  multicastOptions,
  tlsOptions,
  type ConnectionFlags,
} from './serve-options.js'
import { ConfigWatcher } from './config-watcher.js'
import type { LogFormat, LogLevel } from '../log/logger.js'
import { mp4PlayableFamilies } from '../sources/mp4-file.js'
import { parseSourceSpec } from '../sources/source-spec.js'
import { ServeApp } from '../app/serve-app.js'
import { loadConfig, parseConfig, type ConfigOverrides } from '../config/load.js'
import type { Config, Encryption } from '../config/schema.js'

export const SERVE_HELP = `Usage: rtspkit serve [options]
       rtspkit            (same as: rtspkit serve --path test=test:h264)

Serve live streams over RTSP (RTP over UDP or TCP interleaved).

Options:
  --config FILE        read settings, paths and users from a YAML file (see rtspkit.yml); it is
                       reloaded when it changes or on SIGHUP. RTSPKIT_* variables and these flags
                       override it
  --port N             RTSP port (default 8554)
  --api-port N         port of the HTTP API, metrics and dashboard (default 9997; 0 picks one)
  --api-host ADDR      address of the HTTP API (default 127.0.0.1)
  --no-api             no HTTP API
  --hls-port N         port of the HLS output (default 8888; 0 picks one): every path plays in a
                       browser at http://HOST:N/PATH (Low-Latency HLS with hls.js; H.264/H.265
                       video, AAC/Opus audio), or in ffmpeg/VLC/GStreamer from
                       http://HOST:N/PATH/index.m3u8 (config: the hls section)
  --no-hls             no HLS output
  --webrtc-port N      port of the WebRTC server: player page at /PATH, WHEP at /PATH/whep,
                       WHIP at /PATH/whip (default 8889; 0 picks one)
  --no-webrtc          no WebRTC server
  --rtmp-port N        RTMP port (default 1935; 0 picks one): OBS/ffmpeg/GStreamer publish to
                       rtmp://HOST:N/PATH (a publish path) and players read any path there;
                       credentials as ?user=U&pass=P, or rtmp://U:P@HOST:N/PATH/ (Adobe
                       authentication; users stored plain:, see README) (config: rtmp)
  --rtmps-port N       serve RTMPS (rtmps://HOST:N/PATH) too, with the --tls-cert pair
                       (rtmp.encryption optional; default port 1936)
  --no-rtmp            no RTMP server
  --host ADDR          address to listen on (default: all interfaces)
  --tls-cert FILE      PEM certificate: serve RTSPS (rtsps://HOST:8322/NAME) beside RTSP; a test
                       pair: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1
                       -nodes -days 365 -subj /CN=localhost -keyout server.key -out server.crt
  --tls-key FILE       its PEM private key
  --rtsps-port N       RTSPS port (default 8322)
  --rtsp-http-port N   also take RTSP over HTTP tunnels on port N (the RTSP port takes them anyway)
  --multicast-range R  IPv4 range multicast groups come from (default 224.1.0.0/16)
  --multicast-ports P  RTP-RTCP ports of every group (default 8002-8003)
  --multicast-ttl N    time to live of multicast datagrams (default 16)
  --no-multicast       answer 461 to readers that ask for multicast
  --encryption MODE    no (plain RTSP only), optional (RTSP and RTSPS; the default) or strict
                       (RTSPS only; media as SRTP, RTP/SAVP keyed by MIKEY, over UDP
                       or TCP, or as plain RTP inside the TLS connection)
  --public-host NAME   host name to print in stream URLs (default: first LAN IPv4 address)
  --path NAME=SOURCE   serve SOURCE at rtsp://HOST:PORT/NAME; repeat for more paths.
                       SOURCE is one of:
                         test:h264          built-in live test card, H.264 encoded in process
                                            (no tools needed; an IDR every 2 s)
                         test:h264:WxH@FPS  that card at another size/rate (even sizes up to
                                            2040x2040), e.g. test:h264:1280x720@30
                         test               built-in live test card as MJPEG (RTP/JPEG, RFC 2435);
                                            also test:mjpeg
                         test:WxH@FPS       MJPEG test card of another size/rate, e.g.
                                            test:1280x720@30 (also test:mjpeg:WxH@FPS)
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
                                                               first ${mp4PlayableFamilies('video').join('/')} video and first
                                                               ${mp4PlayableFamilies('audio').join('/')} audio track, as stored
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
                       Default when no --path is given: test=test:h264
  --fps N              frame rate for the test card (default 25), MJPEG files (default 20)
                       and H.264 files whose SPS has no timing info
  --size WxH           test card size (default 640x480)
  --rtp-ports A-B      UDP port range for RTP/RTCP pairs (default: ephemeral ports); or one even
                       port N: one pair (N, N+1) shared by every session, two holes in a firewall
  --workers auto|N     threads sending UDP readers' RTP: 1 (default) the main thread, N worker
                       threads sharing the UDP readers, auto one per core (config: server.workers)
  --session-timeout S  seconds before an idle session is closed (default 60)
  --max-sessions N     refuse new sessions beyond N with 503
  --max-connections N  most connections at once; beyond it 503 (default 0: no cap)
  --max-connections-per-address N  most connections from one address (default 0: no cap)
  --idle-timeout S     close a connection without a session that sends nothing for S seconds
                       (default 30; 0: never); a connection whose session lives is never closed
  --write-timeout S    disconnect a TCP reader whose socket takes nothing for S seconds
                       (default 10; 0: never). More limits in the config: server.*Timeout
  --auth NAME=USER:PASS  require a user name and password on path NAME (Digest SHA-256/MD5;
                       Basic too inside RTSPS); repeat for more users or paths
  --relay-close-after S  seconds a relay (or ffmpeg: path) keeps running after its last
                       reader left (default 10)
  --relay-always-on    start relays and ffmpeg: paths at once, whether anyone watches or not
  --no-instant-start   new readers wait for the next keyframe; by default they get the frames
                       since the last keyframe at once, so players show a picture right away
                       (config: instantStart on a path; server.gopCacheMaxBytes/MaxDuration)
  --cluster-redis URL  join a cluster of rtspkit nodes through Redis (redis://HOST:PORT/DB):
                       paths published on any node play on every node (docs/scaling.md)
  --node-name NAME     this node's name in the cluster (default: the host name)
  --advertise URL      how other nodes and players reach this node (rtsp://HOST:PORT)
  --record DIR         record every path as fragmented MP4: DIR/NAME/YYYY-MM-DD_HH-MM-SS-mmm.mp4
                       (UTC); ffprobe, VLC and browsers play them, even while being written
  --record-segment S   start a new file at the first keyframe after S seconds (default 600)
  --playback-port N    serve recordings over HTTP on port N (MediaMTX's layout; 0 picks one):
                       /list?path=NAME and /get?path=NAME&start=RFC3339&duration=S
                       [&format=fmp4|mp4] (config: the playback section; off by default, 9996
                       when enabled)
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
  /** --config FILE */
  configFile?: string
  api: { port?: number; host?: string; enabled?: boolean }
  /** --rtsp-http-port */
  rtspHttpPort?: number | undefined
  /** --multicast-range, --multicast-ports, --multicast-ttl, --no-multicast, as given. */
  multicast: Partial<Config['server']['multicast']>
  hls: { port?: number; enabled?: boolean }
  webrtc: { port?: number; enabled?: boolean }
  rtmp: { port?: number; enabled?: boolean; rtmpsPort?: number; encryption?: Encryption }
  /** --cluster-redis, --node-name, --advertise, as given. */
  cluster: { redis?: string; node?: string; advertise?: string }
  /** --tls-cert, --tls-key, --rtsps-port, --encryption, as given. */
  tls: { cert?: string; key?: string; rtspsPort?: number; encryption?: Encryption }
  port: number
  portGiven: boolean
  /** --path flags, checked (their sources parse). */
  flagPaths: { name: string; source: string; relay: boolean }[]
  host?: string
  publicHost?: string
  fps?: number
  width?: number
  height?: number
  /** --rtp-ports: a range A-B, or one even port for a shared pair. */
  rtpPorts?: string
  /** --workers: 'auto' or a count, checked with the config's rule. */
  workers?: string
  sessionTimeout?: number
  maxSessions?: number
  /** --max-connections, --idle-timeout…: `server:` keys. */
  connections: ConnectionFlags
  relayCloseAfter?: number
  relayAlwaysOn: boolean
  /** --no-instant-start: new readers wait for the next keyframe on every path. */
  noInstantStart: boolean
  recordDir?: string
  recordSegment?: number
  /** --playback-port: turns the playback server on. */
  playbackPort?: number
  /** Path name → users allowed on it. */
  auth: Map<string, { username: string; password: string }[]>
  logLevel: LogLevel
  logLevelGiven: boolean
  logFormat: LogFormat
  logFormatGiven: boolean
}

export function parseServeArgs(argv: string[]): ServeConfig | 'help' {
  const parsed = parseOptionArgs('serve', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'public-host': { type: 'string' },
    path: { type: 'string', multiple: true },
    fps: { type: 'string' },
    size: { type: 'string' },
    'rtp-ports': { type: 'string' },
    workers: { type: 'string' },
    'session-timeout': { type: 'string' },
    'max-sessions': { type: 'string' },
    'max-connections': { type: 'string' },
    'max-connections-per-address': { type: 'string' },
    'idle-timeout': { type: 'string' },
    'write-timeout': { type: 'string' },
    'relay-close-after': { type: 'string' },
    auth: { type: 'string', multiple: true },
    'relay-always-on': { type: 'boolean' },
    'no-instant-start': { type: 'boolean' },
    record: { type: 'string' },
    'record-segment': { type: 'string' },
    'playback-port': { type: 'string' },
    verbose: { type: 'boolean' },
    'log-level': { type: 'string' },
    'log-format': { type: 'string' },
    config: { type: 'string' },
    'api-port': { type: 'string' },
    'api-host': { type: 'string' },
    'no-api': { type: 'boolean' },
    'multicast-range': { type: 'string' },
    'multicast-ports': { type: 'string' },
    'multicast-ttl': { type: 'string' },
    'no-multicast': { type: 'boolean' },
    'hls-port': { type: 'string' },
    'no-hls': { type: 'boolean' },
    'webrtc-port': { type: 'string' },
    'no-webrtc': { type: 'boolean' },
    'rtmp-port': { type: 'string' },
    'no-rtmp': { type: 'boolean' },
    'rtmps-port': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'rtsps-port': { type: 'string' },
    'rtsp-http-port': { type: 'string' },
    encryption: { type: 'string' },
    'cluster-redis': { type: 'string' },
    'node-name': { type: 'string' },
    advertise: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  const cfg: ServeConfig = {
    port: intOption('port', v.port, 0, 65535) ?? 8554,
    portGiven: v.port !== undefined,
    tls: tlsOptions(v['tls-cert'], v['tls-key'], v['rtsps-port'], v.encryption),
    rtspHttpPort: intOption('rtsp-http-port', v['rtsp-http-port'], 1, 65535),
    cluster: clusterOptions(v['cluster-redis'], v['node-name'], v.advertise),
    multicast: multicastOptions(v['multicast-range'], v['multicast-ports'], v['multicast-ttl'], v['no-multicast']),
    api: {
      ...(v['api-port'] !== undefined ? { port: intOption('api-port', v['api-port'], 0, 65535)! } : {}),
      ...(v['api-host'] !== undefined ? { host: v['api-host'] } : {}),
      ...(v['no-api'] ? { enabled: false } : {}),
    },
    hls: {
      ...(v['hls-port'] !== undefined ? { port: intOption('hls-port', v['hls-port'], 0, 65535)! } : {}),
      ...(v['no-hls'] ? { enabled: false } : {}),
    },
    webrtc: {
      ...(v['webrtc-port'] !== undefined ? { port: intOption('webrtc-port', v['webrtc-port'], 0, 65535)! } : {}),
      ...(v['no-webrtc'] ? { enabled: false } : {}),
    },
    rtmp: {
      ...(v['rtmp-port'] !== undefined ? { port: intOption('rtmp-port', v['rtmp-port'], 0, 65535)! } : {}),
      ...(v['no-rtmp'] ? { enabled: false } : {}),
      ...(v['rtmps-port'] !== undefined
        ? { rtmpsPort: intOption('rtmps-port', v['rtmps-port'], 0, 65535)!, encryption: 'optional' as const }
        : {}),
    },
    flagPaths: [],
    host: v.host,
    publicHost: v['public-host'],
    logLevel: logLevelOption(v['log-level'], v.verbose ?? false),
    logLevelGiven: v['log-level'] !== undefined || v.verbose === true,
    logFormat: logFormatOption(v['log-format']),
    logFormatGiven: v['log-format'] !== undefined,
    sessionTimeout: intOption('session-timeout', v['session-timeout'], 1, 86400),
    maxSessions: intOption('max-sessions', v['max-sessions'], 1, 1_000_000),
    connections: connectionOptions(v),
    relayCloseAfter: secondsOption('relay-close-after', v['relay-close-after'], true),
    relayAlwaysOn: v['relay-always-on'] ?? false,
    noInstantStart: v['no-instant-start'] ?? false,
    recordSegment: secondsOption('record-segment', v['record-segment'], false),
    playbackPort: intOption('playback-port', v['playback-port'], 0, 65535),
    auth: new Map(),
  }
  if (v.record !== undefined) {
    if (v.record === '')
      throw new ConfigError('ERR_CLI_VALUE', '--record needs a directory, e.g. --record recordings', { observed: v.record })
    cfg.recordDir = v.record
  }
  if (cfg.recordSegment !== undefined && cfg.recordDir === undefined) {
    throw new ConfigError('ERR_CLI_ARGS', '--record-segment needs --record DIR', { observed: v['record-segment'] })
  }
  const fps = fpsOption(v.fps)
  if (fps !== undefined) cfg.fps = fps
  Object.assign(cfg, sizeOption(v.size))
  if (v['rtp-ports'] !== undefined) {
    // Checked with the config's rule (a range, or one even port for a shared pair).
    cfg.rtpPorts = v['rtp-ports']
  }
  if (v.workers !== undefined) cfg.workers = v.workers
  const seen = new Set<string>()
  for (const p of v.path ?? []) {
    const eq = p.indexOf('=')
    if (eq <= 0)
      throw new ConfigError('ERR_CLI_PATH', `--path must look like NAME=SOURCE (e.g. cam=file:clip.264), got "${p}"`, { observed: p })
    const name = p.slice(0, eq).replace(/^\/+|\/+$/g, '')
    if (!/^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/.test(name)) {
      throw new ConfigError('ERR_CLI_PATH', `path name "${name}" may only use letters, digits, '.', '_', '-', '~' and '/'`, {
        observed: name,
      })
    }
    if (seen.has(name)) throw new ConfigError('ERR_CLI_PATH', `path "${name}" is given twice`, { observed: name })
    seen.add(name)
    const source = p.slice(eq + 1)
    const kind = parseSourceSpec(source).kind
    cfg.flagPaths.push({ name, source, relay: kind === 'relay' || kind === 'ffmpeg' })
  }
  if (v.config !== undefined) {
    if (v.config === '') throw new ConfigError('ERR_CLI_VALUE', '--config needs a file, e.g. --config rtspkit.yml', { observed: v.config })
    cfg.configFile = v.config
  }
  for (const a of v.auth ?? []) {
    const m = /^([^=]+)=([^:]+):(.*)$/.exec(a)
    if (!m)
      throw new ConfigError('ERR_CLI_AUTH', `--auth must look like NAME=USER:PASS (e.g. cam=admin:secret), got "${a}"`, { observed: a })
    const name = m[1]!.replace(/^\/+|\/+$/g, '')
    const users = cfg.auth.get(name) ?? []
    users.push({ username: m[2]!, password: m[3]! })
    cfg.auth.set(name, users)
  }
  return cfg
}

/**
 * The configuration `serve` runs with: defaults < the --config file < RTSPKIT_* variables < flags.
 * Without a file, --path flags replace the default paths; with one they are added to its paths.
 */
export function serveConfigFor(cfg: ServeConfig, env: Readonly<Record<string, string | undefined>>): Config {
  const server: NonNullable<ConfigOverrides['server']> = {}
  if (cfg.portGiven) server.rtspPort = cfg.port
  if (Object.keys(cfg.multicast).length > 0) server.multicast = cfg.multicast
  if (cfg.rtspHttpPort !== undefined) server.rtspHttpPort = cfg.rtspHttpPort
  if (cfg.tls.rtspsPort !== undefined) server.rtspsPort = cfg.tls.rtspsPort
  if (cfg.tls.encryption !== undefined) server.encryption = cfg.tls.encryption
  if (cfg.tls.cert !== undefined && cfg.tls.key !== undefined) server.tls = { cert: cfg.tls.cert, key: cfg.tls.key }
  if (cfg.host !== undefined) server.host = cfg.host
  if (cfg.publicHost !== undefined) server.publicHost = cfg.publicHost
  if (cfg.rtpPorts !== undefined) server.rtpPorts = cfg.rtpPorts
  if (cfg.workers !== undefined) server.workers = cfg.workers
  if (cfg.sessionTimeout !== undefined) server.sessionTimeout = cfg.sessionTimeout
  if (cfg.maxSessions !== undefined) server.maxSessions = cfg.maxSessions
  Object.assign(server, cfg.connections)
  if (cfg.logLevelGiven) server.logLevel = cfg.logLevel
  if (cfg.logFormatGiven) server.logFormat = cfg.logFormat
  const overrides: ConfigOverrides = {
    server,
    ...(Object.keys(cfg.api).length > 0 ? { api: cfg.api } : {}),
    ...(Object.keys(cfg.hls).length > 0 ? { hls: cfg.hls } : {}),
  }
  if (Object.keys(cfg.webrtc).length > 0) overrides.webrtc = cfg.webrtc
  if (Object.keys(cfg.rtmp).length > 0) overrides.rtmp = cfg.rtmp
  if (Object.keys(cfg.cluster).length > 0) overrides.cluster = cfg.cluster
  if (cfg.recordDir !== undefined)
    overrides.recording = { dir: cfg.recordDir, ...(cfg.recordSegment !== undefined ? { segmentSeconds: cfg.recordSegment } : {}) }
  if (cfg.playbackPort !== undefined) overrides.playback = { enabled: true, port: cfg.playbackPort }
  if (cfg.relayCloseAfter !== undefined) overrides.relays = { closeAfter: cfg.relayCloseAfter }
  if (cfg.flagPaths.length > 0)
    overrides.paths = Object.fromEntries(
      cfg.flagPaths.map((p) => [p.name, { source: p.source, ...(p.relay ? { onDemand: !cfg.relayAlwaysOn } : {}) }]),
    )
  const config =
    cfg.configFile !== undefined
      ? loadConfig({ file: cfg.configFile, env, overrides })
      : parseConfig({ text: cfg.flagPaths.length > 0 ? 'paths: {}\n' : undefined, fileName: 'defaults', env, overrides })
  // Flags that reach across the file's entries.
  if (cfg.recordDir !== undefined) for (const p of config.paths) p.record = true
  if (cfg.relayAlwaysOn) for (const p of config.paths) if (/^(rtsps?|ffmpeg):/i.test(p.source)) p.onDemand = false
  if (cfg.noInstantStart) for (const p of config.paths) p.instantStart = false
  for (const [name, users] of cfg.auth) {
    const path = config.paths.find((p) => p.name === name)
    if (!path)
      throw new ConfigError(
        'ERR_CLI_AUTH',
        `--auth names path "${name}", which is not served (paths: ${config.paths.map((p) => p.name).join(', ')})`,
        { observed: name },
      )
    for (const u of users) {
      if (!config.users.some((x) => x.name === u.username))
        config.users.push({ name: u.username, password: `plain:${u.password}`, ips: [], admin: false })
    }
    path.read = users.map((u) => u.username)
    path.publish = users.map((u) => u.username)
  }
  return config
}

/** Runs the server until SIGINT/SIGTERM; SIGHUP or a change of the --config file reloads it. Resolves with the exit code. */
export async function runServe(cfg: ServeConfig): Promise<number> {
  let config = serveConfigFor(cfg, process.env)
  const app = new ServeApp(config, { defaults: { fps: cfg.fps, width: cfg.width, height: cfg.height } })
  const logger = app.logger
  await app.start()
  // The start-up banner: plain lines on a terminal, log events in JSON mode.
  const banner = (m: string): void => (config.server.logFormat === 'json' ? logger.info(m) : console.log(m))
  for (const p of app.paths()) banner(`${app.server.urlFor(p.name)}  <- ${p.description}`)
  for (const p of config.paths)
    if (p.name.startsWith('~') || p.name === 'all_others')
      banner(`${app.server.urlFor('')}${p.name}  <- ${p.source} (paths matching it, when first requested)`)
  if (app.webrtcUrl) banner(`${app.webrtcUrl}/PATH  <- WebRTC player page; WHEP at /PATH/whep, WHIP at /PATH/whip`)
  if (app.apiUrl) banner(`${app.apiUrl}/  <- dashboard; HTTP API at /v1, Prometheus metrics at /metrics`)
  if (app.hlsUrl) banner(`${app.hlsUrl}/PATH  <- HLS player of a path; playlist at /PATH/index.m3u8`)
  if (app.rtmp.url) banner(`${app.rtmp.url}/PATH  <- RTMP: publish into a publish path, or play any path`)
  if (app.rtmp.secureUrl) banner(`${app.rtmp.secureUrl}/PATH  <- RTMPS (RTMP over TLS)`)
  const secure = app.server.tlsEnabled ? `, RTSPS on port ${app.server.rtspsPort}` : ''
  banner(`rtspkit listening on port ${app.server.port}${secure}; press Ctrl+C to stop`)

  const reload = (why: string): void => {
    let next: Config
    try {
      next = serveConfigFor(cfg, process.env)
    } catch (err) {
      logger.warn(`reload (${why}) refused, the previous configuration stays: ${(err as Error).message}`)
      return
    }
    const diff = app.reload(next)
    config = next
    if (diff.empty) logger.info(`reload (${why}): nothing changed`)
    else {
      const p = diff.paths
      const parts = [
        ...diff.settings.map((c) => c.key),
        ...p.added.map((n) => `+${n}`),
        ...p.removed.map((n) => `-${n}`),
        ...p.changed.map((n) => `~${n}`),
        ...(diff.access || p.accessChanged.length ? ['access'] : []),
      ]
      logger.info(`reload (${why}): ${parts.join(', ')}`)
    }
  }
  const file = cfg.configFile
  const watcher = file === undefined ? undefined : new ConfigWatcher(file, () => reload(`${file} changed`))
  watcher?.start()
  const onHup = (): void => {
    watcher?.loaded()
    reload('SIGHUP')
  }
  process.on('SIGHUP', onHup)
  return new Promise((resolve) => {
    const shutdown = () => {
      process.off('SIGINT', shutdown)
      process.off('SIGTERM', shutdown)
      process.off('SIGHUP', onHup)
      watcher?.close()
      app.stop().then(
        () => resolve(0),
        () => resolve(1),
      )
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
  })
}
