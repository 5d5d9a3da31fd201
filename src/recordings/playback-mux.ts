/**
 * A stretch of a path's fMP4 recordings (the playback server's /get): the samples to play (selectStretch,
 * shared with the progressive MP4 of mp4-progressive.ts) and, here, those samples as one fragmented MP4.
 * The stretch starts at
 * the last keyframe of the first video track at or before `start` (the frames before it could not be
 * decoded), ends before the first frame at or past `start + duration`, and runs across segments without
 * a seam: each track's decode times continue where the previous segment's ended, gaps closed. The init
 * segment is the first segment's (every segment of a path carries the same tracks).
 *
 * Samples are copied out of the files fragment by fragment (about FRAGMENT_MS each) and handed to a
 * PlaybackSink that waits for the receiver, so memory does not grow with the duration asked for.
 */
import { parseBoxHeader, LARGE_BOX_HEADER_SIZE } from '../formats/mp4/box-reader.js'
import { FileByteSource } from '../formats/mp4/byte-source.js'
import { demuxMp4, type Mp4Track } from '../formats/mp4/demuxer.js'
import { buildFragment, type TrackRun } from '../formats/mp4/fragment.js'
import { ProtocolError } from '../errors.js'
import type { RecordingSegment } from './recording-store.js'

const FRAGMENT_MS = 1000
const MS_PER_S = 1000

/** Where a /get answer goes. */
export interface PlaybackSink {
  /**
   * Called once, before the first byte, with the answer's length when it is known up front; false sends
   * no body (HEAD). Not called when no recorded frame lies in the stretch.
   */
  begin(length?: number): boolean
  /** A promise when the receiver is full: the muxer waits for it. It rejects when the receiver is gone. */
  write(b: Buffer): Promise<void> | void
}

export interface OpenSegment {
  seg: RecordingSegment
  src: FileByteSource
  tracks: Mp4Track[]
}

/** The ftyp and moov of a recording, as written. */
export function initBytes(src: FileByteSource): Buffer {
  const parts: Buffer[] = []
  let pos = 0
  while (pos < src.size && parts.length < 2) {
    const h = parseBoxHeader(src.read(pos, Math.min(LARGE_BOX_HEADER_SIZE, src.size - pos)), pos, src.size)
    if (h.type !== 'ftyp' && h.type !== 'moov') break
    parts.push(src.read(h.start, h.end - h.start))
    pos = h.end
  }
  if (!parts.some((p) => p.toString('latin1', 4, 8) === 'moov'))
    throw new ProtocolError('ERR_PLAYBACK_SEGMENT', 'the first recording has no init segment', { observed: parts.length })
  return Buffer.concat(parts)
}

/** Wall-clock ms of a sample's decode time in a segment. */
const wallOf = (o: OpenSegment, t: Mp4Track, dts: number): number => o.seg.startMs + (dts * MS_PER_S) / t.timescale

/** One sample of the stretch: where its bytes are, and its times as the output has them. */
export interface StretchSample {
  src: FileByteSource
  offset: number
  size: number
  /** In the track's timescale. */
  duration: number
  sync: boolean
  /** Presentation minus decode time, in the track's timescale. */
  compositionOffset: number
}

/** A run of one track's samples within about FRAGMENT_MS of the stretch: a fragment's traf, or a chunk. */
export interface StretchRun {
  /** The track's index in `Stretch.tracks`. */
  track: number
  /** Decode time of the first sample in the output (each track starts at 0 and runs on without gaps). */
  baseDecodeTime: number
  samples: StretchSample[]
}

export interface Stretch {
  /** The first segment: its init segment and tracks describe the whole stretch. */
  first: OpenSegment
  tracks: readonly Mp4Track[]
  /** The runs, about FRAGMENT_MS of them at a time, in decode order; read once. */
  groups(): Generator<StretchRun[]>
}

/**
 * Opens the segments that overlap [start, start + duration), finds the cut (the last keyframe of the
 * first video track at or before `start`, else its first keyframe) and hands `use` the stretch; the
 * files are closed when what it returns settles. undefined (without calling `use`) when no recorded
 * frame lies in it. `segments` are the path's segments, oldest first (only fMP4 ones are read).
 */
