/**
 * `rtspkit rtp send` and `rtspkit rtp recv`: plain RTP over UDP, no RTSP (the GStreamer
 * `udpsink` / `udpsrc` case). Thin wrappers over RtpSendSession and RtpReceiveSession.
 */
import dns from 'node:dns/promises'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { printHelp } from './exit-status.js'
import { ProgressOutput, STATS_ARGS, statsArgs, statsHelp, listFields, type StatsArgs } from './stats-output.js'
import { fpsOption, intOption, megabytes, parseCommandArgs, secondsOption, sizeOption, waitForEnd } from './options.js'
import { asError, ConfigError, RtspkitError } from '../errors.js'
import type { FormatParams } from '../codecs/codec.js'
import { createCodecRegistry } from '../codecs/registry.js'
import { parseFmtp } from '../sdp/fmtp.js'
import { FILE_INPUTS, openInputSource } from '../sources/input-source.js'
import { RtpReceiveSession, type RtpReceiveStreamStats } from '../transport/receive-session.js'
import { RtpSendSession, type RtpSendTrackStats } from '../transport/send-session.js'
import type { FrameSink } from '../sinks/frame-sink.js'
import { openSink, sinkExtensionsFor, sinkFits } from '../sinks/sink-factory.js'

export const RTP_HELP = `Usage: rtspkit rtp send INPUT --to HOST:PORT [options]
       rtspkit rtp recv FILE.sdp [options]
       rtspkit rtp recv --port N --codec NAME [options]

Plain RTP over UDP, without RTSP. Run 'rtspkit rtp send --help' or 'rtspkit rtp recv --help'.
`

export const RTP_SEND_HELP = `Usage: rtspkit rtp send INPUT --to HOST:PORT [options]

Send INPUT as RTP to HOST: video to PORT, audio to PORT+2 (an audio-only input uses PORT),
RTCP sender reports to the next port up (PORT+1, PORT+3). Write the SDP receivers need with --sdp.

INPUT is one of:
  test                 built-in live test card (MJPEG, RTP payload type 26), 640x480@25
  test:WxH@FPS         test card of another size/rate, e.g. test:1280x720@30
  test:h264            the test card H.264-encoded in process (test:h264:WxH@FPS likewise)
  FILE                 a file, by extension:
${FILE_INPUTS.map((t) => `                         ${t.extensions.join(' ').padEnd(33)} ${t.label}`).join('\n')}

Options:
  --to HOST:PORT       destination (IPv6 as [ADDR]:PORT); PORT should be even
  --sdp FILE           write the session description to FILE ('-' for stdout)
  --loop               play files again from the start at their end (default: once, then exit)
  --duration S         stop after S seconds
  --fps N              frame rate for the test card and for video files without timing info
  --size WxH           test card size (default 640x480)
  --payload-type PT    RTP payload type of the first track (default: 26 for JPEG, 96 for H.264…)
  --max-packet-size N  largest RTP packet in bytes, header included (default 1400)
  --ttl N              multicast TTL (default 16)
${statsHelp(5)}  -h, --help           show this help

Receive with:
  ffplay -protocol_whitelist file,udp,rtp -i out.sdp
  ffmpeg -protocol_whitelist file,udp,rtp -i out.sdp -c copy out.mkv
  gst-launch-1.0 udpsrc port=PORT caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96" ! rtph264depay ! h264parse ! avdec_h264 ! autovideosink
  rtspkit rtp recv out.sdp --out copy.h264
`

