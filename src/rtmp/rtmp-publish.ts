/**
 * An RTMP publisher (publish command, RTMP specification 1.0, 7.2.2.6) as an input of the path's
 * stream. RTMP says what it sends only as it sends it: onMetaData names the codecs, and each track's
 * first tag is its sequence header (decoder configuration). The tracks are known once every codec
 * the metadata names has sent its configuration — or, without metadata, once both have, or a second
 * of media went by. Until then tags are held (bounded); then the publisher is opened with the SDP
 * those configurations make (rtmp-tracks.ts) and every frame goes into the stream whole, as NAL
 * units or a raw AAC frame with its presentation time (DTS + composition time).
 */
import { LimitError } from '../errors.js'
import { splitLengthPrefixed } from '../formats/mp4/length-prefixed.js'
import type { ExternalPublisher } from '../server/external-sessions.js'
import type { Amf0Object } from './amf0.js'
import { parseAudioTag, parseVideoTag, type FlvAudioTag, type FlvVideoTag } from './flv-tags.js'
import { METADATA_CODEC_ID, publishSdp, readAudioConfig, readVideoConfig, type AudioConfig, type VideoConfig } from './rtmp-tracks.js'

/** Media held while the tracks are not known yet, at most (then the publisher opens with what it has). */
const MAX_HELD_BYTES = 4 * 1024 * 1024
/** Without metadata (or with a codec that never configures), this much media ends the wait. */
const MAX_WAIT_MS = 1000
/** Samples per AAC frame (AAC-LC and HE-AAC's core). */
const AAC_FRAME_SAMPLES = 1024
const MS_PER_SECOND = 1000
/** Audio whose FLV time is this far from the sample count restarts the count. */
const AUDIO_RESYNC_MS = 100

export interface PublishOpener {
  /** Opens the path's publisher for this SDP (server.openPublisher); throws RequestError when refused. */
  open(sdp: string): ExternalPublisher
  /** A tag that is ignored (a codec RTMP input does not take), once per kind of tag. */
  ignored(what: string): void
}

interface Held {
  timestamp: number
  tag: FlvVideoTag | FlvAudioTag
  bytes: number
}

export class RtmpPublish {
  /** The external session once the tracks are known. */
  session: ExternalPublisher | undefined
  private metadata: Amf0Object | undefined
  private video: VideoConfig | undefined
  private audio: AudioConfig | undefined
  private held: Held[] = []
  private heldBytes = 0
  private readonly ignoredKinds = new Set<string>()
  /** Parameter sets of a configuration that changed mid-stream: they go in front of the next frame. */
  private newParameterSets: Buffer[] | undefined
  private audioAnchor: number | undefined
  private audioFrames = 0
  private closed = false

  constructor(private readonly opener: PublishOpener) {}

  /** onMetaData (or @setDataFrame onMetaData): which codecs to wait for. */
  onMetadata(meta: Amf0Object): void {
    if (this.session === undefined) this.metadata = meta
  }

  /** Throws RtspkitError for malformed tags or configurations: the connection closes. */
  onVideo(timestamp: number, body: Buffer): void {
    this.onTag(timestamp, parseVideoTag(body), body.length)
  }

  onAudio(timestamp: number, body: Buffer): void {
    this.onTag(timestamp, parseAudioTag(body), body.length)
  }

  private onTag(timestamp: number, tag: FlvVideoTag | FlvAudioTag, bytes: number): void {
    if (this.closed) return
    if (tag.codec === 'other') {
      if (!this.ignoredKinds.has(tag.what)) {
        this.ignoredKinds.add(tag.what)
        this.opener.ignored(tag.what)
      }
      return
    }
    if (this.session) return this.deliver(timestamp, tag, bytes)
    if (tag.packet === 'config') this.configure(tag)
    this.held.push({ timestamp, tag, bytes })
    this.heldBytes += bytes
    if (this.tracksKnown()) this.open()
  }

