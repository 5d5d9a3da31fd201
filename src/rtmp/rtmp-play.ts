/**
 * An RTMP player (play command, RTMP specification 1.0, 7.2.2.1) as an output of the path's stream.
 * It sends what FLV carries — H.264 (legacy AVC tags), H.265 (Enhanced RTMP 'hvc1') and AAC — and
 * leaves other tracks out. A sequence header goes before the first frame of each track and again
 * whenever a keyframe brings other parameter sets. It starts from the cached GOP (instant start).
 *
 * Timestamps are decode times in ms from the first unit sent; with B-frames (presentation times that
 * go back in the cached GOP) decode times come from a small window (DecodeTimes) and the difference
 * is the composition time. The socket's own buffer is the bounded queue: a unit that would take it
 * over `maxQueueBytes` is dropped, and the track skips to its next keyframe (KeyframeGate), so a slow
 * player loses whole GOPs and never holds up the publisher or other readers.
 */
import { DecodeTimes } from '../formats/mp4/decode-times.js'
import { lengthPrefixedSample } from '../formats/mp4/nal-sample.js'
import { KeyframeGate } from '../stream/reader-queue.js'
import type { StreamOutput } from '../stream/output.js'
import { trackInfoOf, type Stream, type StreamTrack } from '../stream/stream.js'
import type { Unit } from '../stream/unit.js'
import { amf0Object, encodeAmf0, encodeAmf0EcmaArray, type Amf0Object } from './amf0.js'
import { MessageType, type RtmpMessage } from './chunk-reader.js'
import { ChunkStream } from './chunk-writer.js'
import { aacTag, videoTag, type FlvVideoCodec } from './flv-tags.js'
import {
  decoderConfigurationRecord,
  isDelimiter,
  METADATA_CODEC_ID,
  parameterSetsOf,
  RTMP_AUDIO_CODEC,
  RTMP_VIDEO_CODECS,
} from './rtmp-tracks.js'

/** Samples per AAC frame (AAC-LC; the rare 960-sample streams drift by a ms per frame in aggregated units only). */
const AAC_FRAME_SAMPLES = 1024
const MS_PER_SECOND = 1000

export interface PlaySink {
  /** Sends a message; the socket buffers it. */
  send(m: RtmpMessage): void
  /** Bytes the socket holds and has not sent yet. */
  readonly buffered: number
}

interface PlayTrack {
  track: StreamTrack
  gate: KeyframeGate
  video: FlvVideoCodec | undefined
  /** The parameter sets (video) or config (audio) the player was last given. */
  sent: Buffer[] | undefined
  decode: DecodeTimes<Unit> | undefined
}

export class RtmpPlay implements StreamOutput {
  readonly rtp = false
  readonly reader = true
  /** Units dropped because the player was too slow. */
  get framesDropped(): number {
    let n = 0
    for (const t of this.tracks.values()) n += t.gate.dropped
    return n
  }
  slowEpisodes = 0
  bytesSent = 0
  private readonly tracks = new Map<number, PlayTrack>()
  private baseMs: number | undefined
  private closed = false

  constructor(
    private readonly stream: Stream,
    private readonly messageStreamId: number,
    private readonly sink: PlaySink,
    private readonly maxQueueBytes: number,
    private readonly onSlow: () => void,
  ) {
    for (const track of stream.tracks) {
      const video = RTMP_VIDEO_CODECS[track.media.codec]
      const audio = track.media.kind === 'audio' && track.media.codec === RTMP_AUDIO_CODEC
      const relayed = (track.media.kind === 'video' ? stream.spec.video : stream.spec.audio)?.codec === 'rtp'
      if (relayed || (track.media.kind === 'video' ? video === undefined : !audio)) continue
      this.tracks.set(track.index, { track, gate: new KeyframeGate(video !== undefined), video, sent: undefined, decode: undefined })
    }
  }

  /** Names of the tracks left out (codecs FLV does not carry). */
  get skipped(): string[] {
    return this.stream.tracks.filter((t) => !this.tracks.has(t.index)).map((t) => t.media.codec)
  }

  get carriesAnything(): boolean {
    return this.tracks.size > 0
  }

