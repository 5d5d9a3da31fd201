/**
 * Picture size and frame rate of a live video track, read from the parameters the track describes
 * itself with (its SDP fmtp, e.g. the SPS in sprop-parameter-sets) by the codec's `pictureOf`. The
 * caller falls back to the rate units arrive at when the bitstream gives no timing.
 *
 * Parsed once per parameter set: the cache keeps, per track, the fmtp it last read and what it found.
 */
import type { PictureInfo } from '../codecs/codec.js'
import type { CodecRegistry } from '../codecs/registry.js'
import type { ServerTrack } from '../server/server-stream.js'

export type { PictureInfo }

export class PictureInfoCache {
  private readonly byTrack = new WeakMap<ServerTrack, { fmtp: string; info: PictureInfo | undefined }>()

  constructor(private readonly codecs: CodecRegistry) {}

  /** What the track's parameters say, or undefined for formats without them or before they are known. */
  of(track: ServerTrack): PictureInfo | undefined {
    const codec = this.codecs.byName(track.media.codec) ?? this.codecs.byEncodingName(track.media.codec)
    if (!codec?.pictureOf) return undefined
    const attr = track.media.sdpAttributes().find((a) => a.key === 'fmtp')?.value
    if (!attr) return undefined
    const cached = this.byTrack.get(track)
    if (cached?.fmtp === attr) return cached.info
    const info = codec.pictureOf(attr.slice(attr.indexOf(' ') + 1))
    this.byTrack.set(track, { fmtp: attr, info })
    return info
  }
}

/** Two decimals: 29.97 stays, 25.000001 from a measured rate becomes 25. */
export function roundFps(fps: number): number {
  return Math.round(fps * 100) / 100
}
