/**
 * The HLS muxer of one path: a StreamOutput (no reader by itself: viewers count, see viewers.ts) that
 * turns the stream's units into fMP4 parts and segments (segmenter.ts) and answers what the HTTP
 * side asks: the init segment, playlists, parts and segments, waiting for them when a request
 * blocks (RFC 8216bis 6.2.5.2). It starts from the instant-start GOP (Stream.startUnits), so the
 * first parts exist as soon as it is made.
 *
 * Tracks: the formats whose codec names its MP4 sample entry for HLS (codecs-string.ts). Any other
 * audio is left out (video only); video in any other format (the test card's images) makes the path unplayable over
 * HLS: HlsCodecError.
 */
import { ConfigError } from '../errors.js'
import { mp4Of, isConfigured } from '../formats/mp4/sample-entry.js'
import { initSegment } from '../formats/mp4/init-segment.js'
import { lengthPrefixedSample } from '../formats/mp4/nal-sample.js'
import { DecodeTimes } from '../formats/mp4/decode-times.js'
import type { TrackInfo, VideoTrackInfo } from '../stream/media.js'
import type { StreamOutput } from '../stream/output.js'
import { trackInfoOf, type Stream } from '../stream/stream.js'
import type { Unit } from '../stream/unit.js'
import type { Clock } from '../util/clock.js'
import { codecString, hlsCarries, hlsFormats } from './codecs-string.js'
import { renderMediaPlaylist, renderMultivariantPlaylist, targetDurationS, type PlaylistPart } from './playlist.js'
import { Segmenter, type HlsPart, type HlsSegment } from './segmenter.js'
import type { BlockingRequest } from './blocking-params.js'

/** _HLS_msn may be at most this far past the last segment, _HLS_part this many parts past the last part (6.2.5.2). */
const MAX_MSN_AHEAD = 2
const ADVANCE_PART_LIMIT = 3
/** A blocked request is answered 503 after this many target durations (6.2.5.2). */
const BLOCK_TIMEOUT_TARGETS = 3
const BITS_PER_BYTE = 8
const MS_PER_SECOND = 1000

export type HlsVariant = 'lowLatency' | 'fmp4'

export interface HlsMuxerOptions {
  variant: HlsVariant
  segmentCount: number
  segmentMs: number
  partMs: number
  clock: Clock
  /** The path's previous muxer ended (a new feeder): continue its numbers, one discontinuity later. */
  continueFrom?: HlsContinuation | undefined
}

/** Where a path's next muxer picks up, so players see the playlist go on rather than start over. */
export interface HlsContinuation {
  msn: number
  partId: number
  discontinuity: number
}

/** The path's video cannot go into HLS (a codec other than H.264/H.265). */
export class HlsCodecError extends ConfigError {
  constructor(message: string, codec: string) {
    super('ERR_HLS_CODEC', message, { observed: codec, allowed: hlsFormats('video') })
  }
}

/** What a waiting request gets: the answer, or a status when it cannot be given. */
export type Wait<T> = { ok: true; value: T } | { ok: false; status: 400 | 404 | 503; message: string }

interface Waiter {
  check(): boolean
  timer: NodeJS.Timeout
}

interface Picked {
  index: number
  info: TrackInfo
  decode: DecodeTimes<Unit> | undefined
}

/** URIs are relative to the playlist: init.mp4, seg<msn>.mp4, part<id>.mp4. */
export const initUri = 'init.mp4'
export const segmentUri = (msn: number): string => `seg${msn}.mp4`
export const partUri = (id: number): string => `part${id}.mp4`

export class HlsMuxer implements StreamOutput {
  readonly rtp = false
  readonly reader = false
  /** Why audio tracks were left out, for the player page. */
  readonly notes: string[] = []
  private readonly picked: Picked[]
  private readonly slot = new Map<number, number>()
  private readonly segmenter: Segmenter
  private readonly waiters = new Set<Waiter>()
  private init: Buffer | undefined
  private wallOffsetMs: number | undefined
  private closed = false

