/**
 * What reading a sample entry of the `stsd` box gives (ISO/IEC 14496-12 8.5.2): the generic fields
 * the reader parses for every entry, and the entry a codec makes of them with its configuration box
 * (codecs/<name>/mp4.ts). A four-character code no codec reads is kept as `unsupported`, for messages.
 */
import { ParseError } from '../../errors.js'
import type { Box } from './box-reader.js'

/** A sample entry a codec read. Each codec's entry adds what it found (parameter sets, configuration…). */
export interface CodecSampleEntry {
  /** The codec's name in the registry (codecs/registry.ts). */
  codec: string
  /** The sample entry type: `avc1`, `mp4a`… */
  fourcc: string
  /** NAL-structured video: bytes of each NAL unit length in samples (1, 2 or 4). */
  lengthSize?: number
  /** Audio: the sampling rate the entry gives. */
  sampleRate?: number
}

export interface UnsupportedSampleEntry {
  codec: 'unsupported'
  fourcc: string
  /** For messages: "ac-3 (Dolby Digital)". */
  name: string
}

export type SampleEntry = CodecSampleEntry | UnsupportedSampleEntry

/** The generic fields of a visual (12.1.3) or audio (12.2.3) sample entry, and its child boxes. */
export interface SampleEntryFields {
  /** Visual entries; 0 for audio. */
  width: number
  height: number
  /** Audio entries (QuickTime sound descriptions v1/v2 read too); 0 for video. */
  channels: number
  sampleSize: number
  sampleRate: number
  /** The boxes after the fixed fields: the configuration box and others. */
  boxes: Box[]
}

/** Names for messages about codecs rtspkit does not play (mp4ra.org codec list). */
const KNOWN_NAMES: Readonly<Record<string, string>> = {
  mp4v: 'mp4v (MPEG-4 Part 2)',
  'ac-3': 'ac-3 (Dolby Digital)',
  'ec-3': 'ec-3 (Dolby Digital Plus)',
  av01: 'av01 (AV1)',
  vp08: 'vp08 (VP8)',
  vp09: 'vp09 (VP9)',
  encv: 'encv (encrypted video)',
  enca: 'enca (encrypted audio)',
  '.mp3': '.mp3 (MP3)',
  fLaC: 'fLaC (FLAC)',
  jpeg: 'jpeg (Motion JPEG)',
  mjpa: 'mjpa (Motion JPEG)',
  apch: 'apch (ProRes)',
  apcn: 'apcn (ProRes)',
  lpcm: 'lpcm (PCM)',
  sowt: 'sowt (PCM)',
  twos: 'twos (PCM)',
}

/** An entry rtspkit does not play; `detail` says why when the four-character code alone does not. */
export function unsupportedEntry(fourcc: string, detail?: string): UnsupportedSampleEntry {
  return { codec: 'unsupported', fourcc, name: detail ? `${fourcc} (${detail})` : (KNOWN_NAMES[fourcc] ?? fourcc) }
}

export function isUnsupportedEntry(e: SampleEntry): e is UnsupportedSampleEntry {
  return e.codec === 'unsupported'
}

export function childOf(boxes: readonly Box[], type: string): Box | undefined {
  return boxes.find((b) => b.type === type)
}

/** The configuration box of an entry; ParseError('ERR_MP4_MISSING_BOX') without it. */
export function requireConfig(boxes: readonly Box[], type: string, fourcc: string): Box {
  const box = childOf(boxes, type)
  if (!box)
    throw new ParseError('ERR_MP4_MISSING_BOX', `MP4 '${fourcc}' sample entry has no '${type}' box`, {
      observed: boxes.map((b) => b.type),
      allowed: type,
    })
  return box
}
