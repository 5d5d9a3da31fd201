/**
 * Cuts a stream's samples into the fMP4 pieces HLS serves (RFC 8216bis sections 3.1.2 and 4.4.4.9):
 * Media Segments that each start at a keyframe of the leading track, made of Partial Segments of
 * about `partMs`, each part one movie fragment (ISO/IEC 14496-12 8.8: moof + mdat, built by
 * formats/mp4/fragment.ts). A segment's bytes are its parts back to back, so the plain fMP4 variant
 * and the low-latency one share every byte.
 *
 * The leading track is the video track when there is one, else the audio track. A segment ends at
 * the first keyframe of the leader past `segmentMs` (any audio frame for audio-only streams); a part
 * ends at the leader sample boundary nearest to `partMs`. A sample's duration is the next sample's
 * decode time minus its own, so each track holds one sample back until the next arrives. Times count
 * in each track's timescale from the first leader keyframe, which is time 0 for every track.
 */
import { buildFragment, type FragmentSample } from '../formats/mp4/fragment.js'
import { trackTimescale } from '../formats/mp4/sample-entry.js'
import type { TrackInfo } from '../stream/media.js'

/** A segment is cut without a keyframe past this (a source that never sends one must not grow memory). */
export const MAX_SEGMENT_MS = 60_000
const MS_PER_SECOND = 1000

export interface SegmenterOptions {
  /** Target segment length: segments end at the first leader keyframe past it. */
  segmentMs: number
  /** Target part length. */
  partMs: number
  /** Complete segments kept (and listed). */
  segmentCount: number
  /** Numbers to continue from (a path's previous muxer): media sequence and part id. Default 0. */
  firstMsn?: number
  firstPartId?: number
}

export interface HlsPart {
  /** From 0 for the segmenter's first part; the part's URI names it, so a preload hint stays valid across segments. */
  readonly id: number
  /** Media sequence number of its segment. */
  readonly msn: number
  /** Its index in the segment (what _HLS_part counts). */
  readonly index: number
  readonly durationMs: number
  /** Starts with a keyframe of the leader (EXT-X-PART INDEPENDENT=YES). */
  readonly independent: boolean
  readonly data: Buffer
}

export interface HlsSegment {
  readonly msn: number
  /** Decode time of its first leader sample, ms on the stream's clock. */
  readonly startMs: number
  /** Set when it completes. */
  durationMs: number
  readonly parts: HlsPart[]
  /** Every part back to back, set when it completes. */
  data: Buffer | undefined
}

export interface SegmenterSample {
  /** The sample as MP4 stores it (length-prefixed NAL units, one audio frame). */
  data: Buffer
  dtsMs: number
  ptsMs: number
  sync: boolean
}

interface Held {
  data: Buffer
  dts: number
  compositionOffset: number
  sync: boolean
}

class TrackRunState {
  readonly timescale: number
  samples: FragmentSample[] = []
  runStart = 0
  held: Held | undefined
  dropped = 0

  constructor(readonly info: TrackInfo) {
    this.timescale = trackTimescale(info)
  }

  ticks(ms: number, baseMs: number): number {
    return Math.round(((ms - baseMs) * this.timescale) / MS_PER_SECOND)
  }

  /** Moves the held sample into the current run with its now known duration. */
  release(duration: number): void {
    const h = this.held!
    if (this.samples.length === 0) this.runStart = h.dts
    this.samples.push({ data: h.data, duration, sync: h.sync, compositionOffset: h.compositionOffset })
    this.held = undefined
  }
}

export class Segmenter {
  /** Complete segments, oldest first, at most `segmentCount`. */
  readonly segments: HlsSegment[] = []
  /** The segment being filled, once the first keyframe came. */
  current: HlsSegment | undefined
  /** Called after each new part (and segment). */
  onPart: ((part: HlsPart, segmentDone: HlsSegment | undefined) => void) | undefined
  private readonly tracks: TrackRunState[]
  private readonly leader: number
  private baseMs: number | undefined
  private partStartMs = 0
  private lastLeaderMs = 0
  private nextMsn: number
  private nextPartIdValue: number
  private fragmentSequence = 0
  private longestPartMs = 0
  private longestSegmentMs = 0

  constructor(
    tracks: readonly TrackInfo[],
    private readonly opts: SegmenterOptions,
  ) {
    this.tracks = tracks.map((t) => new TrackRunState(t))
    this.nextMsn = opts.firstMsn ?? 0
    this.nextPartIdValue = opts.firstPartId ?? 0
    const video = tracks.findIndex((t) => t.kind === 'video')
    this.leader = video >= 0 ? video : 0
  }

  /** The id the next part will have (the preload hint's). */
  get nextPartId(): number {
    return this.nextPartIdValue
  }