  constructor(
    readonly stream: Stream,
    private readonly opts: HlsMuxerOptions,
  ) {
    this.picked = this.pickTracks()
    this.picked.forEach((p, i) => this.slot.set(p.index, i))
    this.segmenter = new Segmenter(
      this.picked.map((p) => p.info),
      {
        segmentMs: opts.segmentMs,
        partMs: opts.partMs,
        segmentCount: opts.segmentCount,
        firstMsn: opts.continueFrom?.msn,
        firstPartId: opts.continueFrom?.partId,
      },
    )
    this.segmenter.onPart = () => this.wake()
    const video = stream.video
    const start = video && this.slot.has(video.index) ? stream.startUnits(video) : []
    // Presentation times that go back mean B-frames: decode times then come from a window (DecodeTimes).
    const reordered = start.some((u, i) => i > 0 && u.ptsMs < start[i - 1]!.ptsMs)
    for (const p of this.picked)
      if (p.info.kind === 'video' && reordered) p.decode = new DecodeTimes<Unit>((u, pts, dts) => this.add(p, u, pts, dts))
    stream.addOutput(this)
    for (const u of start) this.writeUnit(u)
  }

  get lowLatency(): boolean {
    return this.opts.variant === 'lowLatency'
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Tracks muxed, in the init segment's order. */
  get tracks(): readonly TrackInfo[] {
    return this.picked.map((p) => p.info)
  }

  writeUnit(unit: Unit): void {
    const i = this.slot.get(unit.trackIndex)
    if (i === undefined || this.closed) return
    const p = this.picked[i]!
    if (p.decode) p.decode.push(unit, unit.ptsMs)
    else this.add(p, unit, unit.ptsMs, unit.ptsMs)
  }

  restartAtKeyframe(): void {
    // A new feeder: its timestamps need not follow the old ones. This muxer ends; the next request
    // makes one that starts at the new feeder's keyframe and continues the numbering one
    // discontinuity later (HlsServer passes `continuation` on).
    this.close()
  }

  /** Leaves the stream and answers every waiting request 503. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.stream.removeOutput(this)
    this.wake()
  }

  // ---- what the HTTP side asks ----------------------------------------------------------------

  /** The init segment, once the parameter sets are known and the first segment is complete. */
  initSegment(): Promise<Wait<Buffer>> {
    return this.waitFor(
      () => this.segmenter.segments.length > 0,
      () => this.init!,
    )
  }

  multivariantPlaylist(mediaUri: string): Promise<Wait<string>> {
    return this.waitFor(
      () => this.segmenter.segments.length > 0,
      () => {
        const video = this.picked.find((p) => p.info.kind === 'video')?.info as VideoTrackInfo | undefined
        const geometry = video ? this.geometry(video) : undefined
        return renderMultivariantPlaylist({
          lowLatency: this.lowLatency,
          bandwidth: this.peakBitrate(),
          codecs: this.picked.map((p) => codecString(p.info)),
          width: geometry?.width,
          height: geometry?.height,
          fps: video?.fps,
          uri: mediaUri,
        })
      },
    )
  }

  /**
   * The media playlist, once it holds what `block` asks for (or at once without it), with `query`
   * appended to every URI (the viewer's session). Nonsense directives are 400 (6.2.5.2).
   */
  mediaPlaylist(block: BlockingRequest | undefined, query: string): Promise<Wait<string>> {
    if (block && !this.lowLatency) block = undefined
    if (block) {
      const seg = this.segmenter
      const lastMsn = seg.current?.msn ?? seg.segments.at(-1)?.msn ?? 0
      if (seg.segments.length > 0 && block.msn > lastMsn + MAX_MSN_AHEAD)
        return Promise.resolve({ ok: false, status: 400, message: `_HLS_msn=${block.msn} is too far ahead of segment ${lastMsn}` })
      if (block.part !== undefined && block.msn === seg.current?.msn && block.part > seg.current.parts.length - 1 + ADVANCE_PART_LIMIT)
        return Promise.resolve({ ok: false, status: 400, message: `_HLS_part=${block.part} is too far ahead` })
    }
    const b = block
    return this.waitFor(
      () => this.segmenter.segments.length > 0 && (b === undefined || this.holds(b)),
      () => this.renderMedia(query),
    )
  }

  /** A complete segment by media sequence number. */
  segment(msn: number): Wait<Buffer> {
    const s = this.segmenter.segment(msn)
    return s?.data ? { ok: true, value: s.data } : { ok: false, status: 404, message: `no segment ${msn}` }
  }

  /** A part by id; the next one (the preload hint) is waited for. */
  part(id: number): Promise<Wait<Buffer>> {
    const now = this.segmenter.part(id)
    if (now) return Promise.resolve({ ok: true, value: now.data })
    if (id !== this.segmenter.nextPartId || !this.lowLatency) return Promise.resolve({ ok: false, status: 404, message: `no part ${id}` })
    return this.waitFor(
      () => this.segmenter.part(id) !== undefined,
      () => this.segmenter.part(id)!.data,
    )
  }

  /** Where the next muxer of this path continues. */
  get continuation(): HlsContinuation {
    return { ...this.segmenter.continuation, discontinuity: (this.opts.continueFrom?.discontinuity ?? 0) + 1 }
  }

  /** Target duration in ms: how long blocked requests may wait, and how long viewers may stay silent. */
  get targetDurationMs(): number {
    return targetDurationS(this.segmenter.longestSegment) * MS_PER_SECOND
  }

  // ---- internals ------------------------------------------------------------------------------

  private pickTracks(): Picked[] {
    const out: Picked[] = []
    for (const t of this.stream.tracks) {
      const kind = t.media.kind
      const spec = kind === 'video' ? this.stream.spec.video : this.stream.spec.audio
      if (!spec) continue
      const name = spec.codec === 'rtp' ? spec.encodingName : t.media.codec
      const info = spec.codec === 'rtp' ? undefined : trackInfoOf(kind, spec)
      const ok = info !== undefined && hlsCarries(info.codec)
      if (kind === 'video' && !ok)
        throw new HlsCodecError(`${name} video cannot be played over HLS (it carries ${hlsFormats('video')} video)`, name)
      if (!ok) {
        this.notes.push(`${name} audio cannot be played over HLS (it carries ${hlsFormats('audio')} audio): video only`)
        continue
      }
      out.push({ index: t.index, info: { ...info }, decode: undefined })
    }
    if (out.length === 0) throw new HlsCodecError('this path has no track HLS can carry', 'none')
    return out
  }

  private add(p: Picked, unit: Unit, ptsMs: number, dtsMs: number): void {
    if (this.closed) return
    const info = p.info
    const mp4 = mp4Of(info)
    let data: Buffer
    let sync = true
    if (info.kind === 'video' && mp4.accessUnit) {
      const au = mp4.accessUnit(unit.payload)
      if (!isConfigured(info)) {
        info.vps ??= au.params.vps && Buffer.from(au.params.vps)
        info.sps ??= au.params.sps && Buffer.from(au.params.sps)
        info.pps ??= au.params.pps && Buffer.from(au.params.pps)
      }
      if (au.nalus.length === 0 || !isConfigured(info)) return
      data = lengthPrefixedSample(au.nalus)
      sync = unit.keyframe || au.keyframe
    } else {
      data = Buffer.isBuffer(unit.payload) ? unit.payload : Buffer.concat(unit.payload)
      if (data.length === 0) return
    }
    if (!this.init) {
      if (!this.picked.every((q) => isConfigured(q.info))) return
      this.init = initSegment(this.tracks)
    }
    // Wall clock of stream time: from the unit's arrival, once (the GOP's units arrived earlier).
    this.wallOffsetMs ??= this.opts.clock.wallMs() - (this.opts.clock.monoMs() - unit.arrivalMono) - dtsMs
    this.segmenter.push(this.slot.get(p.index)!, { data, dtsMs, ptsMs, sync })
  }

  private geometry(v: VideoTrackInfo): { width: number; height: number } | undefined {
    try {
      return mp4Of(v).geometry?.(v) ?? (v.width && v.height ? { width: v.width, height: v.height } : undefined)
    } catch {
      return undefined
    }
  }

  private peakBitrate(): number {
    let peak = 0
    for (const s of this.segmenter.segments)
      if (s.data && s.durationMs > 0) peak = Math.max(peak, (s.data.length * BITS_PER_BYTE * MS_PER_SECOND) / s.durationMs)
    return peak
  }

  /** Whether the playlist holds segment b.msn (complete), or part b.part of it, or anything later. */
  private holds(b: BlockingRequest): boolean {
    const seg = this.segmenter
    const last = seg.segments.at(-1)
    if (b.part === undefined) return last !== undefined && last.msn >= b.msn
    if (last && last.msn >= b.msn) return true
    const cur = seg.current
    if (!cur) return false
    return cur.msn > b.msn || (cur.msn === b.msn && cur.parts.length > b.part)
  }

  private renderMedia(query: string): string {
    const seg = this.segmenter
    const q = query ? `?${query}` : ''
    const wall = (ms: number): number => ms + (this.wallOffsetMs ?? 0)
    const parts = (list: readonly HlsPart[]): PlaylistPart[] =>
      list.map((p) => ({ uri: partUri(p.id) + q, durationMs: p.durationMs, independent: p.independent }))
    const cur = seg.current
    return renderMediaPlaylist({
      lowLatency: this.lowLatency,
      discontinuitySequence: this.opts.continueFrom?.discontinuity ?? 0,
      longestSegmentMs: seg.longestSegment,
      partTargetMs: seg.partTargetMs,
      initUri: initUri + q,
      segments: seg.segments.map((s: HlsSegment) => ({
        msn: s.msn,
        uri: segmentUri(s.msn) + q,
        durationMs: s.durationMs,
        wallMs: wall(s.startMs),
        parts: parts(s.parts),
      })),
      pendingParts: cur ? parts(cur.parts) : [],
      pendingWallMs: cur ? wall(cur.startMs) : 0,
      preloadHintUri: partUri(seg.nextPartId) + q,
    })
  }

  /** Resolves with make() once ready() holds; 503 after BLOCK_TIMEOUT_TARGETS target durations or when the muxer closes. */
  private waitFor<T>(ready: () => boolean, make: () => T): Promise<Wait<T>> {
    if (this.closed) return Promise.resolve({ ok: false, status: 503, message: 'the stream ended' })
    if (ready()) return Promise.resolve({ ok: true, value: make() })
    return new Promise((resolve) => {
      const w: Waiter = {
        check: () => {
          if (this.closed) resolve({ ok: false, status: 503, message: 'the stream ended' })
          else if (ready()) resolve({ ok: true, value: make() })
          else return false
          clearTimeout(w.timer)
          return true
        },
        timer: setTimeout(() => {
          this.waiters.delete(w)
          resolve({ ok: false, status: 503, message: 'timed out waiting for media' })
        }, this.blockTimeoutMs()),
      }
      this.waiters.add(w)
    })
  }

  /** Before the first segment the target is a guess: allow for a long first GOP. */
  private blockTimeoutMs(): number {
    const first = this.segmenter.segments.length === 0
    return (first ? 2 : 1) * BLOCK_TIMEOUT_TARGETS * Math.max(this.targetDurationMs, this.opts.segmentMs)
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (w.check()) this.waiters.delete(w)
  }
}
