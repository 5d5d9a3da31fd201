/**
 * A live source of encoded frames for one or more tracks: the test card, a file played in real time,
 * later a process or a relay. The server, `rtspkit rtp send` and the client's publisher all consume
 * sources through this one shape.
 */

export type VideoCodec = 'h264' | 'h265' | 'jpeg'
export type AudioCodec = 'aac' | 'pcmu' | 'pcma' | 'l16' | 'opus'

export interface VideoTrackInfo {
  kind: 'video'
  codec: VideoCodec
  width?: number
  height?: number
  fps?: number
  /** H.264/H.265 parameter sets when known up front. */
  vps?: Buffer
  sps?: Buffer
  pps?: Buffer
}

export interface AudioTrackInfo {
  kind: 'audio'
  codec: AudioCodec
  sampleRate: number
  channels: number
  /** AAC: the AudioSpecificConfig. */
  config?: Buffer
}

export type TrackInfo = VideoTrackInfo | AudioTrackInfo

/**
 * Called for each frame: `track` indexes `MediaSource.tracks`. `frame` is the codec's unit — an access
 * unit as NAL units (H.264/H.265), a JPEG image, an AAC access unit (no ADTS header), an Opus packet,
 * or a block of PCM / G.711 bytes (whole samples). `ptsMs` grows in real time across loops.
 */
export type FramePush = (track: number, frame: Buffer | Buffer[], ptsMs: number) => void

export interface MediaSource {
  readonly tracks: readonly TrackInfo[]
  /** A one-line description for logs, e.g. "clip.264 (H.264 1280x720@30, looping)". */
  readonly description: string
  /** `wanted()` false means nobody is watching: a source may skip expensive work but keeps time. */
  start(push: FramePush, wanted?: () => boolean): void
  /** Idempotent; clears timers. */
  stop(): void
}
