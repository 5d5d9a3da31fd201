/**
 * `rtspkit play URL`: plays an RTSP stream with live stats on the terminal, and writes what arrives
 * to a file picked by extension (.mp4 holds video and audio; the others hold one track).
 */
import { statSync } from 'node:fs'
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
import { EXIT_FAILURE, EXIT_OK } from './exit-status.js'
import {
  formatBytes,
  kbps,
  ProgressOutput,
  progressHead,
  round3,
  STATS_ARGS,
  statsArgs,
  statsHelp,
  type StatsArgs,
} from './stats-output.js'
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
${statsHelp(1)}  --reconnect          reconnect with backoff when the connection drops
${CLIENT_HELP}  -h, --help           show this help
`

export interface PlayConfig extends ClientArgs, StatsArgs {
  url: string
  transport: 'udp' | 'tcp' | 'http' | 'multicast' | 'auto'
  duration?: number
  out?: string
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
    ...STATS_ARGS,
    reconnect: { type: 'boolean' },
    ...CLIENT_ARGS,
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  const cfg: PlayConfig = {
    url: oneUrl('play', parsed.positionals),
    transport: (parseTransportOption(v.transport) ?? 'auto') as PlayConfig['transport'],
    ...statsArgs(v, 1),
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
  const pct = s.packets + s.lost > 0 ? ((100 * Math.max(0, s.lost)) / (s.packets + Math.max(0, s.lost))).toFixed(1) : '0.0'
  return `${track.kind} ${track.format.encodingName}: ${fps.toFixed(1)} fps, ${kbps(m.bytes, seconds).toFixed(0)} kbit/s, ${s.lost} lost (${pct}%), jitter ${s.jitter.toFixed(1)} ms`
}

/** The size of --out so far: a file's; none for stdout or a directory of JPEGs. */
function writtenBytes(out: string | undefined): number | undefined {
  if (out === undefined || out === '-') return undefined
  try {
    const st = statSync(out)
    return st.isFile() ? st.size : undefined
  } catch {
    return undefined
  }
}

function sum(m: Map<number, Meter>, key: keyof Meter): number {
  let n = 0
  for (const v of m.values()) n += v[key]
  return n
}

export async function runPlay(cfg: PlayConfig): Promise<number> {
  const client = new RtspClient(cfg.url, {
    transport: cfg.transport,
    reconnect: cfg.reconnect,
    ...clientOptions(cfg),
  })
  const out = new ProgressOutput(cfg)
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
  client.on('warning', (err) => cfg.verbose && out.warn(`warning: ${err.message}`))
  client.on('reconnecting', (e) => out.warn(`connection lost (${e.error.message}); reconnecting in ${(e.delayMs / 1000).toFixed(1)} s`))
  client.on('reconnected', () => out.warn('reconnected'))
  client.on('transport', (t) => out.info(`using ${t.toUpperCase()}`))
  client.on('tunnelled', () => out.info('plain RTSP got no answer; using RTSP over HTTP tunnelling'))
  client.on('dialect', () => out.info(TEACHING_DIALECT_NOTE.replace(/^rtspkit: /, '')))
  let endError: Error | undefined
  const ended = new Promise<void>((resolve) =>
    client.once('close', (err) => {
      endError = err
      resolve()
    }),
  )
  client.on('error', () => {}) // reported through close / the promise below
  let finishing: Promise<void> | undefined
  const finish = (): Promise<void> =>
    (finishing ??= (async () => {
      await client.close()
      await recording?.close()
    })())
  try {
    const d = await client.describe()
    for (const t of d.tracks)
      out.info(`${t.kind} ${t.format.encodingName}/${t.format.clockRate}${t.info.width ? ` ${t.info.width}x${t.info.height}` : ''}`)
    if (cfg.out !== undefined) {
      recording = openRecording(cfg.out, d)
      out.info(`writing ${recording.description}`)
    }
    await client.play()
    const started = systemClock.monoMs()
    let last = started
    const line = (m: Map<number, Meter>, seconds: number): string =>
      client
        .stats()
        .map((s) => formatPlayStats(d.tracks[s.track]!, s, m.get(s.track) ?? { frames: 0, bytes: 0 }, seconds))
        .join(' | ')
    // Machine-readable: totals since the start, and each track's rates over `seconds`.
    const fields = (m: Map<number, Meter>, seconds: number, elapsed: number): Record<string, unknown> => ({
      elapsed: round3(elapsed),
      bytes: sum(totals, 'bytes'),
      frames: sum(totals, 'frames'),
      ...(cfg.out !== undefined ? { bytesWritten: writtenBytes(cfg.out) ?? null } : {}),
      tracks: client.stats().map((s) => {
        const t = d.tracks[s.track]!
        const mm = m.get(s.track) ?? { frames: 0, bytes: 0 }
        return {
          track: s.track,
          kind: t.kind,
          codec: t.format.encodingName,
          frames: totals.get(s.track)?.frames ?? 0,
          bytes: totals.get(s.track)?.bytes ?? 0,
          fps: round3(seconds > 0 ? mm.frames / seconds : 0),
          kbps: round3(kbps(mm.bytes, seconds)),
          packets: s.packets,
          lost: s.lost,
          jitterMs: round3(s.jitter),
        }
      }),
    })
    const head = (elapsed: number): string => {
      const written = writtenBytes(cfg.out)
      return `${progressHead(elapsed, sum(totals, 'bytes'))}${written !== undefined ? ` (${formatBytes(written)} written)` : ''}`
    }
    const stop = out.every(() => {
      const now = systemClock.monoMs()
      const seconds = (now - last) / 1000
      const elapsed = (now - started) / 1000
      out.progress(`${head(elapsed)} | ${line(meters, seconds)}`, fields(meters, seconds, elapsed))
      meters.clear()
      last = now
    })
    const why = await waitForEnd(cfg.duration, ended)
    stop()
    const elapsed = (systemClock.monoMs() - started) / 1000
    const result = why === 'done' ? (endError ? 'stream ended with an error' : 'stream ended') : 'stopped'
    await finish()
    out.summary(`${result}: ${head(elapsed)} | ${line(totals, elapsed)}`, {
      result: why === 'done' ? (endError ? 'error' : 'ended') : 'stopped',
      ...fields(totals, elapsed, elapsed),
    })
    if (cfg.statsFormat === 'text') for (const [track, m] of totals) out.info(`track ${track}: ${m.frames} frames, ${megabytes(m.bytes)}`)
    if (endError) {
      out.warn(`${endError.message}`)
      return EXIT_FAILURE
    }
    return EXIT_OK
  } finally {
    await finish()
  }
}
