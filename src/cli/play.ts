/**
 * `rtspkit play URL`: plays an RTSP stream with live stats on the terminal, and writes what arrives
 * to a file picked by extension (.mp4 holds video and audio; the others hold one track).
 */
import path from 'node:path'
import { RtspClient, type ClientDescription, type ClientFrame, type ClientTrack } from '../client/index.js'
import { trackInfosFor } from '../client/track-info.js'
import { ConfigError } from '../errors.js'
import { DecodeTimes } from '../formats/mp4/decode-times.js'
import { openMp4File, type Mp4File } from '../formats/mp4/mp4-file.js'
import { mp4WritableFamilies } from '../formats/mp4/sample-entry.js'
import type { FrameSink } from '../sinks/frame-sink.js'
import { openSink, sinkExtensionsFor, sinkFits } from '../sinks/sink-factory.js'
import { systemClock } from '../util/clock.js'
import { megabytes, parseCommandArgs, secondsOption, waitForEnd } from './options.js'
import { oneUrl } from './probe.js'
import {
  CLIENT_ARGS,
  CLIENT_HELP,
  TEACHING_DIALECT_NOTE,
  TRANSPORT_HELP,
  clientArgs,
  clientOptions,
  type ClientArgs,
} from './client-options.js'

export const PLAY_HELP = `Usage: rtspkit play URL [options]

Play an RTSP stream: prints frame rate, bitrate, loss and jitter per track while it plays,
and writes what it receives to --out. URL may carry credentials (rtsp://user:pass@host/path).

Options:
${TRANSPORT_HELP}  --duration S         stop after S seconds (default: until Ctrl+C or the stream ends)
  --out FILE           write the stream, by extension:
                         .mp4                 video (${mp4WritableFamilies('video').join('/')}) and audio (${mp4WritableFamilies('audio').join(', ')})
                                              in a fragmented MP4: a crash loses at most the last second
                         .h264 .264 .avc      H.264 Annex-B       .h265 .265 .hevc   H.265 Annex-B
                         .mjpeg .mjpg or DIR/ JPEG frames         .aac               AAC in ADTS
                         .wav                 L16 as PCM, G.711 as WAV format 7/6
                         .bin .raw            raw payloads
                       Single-track formats take the first track that fits.
  --stats-interval S   seconds between stats lines (default 1; 0 for only at the end)
  --reconnect          reconnect with backoff when the connection drops
${CLIENT_HELP}  -h, --help           show this help
`

export interface PlayConfig extends ClientArgs {
  url: string
  transport: 'udp' | 'tcp' | 'http' | 'multicast' | 'auto'
  duration?: number
  out?: string
  statsInterval: number
  reconnect: boolean
}

const TRANSPORTS = ['udp', 'tcp', 'http', 'multicast', 'auto'] as const

export function parseTransportOption(value: string | undefined, allowed: readonly string[] = TRANSPORTS): string | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value))
    throw new ConfigError('ERR_CLI_VALUE', `--transport must be ${allowed.join(', ').replace(/, ([^,]*)$/, ' or $1')}, got "${value}"`, {
      observed: value,
      allowed,
    })
  return value
}

