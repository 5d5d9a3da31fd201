/**
 * What Matroska recording needs of a codec (Matroska Media Container Codec Specifications): its CodecID,
 * its CodecPrivate, and how a frame becomes a block. The writer (formats/matroska/) stays codec-blind and
 * reaches a codec only through these hooks. Matroska holds formats MP4 cannot (the codecs with these
 * hooks and no `mp4` ones), so a path carrying them is still recorded.
 */
import type { TrackInfo } from '../stream/media.js'
import type { ParameterSets } from './codec-mp4.js'

/** A frame as a block: its bytes, whether it is a keyframe, and parameter sets found in it. */
export interface MatroskaFrame {
  data: Buffer
  keyframe: boolean
  params?: ParameterSets
}

export interface CodecMatroska {
  /** The CodecID: 'V_…' for video, 'A_…' for audio. */
  readonly codecId: string
  /** Whether CodecPrivate can be written yet (parameter sets learned); default true. */
  isConfigured?(track: TrackInfo): boolean
  /** The CodecPrivate element's bytes, when the codec has one. */
  codecPrivate?(track: TrackInfo): Buffer | undefined
  /** The block payload of a frame; default: the bytes as pushed, every frame a keyframe (audio, still-image video). */
  frame?(data: Uint8Array | readonly Uint8Array[]): MatroskaFrame
  /** Audio: the BitDepth element (PCM). */
  readonly bitDepth?: number
}

/** Frame bytes as one Buffer (a view when they already are one). */
export function frameBytes(data: Uint8Array | readonly Uint8Array[]): Buffer {
  if (data instanceof Uint8Array) return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.concat(data)
}
