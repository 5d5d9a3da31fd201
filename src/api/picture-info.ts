/**
 * Picture size and frame rate of a live H.264 or H.265 track, read from the sequence parameter set the
 * track describes itself with (its SDP fmtp: sprop-parameter-sets, RFC 6184 §8.1; sprop-sps, RFC 7798
 * §7.1). The frame rate is the SPS VUI timing when the encoder wrote it (H.264 E.2.1, H.265 E.3.1);
 * the caller falls back to the rate units arrive at.
 *
 * Parsed once per parameter set: the cache keeps, per track, the fmtp it last read and what it found.
 */
import { parseH264Fmtp } from '../codecs/h264/format.js'
import { parseSps } from '../codecs/h264/sps.js'
import { parseH265Fmtp } from '../codecs/h265/format.js'
import { parseH265Sps } from '../codecs/h265/sps.js'
import { RtspkitError } from '../errors.js'
import type { ServerTrack } from '../server/server-stream.js'

export interface PictureInfo {
  width: number
  height: number
  /** From the SPS VUI timing; absent when the encoder did not write it. */
  fps?: number
}

/** H.264 and H.265 encoding names as written in rtpmap, upper case. */
const H264 = 'H264'
const H265 = 'H265'

export class PictureInfoCache {
  private readonly byTrack = new WeakMap<ServerTrack, { fmtp: string; info: PictureInfo | undefined }>()

  /** What the track's SPS says, or undefined for other codecs or before the SPS is known. */
  of(track: ServerTrack): PictureInfo | undefined {
    const codec = track.media.codec.toUpperCase()
    if (codec !== H264 && codec !== H265) return undefined
    const attr = track.media.sdpAttributes().find((a) => a.key === 'fmtp')?.value
    if (!attr) return undefined
    const cached = this.byTrack.get(track)
    if (cached?.fmtp === attr) return cached.info
    const info = readSps(codec, attr.slice(attr.indexOf(' ') + 1))
    this.byTrack.set(track, { fmtp: attr, info })
    return info
  }
}

function readSps(codec: string, fmtp: string): PictureInfo | undefined {
  try {
    const sps = codec === H264 ? parseH264Fmtp(fmtp).sps : parseH265Fmtp(fmtp).sps
    if (!sps) return undefined
    const s = codec === H264 ? parseSps(sps) : parseH265Sps(sps)
    const fps = s.fps !== undefined && Number.isFinite(s.fps) && s.fps > 0 ? roundFps(s.fps) : undefined
    return fps === undefined ? { width: s.width, height: s.height } : { width: s.width, height: s.height, fps }
  } catch (err) {
    // A relayed camera's malformed fmtp or SPS: the view shows what the spec says instead.
    if (err instanceof RtspkitError) return undefined
    throw err
  }
}

/** Two decimals: 29.97 stays, 25.000001 from a measured rate becomes 25. */
export function roundFps(fps: number): number {
  return Math.round(fps * 100) / 100
}
