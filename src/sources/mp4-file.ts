/**
 * MP4 / QuickTime file source (ISO/IEC 14496-12, -14, -15): plays the first video track and the first
 * audio track of a file whose codec reads its sample entry (`Codec.mp4.reader`), in real time, without
 * transcoding.
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
import { builtinLabels, codecForSampleEntry, familyOf } from '../codecs/registry.js'
import { ConfigError, LimitError, ParseError, RtspkitError } from '../errors.js'
import { bufferByteSource, FileByteSource, type ByteSource } from '../formats/mp4/byte-source.js'
import { demuxMp4, type Mp4Movie, type Mp4Track } from '../formats/mp4/demuxer.js'
import { splitLengthPrefixed } from '../formats/mp4/length-prefixed.js'
import { isUnsupportedEntry } from '../formats/mp4/sample-entry-reader.js'
import type { Clock } from '../util/clock.js'
import { checkFps, sourceFileError } from './annexb-file-source.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'
import { TimelinePlayer, type Timeline, type TimelineTrack } from './timeline.js'

/** Files up to this size are read into memory whole by default. */
export const DEFAULT_MP4_MEMORY_LIMIT = 64 * 1024 * 1024
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

/** The families of the formats MP4 files are played in, for help text. */
export function mp4PlayableFamilies(kind?: 'video' | 'audio'): string[] {
  return builtinLabels((c) => (c.mp4?.reader && (kind === undefined || c.kind === kind) ? familyOf(c) : undefined))
}

/** What files can hold, as the codecs read sample entries, each with what it must be to be played. */
const PLAYABLE: readonly string[] = builtinLabels((c) => {
  const r = c.mp4?.reader
  return r && (r.requirement ? `${familyOf(c)} ${r.requirement}` : familyOf(c))
})

/** The fps of a track from its sample times: samples per second over the track's duration. */
function fpsFromSamples(t: Mp4Track): number | undefined {
  const s = t.samples
  const span = s.endDts - (s.dts[0] ?? 0)
  if (s.count < 2 || span <= 0) return undefined
  return Math.round(((s.count * t.timescale) / span) * FPS_DECIMALS) / FPS_DECIMALS
}

/** The track a source pushes for an MP4 track, as its codec reads the sample entry; undefined when not played. */
function playedTrack(file: string, t: Mp4Track, kind: 'video' | 'audio'): PlayedTrack | undefined {
  const e = t.entry
  const codec = codecForSampleEntry(e.fourcc)
  const reader = codec?.kind === kind ? codec.mp4?.reader : undefined
  if (!reader || isUnsupportedEntry(e)) return undefined
  let info: TrackInfo | undefined
  try {
    info = reader.trackInfo(e)
  } catch (err) {
    if (!(err instanceof ParseError)) throw err
    throw new ParseError(err.code, `${file}: ${err.message}`, err.details, { cause: err })
  }
  if (!info) return undefined
  if (info.kind === 'video') {
    info.width ||= t.width
    info.height ||= t.height
    const fps = fpsFromSamples(t)
    if (fps !== undefined) info.fps = checkFps(fps, file, 'the sample durations')
  }
  return { mp4: t, info, lengthSize: e.lengthSize ?? 0 }
}

/** The codecs of a movie for messages: "avc1 (H.264), ac-3 (Dolby Digital)". */
function codecsFound(movie: Mp4Movie): string {
  const names = movie.tracks.map((t) => {
    const e = t.entry
    if (isUnsupportedEntry(e)) return e.name
    const c = codecForSampleEntry(e.fourcc)
    // A format played only in some variants (G.711 at 8000 Hz) says which one the file has.
    if (c?.mp4?.reader?.requirement && e.sampleRate !== undefined) return `${e.fourcc} at ${e.sampleRate} Hz`
    return `${e.fourcc} (${c?.label ?? e.codec})`
  })
  return names.length ? names.join(', ') : 'no tracks'
}

function describe(t: PlayedTrack): string {
  const i = t.info
  const label = codecForSampleEntry(t.mp4.entry.fourcc)?.label ?? i.codec
  if (i.kind === 'video') return `${label} ${i.width}x${i.height}${i.fps ? `@${i.fps}` : ''}`
  const layout = i.channels === 1 ? 'mono' : i.channels === 2 ? 'stereo' : `${i.channels} ch`
  return `${label} ${i.sampleRate} Hz ${layout}`
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
    const video = withSamples.map((t) => playedTrack(file, t, 'video')).find((t) => t !== undefined)
    const audio = withSamples.map((t) => playedTrack(file, t, 'audio')).find((t) => t !== undefined)
    const played = [video, audio].filter((t): t is PlayedTrack => t !== undefined)
    if (played.length === 0) {
      this.bytes.close()
      throw new ConfigError(
        'ERR_MP4_NO_TRACK',
        `${file} has no track rtspkit can play (found ${codecsFound(this.movie)}); supported: ${PLAYABLE.join(', ')}`,
        {
          observed: this.movie.tracks.map((t) => t.entry.fourcc),
          allowed: builtinLabels((c) => c.mp4?.reader?.entryTypes.join(' ')).flatMap((t) => t.split(' ')),
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
