/**
 * A live Matroska writer (Matroska specification, RFC 9559): the EBML header, then a Segment of unknown
 * size holding Info, Tracks and one Cluster per fragment. Each cluster is written whole, with its size,
 * as soon as it is complete, so a file cut by a crash plays up to its last cluster — the same promise as
 * the fragmented MP4 writer, for every codec with Matroska hooks (codecs/codec-matroska.ts).
 *
 * Timing: timestamps in milliseconds (TimestampScale 1,000,000 ns); the first written frame — the first
 * video keyframe, or the first audio frame of an audio-only file — is time 0. Blocks carry presentation
 * times relative to their cluster (signed 16 bits, so a cluster never spans more than MAX_CLUSTER_MS).
 * Clusters end at every keyframe of the first video track and before a frame that would make them span
 * `maxFragmentDurationMs`. Video is dropped until its first keyframe and audio until the video started.
 */
import type { CodecMatroska } from '../../codecs/codec-matroska.js'
import { frameBytes } from '../../codecs/codec-matroska.js'
import { builtinCodec, builtinNames } from '../../codecs/registry.js'
import { ConfigError, StateError } from '../../errors.js'
import type { TrackInfo } from '../../stream/media.js'
import type { Mp4Output, WriteFrameOptions } from '../mp4/fragmented-mp4-writer.js'
import { element, floatElement, stringElement, uintElement, unknownSizeHeader } from './ebml.js'

/** Element IDs (RFC 9559 section 5.1 and RFC 8794 11.2). */
export const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  BitDepth: 0x6264,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
} as const

const TRACK_TYPE_VIDEO = 1
const TRACK_TYPE_AUDIO = 2
const NS_PER_MS = 1_000_000
const SIMPLEBLOCK_KEYFRAME = 0x80
/** Block timestamps are signed 16-bit offsets from their cluster's. */
export const MAX_CLUSTER_MS = 30_000
const DEFAULT_MAX_CLUSTER_MS = 1000
/** Track numbers are written as 1-byte VINTs. */
const MAX_TRACKS = 126

export interface MatroskaWriterOptions {
  /** Longest cluster in ms (and what a crash loses at most); default 1000, at most MAX_CLUSTER_MS. */
  maxFragmentDurationMs?: number
  /** Written in Info. */
  writingApp?: string
}

interface Block {
  track: number
  relMs: number
  keyframe: boolean
  data: Buffer
}

class TrackState {
  readonly mkv: CodecMatroska
  started = false
  lastPtsMs: number | undefined
  frameMs = 0
  constructor(public info: TrackInfo) {
    const mkv = builtinCodec(info.codec)?.matroska
    if (!mkv)
      throw new ConfigError('ERR_MKV_CODEC', `cannot write ${info.codec} ${info.kind} to Matroska`, {
        observed: info.codec,
        allowed: builtinNames((c) => c.matroska !== undefined, info.kind),
      })
    this.mkv = mkv
  }
  get configured(): boolean {
    return this.mkv.isConfigured?.(this.info) ?? true
  }
}

/** ConfigError unless every track has Matroska hooks. */
export function checkMatroskaTracks(tracks: readonly TrackInfo[]): void {
  if (tracks.length === 0 || tracks.length > MAX_TRACKS)
    throw new ConfigError('ERR_MKV_NO_TRACKS', 'a Matroska file needs 1 to 126 tracks', { observed: tracks.length })
  for (const t of tracks) new TrackState(t)
}

/** Whether Matroska can hold the track. */
export function matroskaHolds(track: TrackInfo): boolean {
  return builtinCodec(track.codec)?.matroska !== undefined
}

export class MatroskaWriter {
  private readonly state: TrackState[]
  private readonly leader: number
  private readonly maxClusterMs: number
  private baseMs: number | undefined
  private clusterMs: number | undefined
  private blocks: Block[] = []
  /** EBML header, Segment start, Info and Tracks, once every track's configuration is known. */
  private header: Buffer | undefined
  private headerWritten = false
  private closing: Promise<void> | undefined

  constructor(
    tracks: readonly TrackInfo[],
    private readonly output: Mp4Output,
    private readonly opts: MatroskaWriterOptions = {},
  ) {
    checkMatroskaTracks(tracks)
    this.state = tracks.map((t) => new TrackState({ ...t }))
    this.leader = tracks.findIndex((t) => t.kind === 'video')
    const max = opts.maxFragmentDurationMs ?? DEFAULT_MAX_CLUSTER_MS
    if (!(max > 0)) throw new ConfigError('ERR_MKV_OPTION', 'maxFragmentDurationMs must be positive', { observed: max })
    this.maxClusterMs = Math.min(max, MAX_CLUSTER_MS)
    this.writeHeaderIfReady()
  }

  get tracks(): TrackInfo[] {
    return this.state.map((s) => ({ ...s.info }))
  }