export const RTP_RECV_HELP = `Usage: rtspkit rtp recv FILE.sdp [options]
       rtspkit rtp recv --port N --codec NAME [options]

Receive RTP over UDP: from the streams an SDP file describes (written by 'rtspkit rtp send --sdp',
ffmpeg -f rtp, a camera…), or one stream on --port. Packets are put back in order, duplicates
dropped, loss and jitter counted (RFC 3550), receiver reports sent back to the sender.

Options:
  --port N             UDP port of the RTP stream (RTCP on N+1); instead of an SDP file
  --codec NAME         payload format with --port: h264, h265, jpeg (mjpeg), aac, opus, pcmu, pcma, l16,
                       or any other RTP encoding name (received as raw payloads)
  --clock-rate R       RTP clock rate with --port (default: the codec's, e.g. 90000 for video)
  --payload-type PT    accept only this payload type with --port (default: any)
  --channels N         audio channels with --port (default 1; 2 for Opus and AAC)
  --fmtp PARAMS        format parameters with --port, e.g. "config=1190;sizelength=13" for AAC
  --host ADDR          local address to bind, or the multicast group to join (default: all)
  --out FILE           write frames, by extension:
                         .h264 .264 .avc       H.264 Annex-B     .h265 .265 .hevc   H.265 Annex-B
                         .mjpeg .mjpg or DIR/  JPEG frames       .aac               AAC in ADTS
                         .wav                  L16 as PCM, G.711 as WAV format 7/6 (see --pcm)
                         .mp4                  fragmented MP4: H.264, H.265, AAC, Opus, G.711, L16
                         .bin .raw             raw payloads      -                  stdout
                       With several streams, the first one that fits the extension is written.
  --pcm                decode G.711 to 16-bit PCM when writing .wav
  --duration S         stop after S seconds (default: until Ctrl+C or the sender's RTCP BYE)
  --reorder N          packets held to put reordered ones back in order (default 64)
  --latency MS         longest wait for a missing packet before it counts as lost (default 200)
${statsHelp(5)}  -h, --help           show this help

Stats go to stderr: packets, bytes, lost, duplicates, reordered, jitter, frames.
Examples:
  rtspkit rtp recv --port 5000 --codec h264 --out cam.h264      (gst ... ! rtph264pay ! udpsink port=5000)
  rtspkit rtp recv stream.sdp --out frames/                      (MJPEG, one .jpg per frame)
`

const RTP_FAILURES = 'a port in use, a host that does not resolve, a write error'
const MAX_PORT = 65535
const MS_PER_SECOND = 1000
const DEFAULT_STATS_INTERVAL_S = 5
const HOST_PORT = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/

// ---- send ---------------------------------------------------------------------------------------

export interface RtpSendConfig extends StatsArgs {
  input: string
  host: string
  port: number
  sdp?: string
  loop: boolean
  duration?: number
  fps?: number
  width?: number
  height?: number
  payloadType?: number
  maxPacketSize?: number
  ttl?: number
}

export function parseRtpSendArgs(argv: string[]): RtpSendConfig | 'help' {
  const parsed = parseCommandArgs('rtp send', argv, {
    to: { type: 'string' },
    sdp: { type: 'string' },
    loop: { type: 'boolean' },
    duration: { type: 'string' },
    fps: { type: 'string' },
    size: { type: 'string' },
    'payload-type': { type: 'string' },
    'max-packet-size': { type: 'string' },
    ttl: { type: 'string' },
    ...STATS_ARGS,
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  if (parsed.positionals.length !== 1) {
    throw new ConfigError(
      'ERR_CLI_ARGS',
      `rtp send needs exactly one INPUT (test, test:WxH@FPS or a file), got ${parsed.positionals.length}; see rtspkit rtp send --help`,
      { observed: parsed.positionals },
    )
  }
  if (v.to === undefined)
    throw new ConfigError('ERR_CLI_ARGS', 'rtp send needs --to HOST:PORT; see rtspkit rtp send --help', { observed: argv })
  const m = HOST_PORT.exec(v.to)
  const port = m ? Number(m[3]) : NaN
  if (!m || !Number.isInteger(port) || port < 1 || port > MAX_PORT - 1) {
    throw new ConfigError('ERR_CLI_VALUE', `--to must look like HOST:PORT with PORT from 1 to ${MAX_PORT - 1}, got "${v.to}"`, {
      observed: v.to,
    })
  }
  const cfg: RtpSendConfig = {
    input: parsed.positionals[0]!,
    host: m[1] ?? m[2]!,
    port,
    loop: v.loop ?? false,
    ...statsArgs(v, DEFAULT_STATS_INTERVAL_S),
  }
  if (v.sdp !== undefined) cfg.sdp = v.sdp
  const duration = secondsOption('duration', v.duration, false)
  if (duration !== undefined) cfg.duration = duration
  const fps = fpsOption(v.fps)
  if (fps !== undefined) cfg.fps = fps
  Object.assign(cfg, sizeOption(v.size))
  const pt = intOption('payload-type', v['payload-type'], 0, 127)
  if (pt !== undefined) cfg.payloadType = pt
  const mps = intOption('max-packet-size', v['max-packet-size'], 200, 65507)
  if (mps !== undefined) cfg.maxPacketSize = mps
  const ttl = intOption('ttl', v.ttl, 1, 255)
  if (ttl !== undefined) cfg.ttl = ttl
  return cfg
}

async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host)) return host
  try {
    return (await dns.lookup(host)).address
  } catch (err) {
    throw new ConfigError('ERR_RTP_HOST', `cannot resolve host "${host}"`, { observed: host }, { cause: err })
  }
}

