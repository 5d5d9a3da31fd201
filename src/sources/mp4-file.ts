/**
 * MP4 / QuickTime file source (ISO/IEC 14496-12, -14, -15): plays the first H.264/H.265 video track and
 * the first AAC, Opus or G.711 audio track of a file in real time, without transcoding.
 *
 * - Samples are pushed in decode order, interleaved by decode time across tracks; `ptsMs` is each
 *   sample's presentation time (decode time + 'ctts' offset, shifted by a simple edit list), so with
 *   B-frames the pushed times are not monotonic — the RTP timestamps then carry the presentation order
 *   as RFC 6184 expects.
 * - Times start at 0 for the earliest sample and grow across loops by the longest track's duration.
 * - Files up to `memoryLimit` bytes are read into memory; larger ones keep only their sample tables
 *   and read each sample with a positional read when it is due.
 * - While `wanted()` is false no sample is read or pushed; time keeps running (readers start at a
 *   keyframe anyway).
 * - Video samples are split into NAL units by their length prefixes; a malformed sample is skipped and
 *   counted in `skippedSamples` (a timer callback must not throw).
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { parseAudioSpecificConfig } from '../codecs/aac/audio-specific-config.js'
import { parseSps } from '../codecs/h264/sps.js'
import { parseH265Sps } from '../codecs/h265/sps.js'
import { ConfigError, LimitError, ParseError, RtspkitError } from '../errors.js'
import { bufferByteSource, FileByteSource, type ByteSource } from '../formats/mp4/byte-source.js'
import { demuxMp4, type Mp4Movie, type Mp4Track } from '../formats/mp4/demuxer.js'
import { splitLengthPrefixed } from '../formats/mp4/length-prefixed.js'
import type { Clock } from '../util/clock.js'
import { checkFps, sourceFileError } from './annexb-file-source.js'
import type { AudioTrackInfo, FramePush, MediaSource, TrackInfo, VideoTrackInfo } from './source.js'
import { TimelinePlayer, type Timeline, type TimelineTrack } from './timeline.js'

/** Files up to this size are read into memory whole by default. */
export const DEFAULT_MP4_MEMORY_LIMIT = 64 * 1024 * 1024
const G711_RATE = 8000
const MS_PER_S = 1000
const FPS_DECIMALS = 100

export interface Mp4FileSourceOptions {
  /** Start again after the end (default true); when false the source stops itself. */
  loop?: boolean | undefined
  clock?: Clock | undefined
  /** Files up to this many bytes are read into memory; larger ones are read sample by sample. */
  memoryLimit?: number | undefined
}

/** A track being played: where its samples are and how one becomes a frame. */
interface PlayedTrack {
  mp4: Mp4Track
  info: TrackInfo
  /** NAL length size for video; 0 for audio (the sample is the frame). */
  lengthSize: number
}

const CODEC_LABELS: Readonly<Record<string, string>> = {
  h264: 'H.264',
  h265: 'H.265',
  aac: 'AAC',
  opus: 'Opus',
  pcmu: 'G.711 µ-law',
  pcma: 'G.711 A-law',
}

/** The fps of a track from its sample times: samples per second over the track's duration. */
function fpsFromSamples(t: Mp4Track): number | undefined {
  const s = t.samples
  const span = s.endDts - (s.dts[0] ?? 0)
  if (s.count < 2 || span <= 0) return undefined
  return Math.round(((s.count * t.timescale) / span) * FPS_DECIMALS) / FPS_DECIMALS
}