  /** onMetaData, then the stream's output joins: the cached GOP first. */
  start(): void {
    this.sink.send(this.data(encodeAmf0('|RtmpSampleAccess', true, true)))
    this.sink.send(this.data(Buffer.concat([encodeAmf0('onMetaData'), encodeAmf0EcmaArray(this.metadata())])))
    const video = [...this.tracks.values()].find((t) => t.video !== undefined)
    // With audio, only the current GOP: audio is not cached, and a player that waits for both tracks
    // (GStreamer's flvdemux with a queue of 1 s per track) stalls when video runs more than that ahead.
    const withAudio = this.tracks.size > 1
    const start =
      !video || !this.stream.instantStart ? [] : withAudio ? (video.track.gop?.snapshot() ?? []) : this.stream.startUnits(video.track)
    const cached = video ? this.stream.startUnits(video.track) : []
    if (video && cached.some((u, i) => i > 0 && u.ptsMs < cached[i - 1]!.ptsMs))
      video.decode = new DecodeTimes<Unit>((u, pts, dts) => this.send(video, u, pts, dts))
    this.stream.addOutput(this)
    for (const u of start) this.writeUnit(u)
  }

  private metadata(): Amf0Object {
    const meta = amf0Object()
    for (const t of this.tracks.values()) {
      const media = t.track.media
      if (t.video) {
        meta['videocodecid'] = METADATA_CODEC_ID[t.video]
        const info = this.stream.spec.video
        if (info && info.codec !== 'rtp' && info.width !== undefined && info.height !== undefined) {
          meta['width'] = info.width
          meta['height'] = info.height
        }
      } else {
        meta['audiocodecid'] = METADATA_CODEC_ID.AAC
        meta['audiosamplerate'] = media.clockRate
      }
    }
    return meta
  }

  writeUnit(unit: Unit): void {
    const t = this.tracks.get(unit.trackIndex)
    if (!t || this.closed) return
    if (!t.gate.admit(unit)) return
    if (this.sink.buffered + unit.payloadBytes > this.maxQueueBytes) {
      if (t.gate.overflow()) {
        this.slowEpisodes++
        this.onSlow()
      }
      return
    }
    if (t.decode) t.decode.push(unit, unit.ptsMs)
    else this.send(t, unit, unit.ptsMs, unit.ptsMs)
  }

  restartAtKeyframe(): void {
    for (const t of this.tracks.values()) t.gate.restart()
  }

  private send(t: PlayTrack, unit: Unit, ptsMs: number, dtsMs: number): void {
    if (this.closed) return
    this.baseMs ??= dtsMs
    const timestamp = Math.max(0, Math.round(dtsMs - this.baseMs))
    const cts = Math.round(ptsMs - this.baseMs) - timestamp
    const payload = unit.payload
    if (t.video) {
      const nalus = (Buffer.isBuffer(payload) ? [payload] : payload).filter((n) => n.length > 0 && !isDelimiter(t.video!, n))
      if (unit.keyframe) {
        const sets = parameterSetsOf(t.video, nalus)
        if (sets && !(t.sent && sets.length === t.sent.length && sets.every((s, i) => s.equals(t.sent![i]!)))) {
          t.sent = sets
          this.media(MessageType.VIDEO, timestamp, videoTag(t.video, 'config', true, 0, decoderConfigurationRecord(t.video, sets)))
        }
      }
      if (!t.sent || nalus.length === 0) return // no configuration yet: a player could not decode it
      this.media(MessageType.VIDEO, timestamp, videoTag(t.video, 'frame', unit.keyframe, cts, lengthPrefixedSample(nalus)))
      return
    }
    if (!t.sent) {
      const config = trackInfoOf('audio', this.stream.spec.audio as Parameters<typeof trackInfoOf>[1])
      if (config.kind !== 'audio' || !config.config) return
      t.sent = [config.config]
      this.media(MessageType.AUDIO, timestamp, aacTag('config', config.config))
    }
    // Several access units in one unit (aggregated by the publisher): one tag each, a frame apart.
    const frames = Buffer.isBuffer(payload) ? [payload] : payload
    const frameMs = (AAC_FRAME_SAMPLES * MS_PER_SECOND) / t.track.media.clockRate
    frames.forEach((f, i) => this.media(MessageType.AUDIO, timestamp + Math.round(i * frameMs), aacTag('frame', f)))
  }

  private media(typeId: number, timestamp: number, parts: Buffer[]): void {
    const payload = Buffer.concat(parts)
    this.bytesSent += payload.length
    const chunkStreamId = typeId === MessageType.VIDEO ? ChunkStream.VIDEO : ChunkStream.AUDIO
    this.sink.send({ chunkStreamId, timestamp, typeId, messageStreamId: this.messageStreamId, payload })
  }

  private data(payload: Buffer): RtmpMessage {
    return { chunkStreamId: ChunkStream.DATA, timestamp: 0, typeId: MessageType.DATA_AMF0, messageStreamId: this.messageStreamId, payload }
  }

  /** Idempotent: leaves the stream. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.stream.removeOutput(this)
  }
}
