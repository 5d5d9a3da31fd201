/**
 * A live source of encoded frames for one or more tracks: the test card, a file played in real time,
 * later a process or a relay. The server, `rtspkit rtp send` and the client's publisher all consume
 * sources through this one shape.
 */

import type { TrackInfo } from '../stream/media.js'

export type { AudioCodec, AudioTrackInfo, TrackInfo, VideoCodec, VideoTrackInfo } from '../stream/media.js'

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