function videoInfo(file: string, t: Mp4Track): PlayedTrack | undefined {
  const e = t.entry
  if (e.codec !== 'h264' && e.codec !== 'h265') return undefined
  const info: VideoTrackInfo = { kind: 'video', codec: e.codec, width: e.width || t.width, height: e.height || t.height }
  const sps = e.sps[0]
  if (sps) {
    info.sps = sps
    try {
      const parsed = e.codec === 'h264' ? parseSps(sps) : parseH265Sps(sps)
      info.width = parsed.width
      info.height = parsed.height
      if (parsed.fps !== undefined) info.fps = parsed.fps
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
      throw new ParseError(
        err.code,
        `${file}: the ${CODEC_LABELS[e.codec]} SPS in its sample entry is malformed: ${err.message}`,
        err.details,
        { cause: err },
      )
    }
  }
  if (e.pps[0]) info.pps = e.pps[0]
  if (e.codec === 'h265' && e.vps[0]) info.vps = e.vps[0]
  const fps = fpsFromSamples(t)
  if (fps !== undefined) info.fps = checkFps(fps, file, 'the sample durations')
  return { mp4: t, info, lengthSize: e.lengthSize }
}

function audioInfo(t: Mp4Track): PlayedTrack | undefined {
  const e = t.entry
  let info: AudioTrackInfo
  switch (e.codec) {
    case 'aac': {
      const asc = parseAudioSpecificConfig(e.config)
      info = { kind: 'audio', codec: 'aac', sampleRate: asc.sampleRate, channels: asc.channels || e.channels, config: e.config }
      break
    }
    case 'opus':
      info = { kind: 'audio', codec: 'opus', sampleRate: e.sampleRate, channels: e.channels }
      break
    case 'pcmu':
    case 'pcma':
      if (e.sampleRate !== G711_RATE) return undefined // G.711 over RTP is 8000 Hz
      info = { kind: 'audio', codec: e.codec, sampleRate: e.sampleRate, channels: e.channels }
      break
    default:
      return undefined
  }
  return { mp4: t, info, lengthSize: 0 }
}

/** The codecs of a movie for messages: "avc1 (H.264), ac-3 (Dolby Digital)". */
function codecsFound(movie: Mp4Movie): string {
  const names = movie.tracks.map((t) => {
    const e = t.entry
    if (e.codec === 'unsupported') return e.name
    if (e.codec === 'pcmu' || e.codec === 'pcma') return `${e.fourcc} at ${e.sampleRate} Hz`
    return `${e.fourcc} (${CODEC_LABELS[e.codec]})`
  })
  return names.length ? names.join(', ') : 'no tracks'
}

function describe(t: PlayedTrack): string {
  const i = t.info
  if (i.kind === 'video') return `${CODEC_LABELS[i.codec]} ${i.width}x${i.height}${i.fps ? `@${i.fps}` : ''}`
  const layout = i.channels === 1 ? 'mono' : i.channels === 2 ? 'stereo' : `${i.channels} ch`
  return `${CODEC_LABELS[i.codec]} ${i.sampleRate} Hz ${layout}`
}

/** Opens the file: whole in memory when small, else for positional reads. */
function openBytes(file: string, memoryLimit: number): ByteSource {
  try {
    if (statSync(file).size <= memoryLimit) return bufferByteSource(readFileSync(file))
    return new FileByteSource(file)
  } catch (err) {
    throw sourceFileError(file, err)
  }
}

/** Demuxes with the file's name in every message; errors keep their class and code. */
function demuxFile(file: string, bytes: ByteSource): Mp4Movie {
  try {
    return demuxMp4(bytes)
  } catch (err) {
    bytes.close()
    if (err instanceof LimitError) throw new LimitError(err.code, `${file}: ${err.message}`, err.details, { cause: err })
    if (err instanceof RtspkitError) throw new ParseError(err.code, `${file}: ${err.message}`, err.details, { cause: err })
    throw err
  }
}

/**
 * An MP4 file's first video and first audio track as a timeline: samples in decode order with their
 * due (decode) and presentation times in ms from the earliest sample, read on demand.
 */
export class Mp4Timeline implements Timeline {
  readonly tracks: TimelineTrack[]
  readonly durationMs: number
  readonly description: string
  readonly movie: Mp4Movie
  /** Samples skipped because their NAL lengths were malformed or the read failed. */
  skippedSamples = 0
  private readonly bytes: ByteSource