export function formatSendStats(host: string, s: RtpSendTrackStats): string {
  const rr = s.lastReceiverReport
  const peer = rr ? `; receiver: ${rr.totalLost} lost, jitter ${((rr.jitter * MS_PER_SECOND) / s.clockRate).toFixed(1)} ms` : ''
  return `${s.kind} ${s.encodingName} -> ${host}:${s.port}: ${s.frames} frames, ${s.packets} packets, ${megabytes(s.bytes)}${s.framesRefused ? `, ${s.framesRefused} refused` : ''}${peer}`
}

export async function runRtpSend(cfg: RtpSendConfig): Promise<number> {
  const source = openInputSource(cfg.input, { loop: cfg.loop, fps: cfg.fps, width: cfg.width, height: cfg.height })
  const host = await resolveHost(cfg.host)
  const session = new RtpSendSession({
    source,
    host,
    port: cfg.port,
    ...(cfg.payloadType !== undefined ? { payloadTypes: [cfg.payloadType] } : {}),
    ...(cfg.maxPacketSize !== undefined ? { maxPacketSize: cfg.maxPacketSize } : {}),
    ...(cfg.ttl !== undefined ? { ttl: cfg.ttl } : {}),
    onWarning: (err) => console.error(`rtspkit: warning: ${err.message}`),
  })
  const sdp = session.sdp()
  if (cfg.sdp === '-') process.stdout.write(sdp)
  else if (cfg.sdp !== undefined) {
    try {
      writeFileSync(cfg.sdp, sdp)
    } catch (err) {
      throw new ConfigError(
        'ERR_CLI_SDP',
        `cannot write ${cfg.sdp}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        { observed: cfg.sdp },
        { cause: err },
      )
    }
  }
  await session.start()
  const out = new ProgressOutput(cfg)
  const report = (type: 'progress' | 'end', head = ''): void =>
    out.lines(
      session.stats().map((s) => head + formatSendStats(host, s)),
      listFields(out.elapsed(), 'tracks', session.stats()),
      type,
    )
  for (const s of session.stats())
    out.info(
      `sending ${source.description}: ${s.kind} ${s.encodingName}/${s.clockRate}${s.channels !== undefined ? `/${s.channels}` : ''} (payload type ${s.payloadType}) to ${host}:${s.port}`,
    )
  const stop = out.every(() => report('progress'))
  await waitForEnd(cfg.duration, source.done)
  stop()
  await session.close()
  report('end', 'done: ')
  return 0
}

// ---- recv ---------------------------------------------------------------------------------------

export interface RtpRecvConfig extends StatsArgs {
  sdpFile?: string
  port?: number
  codec?: string
  clockRate?: number
  payloadType?: number
  channels?: number
  fmtp?: string
  host?: string
  out?: string
  pcm: boolean
  duration?: number
  reorder?: number
  latency?: number
}

export function parseRtpRecvArgs(argv: string[]): RtpRecvConfig | 'help' {
  const parsed = parseCommandArgs('rtp recv', argv, {
    port: { type: 'string' },
    codec: { type: 'string' },
    'clock-rate': { type: 'string' },
    'payload-type': { type: 'string' },
    channels: { type: 'string' },
    fmtp: { type: 'string' },
    host: { type: 'string' },
    out: { type: 'string' },
    pcm: { type: 'boolean' },
    duration: { type: 'string' },
    reorder: { type: 'string' },
    latency: { type: 'string' },
    ...STATS_ARGS,
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  const pos = parsed.positionals
  if (pos.length > 1)
    throw new ConfigError('ERR_CLI_ARGS', `rtp recv takes at most one SDP file, got ${pos.length} arguments; see rtspkit rtp recv --help`, {
      observed: pos,
    })
  const cfg: RtpRecvConfig = {
    pcm: v.pcm ?? false,
    ...statsArgs(v, DEFAULT_STATS_INTERVAL_S),
  }
  const streamOptions = (['port', 'codec', 'clock-rate', 'payload-type', 'channels', 'fmtp'] as const).filter((k) => v[k] !== undefined)
  if (pos.length === 1) {
    if (streamOptions.length > 0) {
      throw new ConfigError(
        'ERR_CLI_ARGS',
        `--${streamOptions[0]} cannot be used with an SDP file (the SDP says it); see rtspkit rtp recv --help`,
        { observed: streamOptions },
      )
    }
    cfg.sdpFile = pos[0]!
  } else {
    if (v.port === undefined || v.codec === undefined) {
      throw new ConfigError('ERR_CLI_ARGS', 'rtp recv needs an SDP file, or --port N and --codec NAME; see rtspkit rtp recv --help', {
        observed: argv,
      })
    }
    cfg.port = intOption('port', v.port, 1, MAX_PORT)!
    cfg.codec = v.codec
    const clockRate = intOption('clock-rate', v['clock-rate'], 1, 10_000_000)
    if (clockRate !== undefined) cfg.clockRate = clockRate
    const pt = intOption('payload-type', v['payload-type'], 0, 127)
    if (pt !== undefined) cfg.payloadType = pt
    const channels = intOption('channels', v.channels, 1, 64)
    if (channels !== undefined) cfg.channels = channels
    if (v.fmtp !== undefined) cfg.fmtp = v.fmtp
  }
  if (v.host !== undefined) {
    if (!net.isIP(v.host)) throw new ConfigError('ERR_CLI_VALUE', `--host must be an IP address, got "${v.host}"`, { observed: v.host })
    cfg.host = v.host
  }
  if (v.out !== undefined) cfg.out = v.out
  const duration = secondsOption('duration', v.duration, false)
  if (duration !== undefined) cfg.duration = duration
  const reorder = intOption('reorder', v.reorder, 1, 4096)
  if (reorder !== undefined) cfg.reorder = reorder
  const latency = intOption('latency', v.latency, 0, 60_000)
  if (latency !== undefined) cfg.latency = latency
  return cfg
}

export function formatRecvStats(s: RtpReceiveStreamStats): string {
  const pct = s.expected > 0 ? ((100 * Math.max(0, s.lost)) / s.expected).toFixed(1) : '0.0'
  const extra = [
    s.duplicates ? `${s.duplicates} duplicate` : '',
    s.late ? `${s.late} late` : '',
    s.depacketizerErrors ? `${s.depacketizerErrors} refused` : '',
    s.malformed ? `${s.malformed} malformed` : '',
  ].filter((x) => x !== '')
  return `port ${s.port} ${s.encodingName}: ${s.packets} packets (${megabytes(s.bytes)}), ${s.lost} lost (${pct}%), ${s.reordered} reordered, jitter ${s.jitterMs.toFixed(2)} ms, ${s.frames} frames${extra.length ? ', ' + extra.join(', ') : ''}`
}

function buildSession(
  cfg: RtpRecvConfig,
  onFrame: ConstructorParameters<typeof RtpReceiveSession>[0]['onFrame'],
  onGoodbye: (i: number) => void,
): RtpReceiveSession {
  const registry = createCodecRegistry()
  const common = {
    ...(cfg.host !== undefined ? { bindAddress: cfg.host } : {}),
    ...(cfg.reorder !== undefined ? { reorderWindow: cfg.reorder } : {}),
    ...(cfg.latency !== undefined ? { maxDelayMs: cfg.latency } : {}),
    ...(onFrame ? { onFrame } : {}),
    onGoodbye,
    onWarning: (err: RtspkitError) => {
      // Refused payloads are counted in the stats; only say what a user can act on.
      if (err.code === 'ERR_UDP_BIND') console.error(`rtspkit: warning: ${err.message}; receiving without RTCP`)
    },
  }
  if (cfg.sdpFile !== undefined) {
    let text: Buffer
    try {
      text = readFileSync(cfg.sdpFile)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new ConfigError(
        'ERR_CLI_SDP',
        `cannot read ${cfg.sdpFile}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
        { observed: cfg.sdpFile },
        { cause: err },
      )
    }
    try {
      return RtpReceiveSession.fromSdp(text, { ...common, registry })
    } catch (err) {
      if (err instanceof RtspkitError && !(err instanceof ConfigError)) {
        throw new ConfigError('ERR_CLI_SDP', `${cfg.sdpFile}: ${err.message}`, { observed: cfg.sdpFile }, { cause: err })
      }
      throw err
    }
  }
  const known = registry.byName(cfg.codec!)
  const clockRate = cfg.clockRate ?? known?.defaultClockRate ?? 90000
  const codec = known ?? registry.resolve({ encodingName: cfg.codec!.toUpperCase(), clockRate })
  const params: FormatParams = {
    payloadType: cfg.payloadType ?? codec.staticPayloadType ?? codec.defaultPayloadType,
    encodingName: codec.encodingName,
    clockRate,
    fmtp: cfg.fmtp !== undefined ? parseFmtp(`0 ${cfg.fmtp}`).params : new Map<string, string>(),
  }
  const channels = cfg.channels ?? codec.defaultChannels
  if (channels !== undefined) params.channels = channels
  return new RtpReceiveSession({
    ...common,
    streams: [{ port: cfg.port!, address: cfg.host, codec, params, filterPayloadType: cfg.payloadType !== undefined, kind: codec.kind }],
  })
}

