/**
 * What MP4 recording and playing need of a codec: its sample entry both ways (ISO/IEC 14496-12 8.5.2,
 * with the codec's configuration box), its media timescale, and how a frame becomes a sample. The box
 * writer and reader (formats/mp4/) stay generic and reach a codec only through these hooks.
 */
import type { Box } from '../formats/mp4/box-reader.js'
import type { Mp4Box } from '../formats/mp4/box.js'
import type { VideoGeometry } from '../formats/mp4/sample-entry-box.js'
import type { CodecSampleEntry, SampleEntryFields, UnsupportedSampleEntry } from '../formats/mp4/sample-entry-fields.js'
import type { TrackInfo } from '../stream/media.js'
import { splitAnnexB } from './annexb.js'
import { asBuffer } from './nal-unit.js'

/** Parameter sets of NAL-structured video, as a track learns them. */
export interface ParameterSets {
  vps?: Buffer
  sps?: Buffer
  pps?: Buffer
}

/** An access unit as the MP4 writer takes it (ISO/IEC 14496-15: length-prefixed NAL units). */
export interface NalAccessUnit {
  /** NAL units without start codes or delimiters (views into the input). */
  nalus: Buffer[]
  /** A random access point (IDR, IRAP…) is present. */
  keyframe: boolean
  /** The first base-layer parameter sets of each kind found in the access unit. */
  params: ParameterSets
}

/** Reading a codec's sample entries back (MP4 and QuickTime files played as sources). */
/** What a NAL unit is to the MP4 writer: dropped (a delimiter), a parameter set to keep, or a plain NAL unit. */
export type NalRole = 'drop' | keyof ParameterSets | undefined

/**
 * Splits an access unit given as Annex-B bytes or as NAL units, and finds what the writer needs; `role`
 * and `isKeyframe` are the codec's own reading of a NAL unit header.
 */
export function readNalAccessUnit(
  frame: Uint8Array | readonly Uint8Array[],
  role: (nal: Buffer) => NalRole,
  isKeyframe: (nal: Buffer) => boolean,
): NalAccessUnit {
  const all = frame instanceof Uint8Array ? splitAnnexB(frame) : frame.map(asBuffer)
  const nalus: Buffer[] = []
  const params: ParameterSets = {}
  let keyframe = false
  for (const nal of all) {
    if (nal.length === 0) continue
    const r = role(nal)
    if (r === 'drop') continue
    if (r !== undefined) params[r] ??= nal
    keyframe ||= isKeyframe(nal)
    nalus.push(nal)
  }
  return { nalus, keyframe, params }
}

export interface Mp4EntryReader<E extends CodecSampleEntry = CodecSampleEntry> {
  /** Sample entry types this codec reads (`avc1`, `avc3`…). */
  readonly entryTypes: readonly string[]
  /** What an entry must be to be played, for messages (`at 8000 Hz`). */
  readonly requirement?: string
  /** The entry from its generic fields and configuration box; `unsupported` for a variant not played. */
  readEntry(entry: Box, fields: SampleEntryFields): E | UnsupportedSampleEntry
  /**
   * The track a source pushes for an entry, or undefined when rtspkit cannot send it as is. Throws
   * ParseError for a configuration it cannot read (a malformed SPS).
   */
  trackInfo(entry: E): TrackInfo | undefined
  /** Samples read as one frame (PCM: sampling instants grouped into blocks). Default 1. */
  blockSamples?(entry: E): number
}

export interface CodecMp4<E extends CodecSampleEntry = CodecSampleEntry> {
  /** The `stsd` sample entry; ConfigError('ERR_MP4_TRACK_CONFIG') when its configuration is missing. */
  sampleEntry(track: TrackInfo): Mp4Box
  /** Media timescale; default 90 kHz for video, the sample rate for audio. */
  timescale?(track: TrackInfo): number
  /** Whether the sample entry can be written yet (video parameter sets known); default true. */
  isConfigured?(track: TrackInfo): boolean
  /** Video: the picture size the codec's configuration gives (the SPS), if known. */
  geometry?(track: TrackInfo): VideoGeometry | undefined
  /** NAL-structured video: what a frame holds. Formats without it are written frame = sample. */
  accessUnit?(frame: Uint8Array | readonly Uint8Array[]): NalAccessUnit
  /** Audio: a frame's duration in `timescale` units when the format says it (the last sample of a file). */
  frameDuration?(track: TrackInfo, frame: Buffer, timescale: number): number | undefined
  /**
   * The sample entry's name in the syntax of RFC 6381 section 3.3 (`avc1.64001f`, `mp4a.40.2`): what
   * the CODECS attribute of an HLS playlist says. Undefined while the configuration is not known;
   * absent for formats HLS players do not take (the HLS output carries only codecs that have it).
   */
  codecsString?(track: TrackInfo): string | undefined
  /** Absent for formats rtspkit writes but does not play from files. */
  readonly reader?: Mp4EntryReader<E>
}