  constructor(file: string, opts: { memoryLimit?: number | undefined } = {}) {
    this.bytes = openBytes(file, opts.memoryLimit ?? DEFAULT_MP4_MEMORY_LIMIT)
    this.movie = demuxFile(file, this.bytes)
    const withSamples = this.movie.tracks.filter((t) => t.samples.count > 0)
    const video = withSamples.map((t) => videoInfo(file, t)).find((t) => t !== undefined)
    const audio = withSamples.map(audioInfo).find((t) => t !== undefined)
    const played = [video, audio].filter((t): t is PlayedTrack => t !== undefined)
    if (played.length === 0) {
      this.bytes.close()
      throw new ConfigError(
        'ERR_MP4_NO_TRACK',
        `${file} has no track rtspkit can play (found ${codecsFound(this.movie)}); supported: H.264, H.265, AAC, Opus, G.711 at 8000 Hz`,
        {
          observed: this.movie.tracks.map((t) => t.entry.fourcc),
          allowed: ['avc1', 'avc3', 'hvc1', 'hev1', 'mp4a', 'Opus', 'ulaw', 'alaw'],
        },
      )
    }
    const timeMs = (t: PlayedTrack, time: number): number => ((time + t.mp4.shift) * MS_PER_S) / t.mp4.timescale
    const originMs = Math.min(...played.map((t) => timeMs(t, t.mp4.samples.dts[0]!)))
    // A pass lasts as long as the longest track, so looping tracks keep their offsets.
    this.durationMs = Math.max(...played.map((t) => ((t.mp4.samples.endDts - t.mp4.samples.dts[0]!) * MS_PER_S) / t.mp4.timescale))
    this.tracks = played.map((t) => {
      const s = t.mp4.samples
      return {
        info: t.info,
        count: s.count,
        dueMs: (i: number) => timeMs(t, s.dts[i]!) - originMs,
        ptsMs: (i: number) => timeMs(t, s.pts[i]!) - originMs,
        keyframe: (i: number) => s.keyframe[i] === true,
        frame: (i: number) => this.frame(t, i),
      }
    })
    this.description = `${path.basename(file)} (MP4: ${played.map(describe).join(' + ')}, ${(this.durationMs / MS_PER_S).toFixed(1)} s)`
  }

  /** Sample `index` as a frame: NAL units for video, the bytes for audio; undefined when malformed. */
  private frame(t: PlayedTrack, index: number): Buffer | Buffer[] | undefined {
    const s = t.mp4.samples
    try {
      const data = this.bytes.read(s.offset[index]!, s.size[index]!)
      if (t.lengthSize === 0) return data
      const nalus = splitLengthPrefixed(data, t.lengthSize)
      if (nalus.length > 0) return nalus
    } catch {
      // A malformed sample or a failed read (the file changed under us): skip it, counted, and go on.
    }
    this.skippedSamples++
    return undefined
  }

  close(): void {
    this.bytes.close()
  }
}

/** Plays an MP4 file's first video and first audio track as a live source. See the file comment. */
export class Mp4FileSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  private readonly timeline: Mp4Timeline
  private readonly player: TimelinePlayer

  constructor(file: string, opts: Mp4FileSourceOptions = {}) {
    this.timeline = new Mp4Timeline(file, opts)
    this.tracks = this.timeline.tracks.map((t) => t.info)
    const loop = opts.loop ?? true
    this.player = new TimelinePlayer(this.timeline, { loop, clock: opts.clock, label: 'MP4 file source' })
    this.description = this.timeline.description.replace(/\)$/, `${loop ? ', looping' : ''})`)
  }

  get movie(): Mp4Movie {
    return this.timeline.movie
  }

  get skippedSamples(): number {
    return this.timeline.skippedSamples
  }

  get running(): boolean {
    return this.player.running
  }

  /** Throws StateError when already started. */
  start(push: FramePush, wanted?: () => boolean): void {
    this.player.start(push, wanted)
  }

  /** Idempotent; clears the timer (a later `start` resumes). */
  stop(): void {
    this.player.stop()
  }
}