export function parsePlayArgs(argv: string[]): PlayConfig | 'help' {
  const parsed = parseCommandArgs('play', argv, {
    transport: { type: 'string' },
    duration: { type: 'string' },
    out: { type: 'string' },
    'stats-interval': { type: 'string' },
    reconnect: { type: 'boolean' },
    ...CLIENT_ARGS,
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  const cfg: PlayConfig = {
    url: oneUrl('play', parsed.positionals),
    transport: (parseTransportOption(v.transport) ?? 'auto') as PlayConfig['transport'],
    statsInterval: secondsOption('stats-interval', v['stats-interval'], true) ?? 1,
    reconnect: v.reconnect ?? false,
    ...clientArgs(v),
  }
  const duration = secondsOption('duration', v.duration, false)
  if (duration !== undefined) cfg.duration = duration
  if (v.out !== undefined) {
    if (v.out === '') throw new ConfigError('ERR_CLI_VALUE', '--out needs a file name, e.g. --out clip.mp4', { observed: v.out })
    cfg.out = v.out
  }
  return cfg
}

/** Where frames go: an MP4 with every track it can hold, or a single-track sink. */
interface Recording {
  description: string
  write(frame: ClientFrame): void
  close(): Promise<void>
}

function openRecording(out: string, d: ClientDescription): Recording {
  const tracks = d.tracks
  if (path.extname(out).toLowerCase() === '.mp4') {
    const plan = trackInfosFor(d)
    if (plan.infos.length === 0) {
      throw new ConfigError(
        'ERR_SINK_FORMAT',
        `none of the tracks (${tracks.map((t) => t.format.encodingName).join(', ')}) fits in MP4; use .bin for raw payloads`,
        { observed: tracks.map((t) => t.format.encodingName) },
      )
    }
    const file: Mp4File = openMp4File(out, plan.infos)
    // Tracks start together in the file: each track's clock is anchored at the arrival of its first frame.
    const anchors = new Map<number, number>()
    // Video may hold B-frames: decode times from a small window of presentation times.
    const decode = plan.infos.map((info, i) =>
      info.kind === 'video' ? new DecodeTimes<ClientFrame>((f, pts, dts) => file.writeFrame(i, f.data, pts, f.keyframe, dts)) : undefined,
    )
    return {
      description: `${out} (MP4: ${plan.infos.map((i) => i.codec).join(' + ')})`,
      write(f) {
        const i = plan.byClientTrack.get(f.track)
        if (i === undefined) return
        if (!anchors.has(f.track)) anchors.set(f.track, systemClock.monoMs() - f.ptsMs)
        const pts = anchors.get(f.track)! + f.ptsMs
        const d = decode[i]
        if (d) d.push(f, pts)
        else file.writeFrame(i, f.data, pts, f.keyframe)
      },
      close: () => {
        for (const d of decode) d?.flush()
        return file.close()
      },
    }
  }
  const track = tracks.find((t) => sinkFits(out, t.codec))
  if (!track) {
    const fits = tracks.map((t) => `${t.format.encodingName}: ${sinkExtensionsFor(t.codec).join(' ')}`).join('; ')
    throw new ConfigError('ERR_SINK_FORMAT', `no track fits ${path.basename(out)} (${fits}; .mp4 holds video and audio)`, { observed: out })
  }
  const sink: FrameSink = openSink(out, { codec: track.codec, params: track.format, stdout: process.stdout })
  return {
    description: sink.description,
    write(f) {
      if (f.track === track.index) sink.write({ ...f, ssrc: 0 })
    },
    close: () => sink.close(),
  }
}

interface Meter {
  frames: number
  bytes: number
}

export function formatPlayStats(
  track: ClientTrack,
  s: { packets: number; lost: number; jitter: number },
  m: Meter,
  seconds: number,
): string {
  const fps = seconds > 0 ? m.frames / seconds : 0
  const kbps = seconds > 0 ? (m.bytes * 8) / seconds / 1000 : 0
  const pct = s.packets + s.lost > 0 ? ((100 * Math.max(0, s.lost)) / (s.packets + Math.max(0, s.lost))).toFixed(1) : '0.0'
  return `${track.kind} ${track.format.encodingName}: ${fps.toFixed(1)} fps, ${kbps.toFixed(0)} kbit/s, ${s.lost} lost (${pct}%), jitter ${s.jitter.toFixed(1)} ms`
}

export async function runPlay(cfg: PlayConfig): Promise<number> {
  const client = new RtspClient(cfg.url, {
    transport: cfg.transport,
    reconnect: cfg.reconnect,
    ...clientOptions(cfg),
  })
  let recording: Recording | undefined
  const meters = new Map<number, Meter>()
  const totals = new Map<number, Meter>()
  client.on('frame', (f) => {
    for (const map of [meters, totals]) {
      const m = map.get(f.track) ?? { frames: 0, bytes: 0 }
      m.frames++
      m.bytes += f.data.length
      map.set(f.track, m)
    }
    recording?.write(f)
  })
  client.on('warning', (err) => cfg.verbose && console.error(`rtspkit: warning: ${err.message}`))
  client.on('reconnecting', (e) =>
    console.error(`rtspkit: connection lost (${e.error.message}); reconnecting in ${(e.delayMs / 1000).toFixed(1)} s`),
  )
  client.on('reconnected', () => console.error('rtspkit: reconnected'))
  client.on('transport', (t) => console.error(`rtspkit: using ${t.toUpperCase()}`))
  client.on('tunnelled', () => console.error('rtspkit: plain RTSP got no answer; using RTSP over HTTP tunnelling'))
  client.on('dialect', () => console.error(TEACHING_DIALECT_NOTE))
  const ended = new Promise<void>((resolve) => client.once('close', () => resolve()))
  client.on('error', () => {}) // reported through close / the promise below
  try {
    const d = await client.describe()
    for (const t of d.tracks)
      console.error(
        `rtspkit: ${t.kind} ${t.format.encodingName}/${t.format.clockRate}${t.info.width ? ` ${t.info.width}x${t.info.height}` : ''}`,
      )
    if (cfg.out !== undefined) {
      recording = openRecording(cfg.out, d)
      console.error(`rtspkit: writing ${recording.description}`)
    }
    await client.play()
    const started = systemClock.monoMs()
    let last = started
    const line = (m: Map<number, Meter>, seconds: number): string =>
      client
        .stats()
        .map((s) => formatPlayStats(d.tracks[s.track]!, s, m.get(s.track) ?? { frames: 0, bytes: 0 }, seconds))
        .join(' | ')
    const timer =
      cfg.statsInterval > 0
        ? setInterval(() => {
            const now = systemClock.monoMs()
            const text = line(meters, (now - last) / 1000)
            meters.clear()
            last = now
            if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`)
            else console.error(text)
          }, cfg.statsInterval * 1000)
        : undefined
    const why = await waitForEnd(cfg.duration, ended)
    if (timer) clearInterval(timer)
    if (process.stderr.isTTY && timer) process.stderr.write('\n')
    console.error(`rtspkit: ${why === 'done' ? 'stream ended' : 'stopped'}: ${line(totals, (systemClock.monoMs() - started) / 1000)}`)
    for (const [track, m] of totals) console.error(`rtspkit: track ${track}: ${m.frames} frames, ${megabytes(m.bytes)}`)
    return 0
  } finally {
    await client.close()
    await recording?.close()
  }
}