export async function runRtpRecv(cfg: RtpRecvConfig): Promise<number> {
  let sink: FrameSink | undefined
  let sinkStream = -1
  let sinkError: Error | undefined
  let allGone: () => void = () => {}
  const goodbye = new Promise<void>((resolve) => (allGone = resolve))
  const session = buildSession(
    cfg,
    (frame, i) => {
      if (i !== sinkStream || !sink || sinkError) return
      try {
        sink.write(frame)
      } catch (err) {
        sinkError = asError(err)
        allGone() // cannot write: stop now
      }
    },
    () => {
      const stats = session.stats()
      if (stats.every((s) => s.goodbye || s.packets === 0) && stats.some((s) => s.goodbye)) allGone()
    },
  )
  const formats = session.formats
  if (cfg.out !== undefined) {
    const out = cfg.out
    sinkStream = formats.findIndex((f) => sinkFits(out, f.codec))
    if (sinkStream < 0) {
      const what = formats.map((f) => f.params.encodingName).join(' or ')
      const fits = [...new Set(formats.flatMap((f) => sinkExtensionsFor(f.codec)))]
      throw new ConfigError('ERR_CLI_OUT', `cannot write a ${what} stream to ${out}; use ${fits.join(' ')}`, {
        observed: out,
        allowed: fits,
      })
    }
    const f = formats[sinkStream]!
    sink = openSink(out, { codec: f.codec, params: f.params, decodeG711: cfg.pcm, stdout: process.stdout })
  }
  try {
    await session.start()
  } catch (err) {
    await sink?.close()
    throw err
  }
  const out = new ProgressOutput(cfg)
  const report = (type: 'progress' | 'end', head = ''): void =>
    out.lines(
      session.stats().map((s) => head + formatRecvStats(s)),
      listFields(out.elapsed(), 'streams', session.stats()),
      type,
    )
  for (const f of formats) {
    const ch = f.params.channels !== undefined && f.codec.kind === 'audio' ? `/${f.params.channels}` : ''
    out.info(
      `receiving ${f.params.encodingName}/${f.params.clockRate}${ch} on UDP port ${f.port}${f.codec.passthrough ? ' (unknown format: raw payloads)' : ''}`,
    )
  }
  if (sink) out.info(`writing ${sink.description}`)
  const stop = out.every(() => report('progress'))
  const why = await waitForEnd(cfg.duration, goodbye)
  stop()
  await session.close()
  await sink?.close()
  if (sinkError) throw sinkError
  const stats = session.stats()
  report('end', `done${why === 'done' ? ' (sender said BYE)' : ''}: `)
  if (sink)
    out.info(
      `wrote ${sink.framesWritten} frames to ${sink.description}${sink.framesSkipped ? `, skipped ${sink.framesSkipped} before the first keyframe` : ''}`,
    )
  if (stats.every((s) => s.packets === 0)) {
    console.error(`rtspkit: no RTP packets received on UDP port ${formats.map((f) => f.port).join(', ')}`)
    return 1
  }
  return 0
}

// ---- dispatch -----------------------------------------------------------------------------------

/** `rtspkit rtp ARGS…`; resolves with the exit code. */
export async function runRtpCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub === 'help') return printHelp(RTP_HELP, RTP_FAILURES)
  if (sub === undefined)
    throw new ConfigError('ERR_CLI_ARGS', 'rtp needs a command: send or recv; see rtspkit rtp --help', { observed: argv })
  if (sub === 'send') {
    const cfg = parseRtpSendArgs(rest)
    if (cfg === 'help') return printHelp(RTP_SEND_HELP, RTP_FAILURES)
    return runRtpSend(cfg)
  }
  if (sub === 'recv' || sub === 'receive') {
    const cfg = parseRtpRecvArgs(rest)
    if (cfg === 'help') return printHelp(RTP_RECV_HELP, `${RTP_FAILURES}, no RTP packet received`)
    return runRtpRecv(cfg)
  }
  throw new ConfigError('ERR_CLI_ARGS', `unknown rtp command "${sub}"; use rtp send or rtp recv`, {
    observed: sub,
    allowed: ['send', 'recv'],
  })
}
