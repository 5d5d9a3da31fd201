/**
 * Fragmented MP4 writer (ISO/IEC 14496-12 section 8.8): an init segment (ftyp + moov with mvex), then a
 * moof + mdat per fragment, each written to the output as soon as it is complete. Nothing is patched at
 * the end, so a file cut short by a crash plays up to its last complete fragment.
 *
 * Timing: each track counts in its own timescale (90 kHz video, the sample rate for audio). The first
 * written sample of the file — the first video keyframe, or the first audio frame of an audio-only file —
 * is time 0 for every track, so tracks keep their relative offsets. A sample's duration is the next
 * sample's decode time minus its own; the last one of a track takes the codec's natural duration
 * (audio) or the previous duration (video). A sample whose duration is unknown stays pending into the
 * next fragment, so no duration is ever guessed mid-stream.
 *
 * Fragments: with video, a new fragment starts at a keyframe of the first video track once the current
 * one holds `fragmentDurationMs`, or at any frame once it holds `maxFragmentDurationMs` (long GOPs); an
 * audio-only file cuts every `fragmentDurationMs`. Video is dropped until its first keyframe and audio
 * until the video has started; drops are counted per track.
 *
 * With `cutAtKeyframes` (recordings, where a crash must lose at most a fragment) a fragment also ends at
 * every keyframe of the first video track and, whatever the track, before a frame that would make the
 * fragment span `maxFragmentDurationMs`: a fragment may start on a non-keyframe (its trun says which
 * samples are sync), so nothing waits for one. The first frame is written at once, with the init
 * segment, in one write (its duration estimated from the frame rate; the next fragment's decode time
 * is exact), so a file never holds less than a playable frame.
 */
import type { CodecMp4 } from '../../codecs/codec-mp4.js'
import { CodecError, ConfigError, StateError } from '../../errors.js'
import type { TrackInfo } from '../../stream/media.js'
import { buildFragment, type FragmentSample } from './fragment.js'
import { initSegment } from './init-segment.js'
import { lengthPrefixedSample } from './nal-sample.js'
import { checkTrack, isConfigured, mp4Of, trackTimescale } from './sample-entry.js'

export const DEFAULT_FRAGMENT_DURATION_MS = 1000
export const DEFAULT_MAX_FRAGMENT_DURATION_MS = 10_000
/** Duration of a lone video sample when nothing better is known: one frame at 30 fps (90 kHz). */
const FALLBACK_VIDEO_DURATION = 3000
const MS_PER_SECOND = 1000

/** Where the writer's bytes go: a file written synchronously, a stream, a buffer in tests. */
export interface Mp4Output {
  write(buf: Uint8Array): void
  close(): Promise<void>
}

export interface FragmentedMp4WriterOptions {
  /** Target fragment length; with video, fragments start at the first keyframe after it. Default 1000. */
  fragmentDurationMs?: number
  /** Cut even without a keyframe past this length (bounds what a crash loses). Default 10000. */
  maxFragmentDurationMs?: number
  /** Also end a fragment at every video keyframe, and before any frame that reaches the maximum. Default false. */
  cutAtKeyframes?: boolean
}

export interface WriteFrameOptions {
  /** Video: a sync sample. Default: whether the access unit has an IDR / IRAP slice. Audio is always sync. */
  keyframe?: boolean
  /** Decode time when it differs from ptsMs (B-frames). */
  dtsMs?: number
}

export interface Mp4TrackStats {
  /** Frames accepted (all of them are in the file once it is closed). */
  framesWritten: number
  /** Frames dropped: video before its first keyframe or parameter sets, audio before the video started, timestamps going back. */
  framesDropped: number
}

interface PendingSample {
  data: Buffer
  dts: number
  compositionOffset: number
  sync: boolean
}

class TrackState implements Mp4TrackStats {
  readonly timescale: number
  readonly mp4: CodecMp4
  started = false
  samples: FragmentSample[] = []
  runStart = 0
  pending: PendingSample | undefined
  lastDuration = 0
  framesWritten = 0
  framesDropped = 0

  constructor(public info: TrackInfo) {
    this.timescale = trackTimescale(info)
    this.mp4 = mp4Of(info)
  }