  /** Adds a frame; false when it was dropped (before the first keyframe, configuration unknown, time going back). */
  writeFrame(track: number, data: Uint8Array | readonly Uint8Array[], ptsMs: number, opts: WriteFrameOptions = {}): boolean {
    if (this.closing) throw new StateError('ERR_MKV_CLOSED', 'writeFrame after close', {})
    const t = this.state[track]
    if (!t) throw new ConfigError('ERR_MKV_TRACK', `no track ${track}`, { observed: track })
    const f = t.mkv.frame ? t.mkv.frame(data) : { data: frameBytes(data), keyframe: true }
    if (f.params && !t.configured) {
      const v = t.info as { vps?: Buffer; sps?: Buffer; pps?: Buffer }
      v.vps ??= f.params.vps && Buffer.from(f.params.vps)
      v.sps ??= f.params.sps && Buffer.from(f.params.sps)
      v.pps ??= f.params.pps && Buffer.from(f.params.pps)
    }
    this.writeHeaderIfReady()
    if (!this.header || f.data.length === 0) return false
    const keyframe = t.info.kind === 'audio' ? true : (opts.keyframe ?? f.keyframe)
    if (!t.started && t.info.kind === 'video' && !keyframe) return false
    if (this.baseMs === undefined) {
      if (this.leader >= 0 && t.info.kind === 'audio') return false
      this.baseMs = ptsMs
    }
    const rel = Math.round(ptsMs - this.baseMs)
    if (rel < 0) return false
    if (t.lastPtsMs !== undefined && ptsMs > t.lastPtsMs) t.frameMs = ptsMs - t.lastPtsMs
    t.lastPtsMs = ptsMs
    t.started = true
    if (this.clusterMs === undefined) this.clusterMs = rel
    else if (this.cutsHere(t, track, rel, keyframe)) {
      this.flushCluster()
      this.clusterMs = rel
    }
    // Copied: blocks wait for their cluster and callers may reuse buffers.
    this.blocks.push({ track, relMs: rel, keyframe, data: Buffer.from(f.data) })
    // The first frame goes out at once, with the header, so the file is never without a playable frame.
    if (!this.headerWritten) {
      this.flushCluster()
      this.clusterMs = undefined
    }
    return true
  }

  /** Idempotent: writes the last cluster (nothing at all when no frame came) and closes the output. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flushCluster()
      await this.output.close()
    })()
    return this.closing
  }

  private cutsHere(t: TrackState, track: number, rel: number, keyframe: boolean): boolean {
    if (this.blocks.length === 0) return false
    const elapsed = rel - this.clusterMs!
    if (elapsed + t.frameMs >= this.maxClusterMs || elapsed < -MAX_CLUSTER_MS) return true
    return track === this.leader && keyframe
  }

  private writeHeaderIfReady(): void {
    if (this.header || !this.state.every((s) => s.configured)) return
    const header = element(
      ID.EBML,
      uintElement(ID.EBMLVersion, 1),
      uintElement(ID.EBMLReadVersion, 1),
      uintElement(ID.EBMLMaxIDLength, 4),
      uintElement(ID.EBMLMaxSizeLength, 8),
      stringElement(ID.DocType, 'matroska'),
      uintElement(ID.DocTypeVersion, 4),
      uintElement(ID.DocTypeReadVersion, 2),
    )
    const app = this.opts.writingApp ?? 'rtspkit'
    const info = element(
      ID.Info,
      uintElement(ID.TimestampScale, NS_PER_MS),
      stringElement(ID.MuxingApp, app),
      stringElement(ID.WritingApp, app),
    )
    const tracks = element(ID.Tracks, ...this.state.map((s, i) => this.trackEntry(s, i + 1)))
    this.header = Buffer.concat([header, unknownSizeHeader(ID.Segment), info, tracks])
  }

  private trackEntry(s: TrackState, n: number): Buffer {
    const info = s.info
    const parts = [
      uintElement(ID.TrackNumber, n),
      uintElement(ID.TrackUID, n),
      uintElement(ID.TrackType, info.kind === 'video' ? TRACK_TYPE_VIDEO : TRACK_TYPE_AUDIO),
      uintElement(ID.FlagLacing, 0),
      stringElement(ID.CodecID, s.mkv.codecId),
    ]
    const priv = s.mkv.codecPrivate?.(info)
    if (priv) parts.push(element(ID.CodecPrivate, priv))
    if (info.kind === 'video' && info.width && info.height)
      parts.push(element(ID.Video, uintElement(ID.PixelWidth, info.width), uintElement(ID.PixelHeight, info.height)))
    if (info.kind === 'audio') {
      const audio = [floatElement(ID.SamplingFrequency, info.sampleRate), uintElement(ID.Channels, info.channels)]
      if (s.mkv.bitDepth) audio.push(uintElement(ID.BitDepth, s.mkv.bitDepth))
      parts.push(element(ID.Audio, ...audio))
    }
    return element(ID.TrackEntry, ...parts)
  }

  private flushCluster(): void {
    if (this.blocks.length === 0) return
    const base = this.clusterMs!
    const blocks = this.blocks.map((b) => {
      const head = Buffer.alloc(4)
      head[0] = 0x80 | (b.track + 1) // track number as a 1-byte VINT
      head.writeInt16BE(b.relMs - base, 1)
      head[3] = b.keyframe ? SIMPLEBLOCK_KEYFRAME : 0
      return element(ID.SimpleBlock, head, b.data)
    })
    const cluster = element(ID.Cluster, uintElement(ID.Timestamp, base), ...blocks)
    this.output.write(this.headerWritten ? cluster : Buffer.concat([this.header!, cluster]))
    this.headerWritten = true
    this.blocks = []
  }
}