export async function selectStretch<R>(
  segments: readonly RecordingSegment[],
  startMs: number,
  durationMs: number,
  use: (stretch: Stretch) => Promise<R>,
): Promise<R | undefined> {
  const endMs = startMs + durationMs
  const open: OpenSegment[] = []
  try {
    for (const seg of segments) {
      if (seg.format !== 'fmp4' || seg.startMs >= endMs) continue
      const src = new FileByteSource(seg.file)
      let tracks: Mp4Track[]
      try {
        tracks = demuxMp4(src).tracks
      } catch {
        src.close()
        continue // created, not written yet
      }
      const o = { seg, src, tracks }
      const end = Math.max(0, ...tracks.filter((t) => t.samples.count > 0).map((t) => wallOf(o, t, t.samples.endDts)))
      if (end <= startMs) {
        src.close()
        continue
      }
      open.push(o)
    }
    const first = open[0]
    if (!first) return undefined
    const leader = Math.max(
      0,
      first.tracks.findIndex((t) => t.handler === 'vide'),
    )
    const lt = first.tracks[leader]!
    let cutIndex = -1
    for (let i = 0; i < lt.samples.count; i++) {
      if (!lt.samples.keyframe[i]) continue
      if (wallOf(first, lt, lt.samples.pts[i]!) <= startMs || cutIndex < 0) cutIndex = i
      else break
    }
    if (cutIndex < 0) return undefined
    const cutWall = wallOf(first, lt, lt.samples.dts[cutIndex]!)
    return await use({ first, tracks: first.tracks, groups: () => runsOf(open, first, cutWall, endMs) })
  } finally {
    for (const o of open) o.src.close()
  }
}

/** The stretch's runs, segment after segment: each track's decode times continue where the last segment's ended. */
function* runsOf(open: readonly OpenSegment[], first: OpenSegment, cutWall: number, endMs: number): Generator<StretchRun[]> {
  const ntracks = first.tracks.length
  const nextOut: number[] = new Array<number>(ntracks).fill(0)
  for (const o of open) {
    const sel = o.tracks.slice(0, ntracks).map((t) => {
      let from = 0
      while (from < t.samples.count && wallOf(o, t, t.samples.dts[from]!) < (o === first ? cutWall : -Infinity)) from++
      let to = from
      while (to < t.samples.count && wallOf(o, t, t.samples.pts[to]!) < endMs) to++
      return { t, from, to }
    })
    // Decode time of each track's first selected sample becomes that track's next output time.
    const shift = sel.map((s, i) => (s.from < s.to ? nextOut[i]! - s.t.samples.dts[s.from]! : 0))
    const firstWall = Math.min(...sel.filter((s) => s.from < s.to).map((s) => wallOf(o, s.t, s.t.samples.dts[s.from]!)))
    for (let w = firstWall; sel.some((s) => s.from < s.to); w += FRAGMENT_MS) {
      const runs: StretchRun[] = []
      sel.forEach((s, i) => {
        const samples: StretchSample[] = []
        const base = s.from < s.to ? s.t.samples.dts[s.from]! + shift[i]! : 0
        while (s.from < s.to && wallOf(o, s.t, s.t.samples.dts[s.from]!) < w + FRAGMENT_MS) {
          const k = s.from++
          const sm = s.t.samples
          const duration = k + 1 < sm.count ? sm.dts[k + 1]! - sm.dts[k]! : sm.endDts - sm.dts[k]!
          samples.push({
            src: o.src,
            offset: sm.offset[k]!,
            size: sm.size[k]!,
            duration,
            sync: sm.keyframe[k]!,
            compositionOffset: sm.pts[k]! - sm.dts[k]!,
          })
          nextOut[i] = sm.dts[k]! + duration + shift[i]!
        }
        runs.push({ track: i, baseDecodeTime: base, samples })
      })
      yield runs
    }
  }
}

/**
 * Writes the stretch as fragmented MP4 to `sink` (init segment first, then a fragment of about
 * FRAGMENT_MS at a time); false when no recorded frame lies in it (nothing is written then).
 */
export async function muxPlayback(
  segments: readonly RecordingSegment[],
  startMs: number,
  durationMs: number,
  sink: PlaybackSink,
): Promise<boolean> {
  const wrote = await selectStretch(segments, startMs, durationMs, async (stretch) => {
    const init = initBytes(stretch.first.src)
    let sequence = 0
    for (const runs of stretch.groups()) {
      if (!runs.some((r) => r.samples.length > 0)) continue
      if (sequence === 0) {
        if (!sink.begin()) return true
        await sink.write(init)
      }
      const trackRuns: TrackRun[] = runs.map((r) => ({
        trackId: stretch.tracks[r.track]!.id,
        baseMediaDecodeTime: r.baseDecodeTime,
        samples: r.samples.map((s) => ({
          data: s.src.read(s.offset, s.size),
          duration: s.duration,
          sync: s.sync,
          compositionOffset: s.compositionOffset,
        })),
      }))
      await sink.write(buildFragment(++sequence, trackRuns))
    }
    return sequence > 0
  })
  return wrote ?? false
}