  finalize(duration: number): void {
    const p = this.pending!
    if (this.samples.length === 0) this.runStart = p.dts
    this.samples.push({ data: p.data, duration, sync: p.sync, compositionOffset: p.compositionOffset })
    this.lastDuration = duration
    this.pending = undefined
  }

  /** The last sample's duration: what the codec says (audio), else the previous one. */
  closingDuration(): number {
    const data = this.pending!.data
    const info = this.info
    if (info.kind === 'video') return this.lastDuration || (info.fps ? Math.round(this.timescale / info.fps) : FALLBACK_VIDEO_DURATION)
    const natural = this.mp4.frameDuration?.(info, data, this.timescale)
    return natural ?? this.lastDuration
  }
}

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback
  if (!Number.isFinite(v) || v <= 0)
    throw new ConfigError('ERR_MP4_OPTION', `${name} must be a positive number of milliseconds`, { observed: v, allowed: '> 0' })
  return v
}

/** ConfigError unless every track can go in an MP4 file (codec supported, audio configuration present). */
export function checkMp4Tracks(tracks: readonly TrackInfo[]): void {
  if (tracks.length === 0)
    throw new ConfigError('ERR_MP4_NO_TRACKS', 'an MP4 file needs at least one track', { observed: 0, allowed: '>= 1' })
  tracks.forEach(checkTrack)
}

export class FragmentedMp4Writer {
  private readonly state: TrackState[]
  private readonly leader: number
  private readonly fragmentMs: number
  private readonly maxFragmentMs: number
  private readonly cutAtKeyframes: boolean
  private baseMs: number | undefined
  private fragmentStartMs: number | undefined
  private sequence = 0
  private initWritten = false
  private closing: Promise<void> | undefined

  constructor(
    tracks: readonly TrackInfo[],
    private readonly output: Mp4Output,
    opts: FragmentedMp4WriterOptions = {},
  ) {
    checkMp4Tracks(tracks)
    this.state = tracks.map((t) => new TrackState({ ...t }))
    this.leader = tracks.findIndex((t) => t.kind === 'video')
    this.fragmentMs = positive('fragmentDurationMs', opts.fragmentDurationMs, DEFAULT_FRAGMENT_DURATION_MS)
    this.maxFragmentMs = Math.max(
      this.fragmentMs,
      positive('maxFragmentDurationMs', opts.maxFragmentDurationMs, DEFAULT_MAX_FRAGMENT_DURATION_MS),
    )
    this.cutAtKeyframes = opts.cutAtKeyframes ?? false
  }

  /** The tracks with the parameter sets learned in-band (to configure the next file of a recording). */
  get tracks(): TrackInfo[] {
    return this.state.map((s) => ({ ...s.info }))
  }

  trackStats(track: number): Mp4TrackStats {
    const s = this.track(track)
    return { framesWritten: s.framesWritten, framesDropped: s.framesDropped }
  }

  get fragmentsWritten(): number {
    return this.sequence
  }

  get closed(): boolean {
    return this.closing !== undefined
  }

  /**
   * Adds a frame: an access unit (Annex-B bytes or NAL units) for video, one codec frame or PCM block for
   * audio. Returns false when the frame was dropped (see Mp4TrackStats). May write a fragment.
   */
  writeFrame(track: number, data: Uint8Array | readonly Uint8Array[], ptsMs: number, opts: WriteFrameOptions = {}): boolean {
    if (this.closing) throw new StateError('ERR_MP4_CLOSED', 'writeFrame after close', {})
    const t = this.track(track)
    const dtsMs = opts.dtsMs ?? ptsMs
    if (!Number.isFinite(ptsMs) || !Number.isFinite(dtsMs))
      throw new CodecError('ERR_MP4_TIMESTAMP', `timestamp ${ptsMs}/${dtsMs} is not a finite number`, { observed: [ptsMs, dtsMs] })
    const sample = this.prepare(t, data, opts.keyframe)
    if (!sample) return this.drop(t)
    if (this.baseMs === undefined) {
      if (this.leader >= 0 && t.info.kind === 'audio') return this.drop(t)
      this.baseMs = dtsMs
    }
    if (dtsMs < this.baseMs) return this.drop(t)
    const dts = Math.round(((dtsMs - this.baseMs) * t.timescale) / MS_PER_SECOND)
    const pts = Math.round(((ptsMs - this.baseMs) * t.timescale) / MS_PER_SECOND)
    if (t.pending) {
      const duration = dts - t.pending.dts
      if (duration <= 0) return this.drop(t)
      t.finalize(duration)
    }
    if (t.info.kind === 'video') t.started = true
    if (this.fragmentStartMs === undefined) this.fragmentStartMs = dtsMs
    else if (this.cutsHere(t, track, dtsMs, sample.sync)) {
      this.flushFragment()
      this.fragmentStartMs = dtsMs
    }
    t.pending = { data: sample.data, dts, compositionOffset: pts - dts, sync: sample.sync }
    t.framesWritten++
    if (this.cutAtKeyframes && !this.initWritten) {
      t.finalize(t.closingDuration())
      this.flushFragment()
      this.fragmentStartMs = undefined
    }
    return true
  }