  /** Where a muxer that takes over should continue: past every segment and part this one announced. */
  get continuation(): { msn: number; partId: number } {
    return { msn: this.nextMsn, partId: this.nextPartIdValue }
  }

  /** Longest part so far (at least partMs): what PART-TARGET declares. */
  get partTargetMs(): number {
    return Math.max(this.opts.partMs, this.longestPartMs)
  }

  /** Longest complete segment so far (at least segmentMs). */
  get longestSegment(): number {
    return Math.max(this.opts.segmentMs, this.longestSegmentMs)
  }

  /** Samples refused per track: before the first keyframe, or decode times not moving forward. */
  dropped(track: number): number {
    return this.tracks[track]?.dropped ?? 0
  }

  /** Adds one sample of track `track`; false when it was dropped. May complete a part and a segment. */
  push(track: number, s: SegmenterSample): boolean {
    const t = this.tracks[track]
    if (!t) return false
    const isLeader = track === this.leader
    if (this.baseMs === undefined) {
      if (!isLeader || !s.sync) return this.drop(t)
      this.baseMs = s.dtsMs
      this.startSegment(s.dtsMs)
    }
    if (s.dtsMs < this.baseMs) return this.drop(t)
    const dts = t.ticks(s.dtsMs, this.baseMs)
    if (t.held) {
      const duration = dts - t.held.dts
      if (duration <= 0) return this.drop(t)
      t.release(duration)
    }
    if (isLeader) this.cut(s)
    t.held = { data: s.data, dts, compositionOffset: t.ticks(s.ptsMs, this.baseMs) - dts, sync: s.sync }
    return true
  }

  /** Part (by id) among those still kept. */
  part(id: number): HlsPart | undefined {
    for (const seg of [...this.segments, ...(this.current ? [this.current] : [])]) {
      const first = seg.parts[0]
      if (first && id >= first.id && id < first.id + seg.parts.length) return seg.parts[id - first.id]
    }
    return undefined
  }

  segment(msn: number): HlsSegment | undefined {
    return this.segments.find((s) => s.msn === msn)
  }

  private drop(t: TrackRunState): false {
    t.dropped++
    return false
  }

  /** Called for each leader sample once the held one went into the run: ends the part / segment before it. */
  private cut(s: SegmenterSample): void {
    const current = this.current!
    const inSegment = s.dtsMs - current.startMs
    const step = s.dtsMs - this.lastLeaderMs
    this.lastLeaderMs = s.dtsMs
    if (this.tracks[this.leader]!.samples.length === 0) return
    if ((s.sync && inSegment >= this.opts.segmentMs) || inSegment >= MAX_SEGMENT_MS) {
      const part = this.closePart(s.dtsMs)
      const done = this.closeSegment(s.dtsMs)
      this.startSegment(s.dtsMs)
      if (part) this.onPart?.(part, done)
      return
    }
    // The boundary nearest the target: cut when this sample is closer to it than the next one would be.
    if (s.dtsMs - this.partStartMs + step / 2 >= this.opts.partMs) {
      const part = this.closePart(s.dtsMs)
      if (part) this.onPart?.(part, undefined)
    }
  }

  private startSegment(startMs: number): void {
    this.current = { msn: this.nextMsn++, startMs, durationMs: 0, parts: [], data: undefined }
    this.partStartMs = startMs
    this.lastLeaderMs = startMs
  }

  private closePart(endMs: number): HlsPart | undefined {
    const seg = this.current!
    const lead = this.tracks[this.leader]!
    if (lead.samples.length === 0) return undefined
    const independent = lead.samples[0]!.sync
    const data = buildFragment(
      ++this.fragmentSequence,
      this.tracks.map((t, i) => ({ trackId: i + 1, baseMediaDecodeTime: t.runStart, samples: t.samples })),
    )
    for (const t of this.tracks) t.samples = []
    const part: HlsPart = {
      id: this.nextPartIdValue++,
      msn: seg.msn,
      index: seg.parts.length,
      durationMs: endMs - this.partStartMs,
      independent,
      data,
    }
    seg.parts.push(part)
    this.longestPartMs = Math.max(this.longestPartMs, part.durationMs)
    this.partStartMs = endMs
    return part
  }

  private closeSegment(endMs: number): HlsSegment {
    const seg = this.current!
    seg.durationMs = endMs - seg.startMs
    seg.data = Buffer.concat(seg.parts.map((p) => p.data))
    this.longestSegmentMs = Math.max(this.longestSegmentMs, seg.durationMs)
    this.segments.push(seg)
    while (this.segments.length > this.opts.segmentCount) this.segments.shift()
    this.current = undefined
    return seg
  }
}