  private configure(tag: FlvVideoTag | FlvAudioTag): void {
    if (tag.codec === 'other') return
    if (tag.kind === 'video') this.video = readVideoConfig(tag.codec, tag.data)
    else this.audio = readAudioConfig(tag.data)
  }

  private tracksKnown(): boolean {
    const frames = this.held.filter((h) => h.tag.packet === 'frame')
    const span = frames.length > 1 ? frames[frames.length - 1]!.timestamp - frames[0]!.timestamp : 0
    if (this.heldBytes > MAX_HELD_BYTES || span >= MAX_WAIT_MS) return true
    const meta = this.metadata
    if (meta === undefined) return this.video !== undefined && this.audio !== undefined
    const videoId = meta['videocodecid']
    const audioId = meta['audiocodecid']
    const wantsVideo = videoId === METADATA_CODEC_ID.H264 || videoId === METADATA_CODEC_ID.H265 || videoId === 'avc1' || videoId === 'hvc1'
    const wantsAudio = audioId === METADATA_CODEC_ID.AAC || audioId === 'mp4a'
    if (!wantsVideo && !wantsAudio) return this.video !== undefined || this.audio !== undefined
    return (!wantsVideo || this.video !== undefined) && (!wantsAudio || this.audio !== undefined)
  }

  private open(): void {
    if (!this.video && !this.audio)
      throw new LimitError('ERR_RTMP_NO_TRACKS', 'no decoder configuration for any track before the wait ended', {
        observed: this.heldBytes,
      })
    this.session = this.opener.open(publishSdp(this.video, this.audio))
    const held = this.held
    this.held = []
    this.heldBytes = 0
    for (const h of held) this.deliver(h.timestamp, h.tag, h.bytes)
  }

  private deliver(timestamp: number, tag: FlvVideoTag | FlvAudioTag, bytes: number): void {
    const session = this.session!
    if (tag.codec === 'other') return
    if (tag.kind === 'audio') {
      if (!this.audio) return
      if (tag.packet === 'config') {
        this.audio = readAudioConfig(tag.data)
        return
      }
      session.pushFrame(this.video ? 1 : 0, tag.data, this.audioTime(timestamp), bytes)
      return
    }
    if (!this.video || tag.codec !== this.video.codec) return
    if (tag.packet === 'config') {
      const next = readVideoConfig(tag.codec, tag.data)
      const same = next.parameterSets.every((p, i) => p.equals(this.video!.parameterSets[i]!))
      if (!same) this.newParameterSets = next.parameterSets
      this.video = next
      return
    }
    if (tag.packet !== 'frame') return
    let nalus = splitLengthPrefixed(tag.data, this.video.lengthSize)
    if (this.newParameterSets && tag.keyframe) {
      nalus = [...this.newParameterSets, ...nalus]
      this.newParameterSets = undefined
    }
    if (nalus.length > 0) session.pushFrame(0, nalus, timestamp + tag.compositionTime, bytes)
  }

  /**
   * FLV times are whole milliseconds; an AAC frame lasts 1024 samples (21.33 ms at 48 kHz). Frames
   * are timed by counting samples from the first one, so readers get regular RTP timestamps; the
   * count starts over when the publisher's time moves away from it (a gap, a jump).
   */
  private audioTime(timestamp: number): number {
    const a = this.audio!
    const frameMs = (AAC_FRAME_SAMPLES * MS_PER_SECOND) / a.sampleRate
    const expected = this.audioAnchor === undefined ? undefined : this.audioAnchor + this.audioFrames * frameMs
    if (expected === undefined || Math.abs(expected - timestamp) > AUDIO_RESYNC_MS) {
      this.audioAnchor = timestamp
      this.audioFrames = 0
    }
    return this.audioAnchor! + this.audioFrames++ * frameMs
  }

  /** Idempotent: ends the publisher (the path's readers see it go). */
  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.held = []
    this.session?.close(reason)
  }
}
