/**
 * What HLS carries, and the CODECS attribute of EXT-X-STREAM-INF (RFC 8216bis section 4.4.6.2): the
 * RFC 6381 names each codec gives for its MP4 sample entry (`CodecMp4.codecsString`). A codec without
 * that hook is not one HLS players take, so the muxer leaves it out. Browsers refuse a variant whose
 * CODECS they cannot parse, so an unknown value is left out rather than guessed.
 */
import { builtinCodec, builtinLabels, familyOf } from '../codecs/registry.js'
import type { TrackInfo } from '../stream/media.js'

/** Whether HLS players take this codec in fMP4. */
export function hlsCarries(codec: string): boolean {
  return builtinCodec(codec)?.mp4?.codecsString !== undefined
}

/** The RFC 6381 name of a track, or undefined when it cannot be told yet (no SPS). */
export function codecString(track: TrackInfo): string | undefined {
  return builtinCodec(track.codec)?.mp4?.codecsString?.(track)
}

/** The formats HLS carries, for messages ("H.264 or H.265"). */
export function hlsFormats(kind: 'video' | 'audio'): string {
  const names = builtinLabels((c) => (c.kind === kind && c.mp4?.codecsString ? familyOf(c) : undefined))
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}` : (names[0] ?? 'no')
}