  /** Idempotent: writes the last fragment (the init segment alone when no frame came) and closes the output. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.state) if (t.pending) t.finalize(t.closingDuration())
      this.flushFragment()
      // A recording that got no frame leaves no file behind (see SyncFileOutputOptions.publishOnFirstWrite).
      if (!this.initWritten && !this.cutAtKeyframes && this.state.every((s) => isConfigured(s.info))) this.writeInit()
      await this.output.close()
    })()
    return this.closing
  }

  private track(i: number): TrackState {
    const t = this.state[i]
    if (!t) throw new ConfigError('ERR_MP4_TRACK', `no track ${i}`, { observed: i, allowed: `0..${this.state.length - 1}` })
    return t
  }

  private drop(t: TrackState): false {
    t.framesDropped++
    return false
  }

  /** The sample's bytes and sync flag, or undefined when the frame cannot be written yet. */
  private prepare(
    t: TrackState,
    data: Uint8Array | readonly Uint8Array[],
    keyframe: boolean | undefined,
  ): { data: Buffer; sync: boolean } | undefined {
    const info = t.info
    if (info.kind === 'audio' || !t.mp4.accessUnit) {
      // Copied: the frame stays queued until its fragment is written and callers may reuse buffers.
      const bytes = data instanceof Uint8Array ? Buffer.from(data) : Buffer.concat(data)
      return bytes.length > 0 ? { data: bytes, sync: true } : undefined
    }
    const au = t.mp4.accessUnit(data)
    if (!isConfigured(info)) {
      info.vps ??= au.params.vps && Buffer.from(au.params.vps)
      info.sps ??= au.params.sps && Buffer.from(au.params.sps)
      info.pps ??= au.params.pps && Buffer.from(au.params.pps)
    }
    const sync = keyframe ?? au.keyframe
    if (au.nalus.length === 0 || !this.state.every((s) => isConfigured(s.info))) return undefined
    if (!t.started && !sync) return undefined
    return { data: lengthPrefixedSample(au.nalus), sync }
  }

  private cutsHere(t: TrackState, track: number, dtsMs: number, sync: boolean): boolean {
    const elapsed = dtsMs - this.fragmentStartMs!
    if (this.cutAtKeyframes) {
      // The fragment with this frame in it would span elapsed + its duration (about the last one's).
      const frameMs = (t.lastDuration * MS_PER_SECOND) / t.timescale
      if (elapsed + frameMs >= this.maxFragmentMs) return true
      return track === this.leader && sync && this.state.some((s) => s.samples.length > 0)
    }
    if (this.leader < 0) return elapsed >= this.fragmentMs
    if (track !== this.leader) return false
    return (sync && elapsed >= this.fragmentMs) || elapsed >= this.maxFragmentMs
  }

  private writeInit(): void {
    this.output.write(initSegment(this.state.map((s) => s.info)))
    this.initWritten = true
  }

  private flushFragment(): void {
    if (this.state.every((s) => s.samples.length === 0)) return
    this.sequence++
    const fragment = buildFragment(
      this.sequence,
      this.state.map((s, i) => ({ trackId: i + 1, baseMediaDecodeTime: s.runStart, samples: s.samples })),
    )
    // The init segment goes out in the same write as the first fragment: no file is ever only an init.
    this.output.write(this.initWritten ? fragment : Buffer.concat([initSegment(this.state.map((s) => s.info)), fragment]))
    this.initWritten = true
    for (const s of this.state) s.samples = []
  }
}
