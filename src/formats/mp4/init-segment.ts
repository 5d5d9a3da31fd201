/**
 * The initialization segment of a fragmented MP4 file, ISO/IEC 14496-12: `ftyp` (4.3) then `moov` (8.2)
 * with no samples in the sample tables and an `mvex` (8.8.1) announcing movie fragments.
 *
 *   ftyp  major_brand u32, minor_version u32, compatible_brands u32[]
 *   moov
 *     mvhd (8.2.2)   v0: creation_time, modification_time, timescale, duration (0: unknown), rate 1.0,
 *                    volume 1.0, reserved u16 + u32[2], matrix i32[9], pre_defined u32[6], next_track_ID
 *     trak (8.3.1)
 *       tkhd (8.3.2) v0, flags 3 (enabled, in movie): creation_time, modification_time, track_ID, reserved,
 *                    duration, reserved u32[2], layer, alternate_group, volume, reserved, matrix,
 *                    width and height (16.16)
 *       mdia
 *         mdhd (8.4.2)  v0: creation_time, modification_time, timescale, duration, pad + language, pre_defined
 *         hdlr (8.4.3)  pre_defined, handler_type, reserved u32[3], name (null-terminated)
 *         minf
 *           vmhd (12.1.2, flags 1) | smhd (12.2.2)
 *           dinf/dref (8.7.2): one `url ` entry with flags 1 (the media is in this file)
 *           stbl: stsd (the sample entry), empty stts, stsc, stsz, stco
 *     mvex
 *       trex (8.8.3) per track: track_ID, default_sample_description_index 1, default duration, size and
 *                    flags 0 (every trun says its own)
 *
 * mvhdBox and trakBox also make the moov of a plain file, with durations and filled sample tables
 * (recordings/mp4-progressive.ts).
 */
import type { TrackInfo } from '../../sources/source.js'
import { box, fields, fourCc, fullBox, serializeBoxes, type BoxContent, type Mp4Box } from './box.js'
import { sampleEntryFor, trackTimescale, videoGeometry } from './sample-entry.js'

export const MAJOR_BRAND = 'isom'
export const MINOR_VERSION = 0x200
export const COMPATIBLE_BRANDS: readonly string[] = ['isom', 'iso6', 'mp41']
/** Movie timescale: milliseconds (only used for durations, all 0 here). */
export const MOVIE_TIMESCALE = 1000
const RATE_1_0 = 0x00010000
const VOLUME_1_0 = 0x0100
/** Unity matrix {0x00010000,0,0, 0,0x00010000,0, 0,0,0x40000000} (8.2.2.3). */
const UNITY_MATRIX: readonly number[] = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000]
const TKHD_ENABLED_IN_MOVIE = 0x000003
/** ISO 639-2 "und" packed as three 5-bit letters minus 0x60 (8.4.2.3). */
const LANGUAGE_UND = 0x55c4
const VMHD_FLAGS = 0x000001
const URL_SELF_CONTAINED = 0x000001
const FIXED_16_16_SHIFT = 2 ** 16

const matrix = (): Buffer => fields(...UNITY_MATRIX.map((v) => ['i32', v | 0] as const))

export function ftypBox(): Mp4Box {
  return box('ftyp', fourCc(MAJOR_BRAND), fields(['u32', MINOR_VERSION]), ...COMPATIBLE_BRANDS.map(fourCc))
}

/** Movie header; `duration` in MOVIE_TIMESCALE units (0: unknown, as in an init segment). */
export function mvhdBox(nextTrackId: number, duration = 0): Mp4Box {
  return fullBox(
    'mvhd',
    0,
    0,
    fields(['u32', 0], ['u32', 0], ['u32', MOVIE_TIMESCALE], ['u32', duration], ['u32', RATE_1_0], ['u16', VOLUME_1_0], ['zeros', 2 + 8]),
    matrix(),
    fields(['zeros', 24], ['u32', nextTrackId]),
  )
}

/** What a track's boxes say, beside its samples: shared by init segments and progressive files. */
export interface TrackHeader {
  kind: 'video' | 'audio'
  /** Display size (0 for audio). */
  width: number
  height: number
  /** Media timescale (units per second). */
  timescale: number
  /** In MOVIE_TIMESCALE units (0: unknown). */
  movieDuration: number
  /** In the media timescale (0: unknown). */
  mediaDuration: number
  /** The `stbl` children: stsd first, then the sample tables. */
  sampleTable: readonly BoxContent[]
}

function tkhd(trackId: number, h: TrackHeader): Mp4Box {
  return fullBox(
    'tkhd',
    0,
    TKHD_ENABLED_IN_MOVIE,
    fields(
      ['u32', 0],
      ['u32', 0],
      ['u32', trackId],
      ['u32', 0],
      ['u32', h.movieDuration],
      ['zeros', 8],
      ['u16', 0],
      ['u16', 0],
      ['u16', h.kind === 'audio' ? VOLUME_1_0 : 0],
      ['u16', 0],
    ),
    matrix(),
    fields(['u32', h.width * FIXED_16_16_SHIFT], ['u32', h.height * FIXED_16_16_SHIFT]),
  )
}

function mdia(h: TrackHeader): Mp4Box {
  const video = h.kind === 'video'
  return box(
    'mdia',
    fullBox(
      'mdhd',
      0,
      0,
      fields(['u32', 0], ['u32', 0], ['u32', h.timescale], ['u32', h.mediaDuration], ['u16', LANGUAGE_UND], ['u16', 0]),
    ),
    fullBox(
      'hdlr',
      0,
      0,
      fields(['u32', 0]),
      fourCc(video ? 'vide' : 'soun'),
      fields(['zeros', 12]),
      Buffer.from(video ? 'VideoHandler\0' : 'SoundHandler\0', 'latin1'),
    ),
    box(
      'minf',
      video ? fullBox('vmhd', 0, VMHD_FLAGS, fields(['zeros', 8])) : fullBox('smhd', 0, 0, fields(['zeros', 4])),
      box('dinf', fullBox('dref', 0, 0, fields(['u32', 1]), fullBox('url ', 0, URL_SELF_CONTAINED))),
      box('stbl', ...h.sampleTable),
    ),
  )
}

/** A `trak` (tkhd + mdia). */
export function trakBox(trackId: number, h: TrackHeader): Mp4Box {
  return box('trak', tkhd(trackId, h), mdia(h))
}

/** The header of a track of a fragmented file: no duration, empty sample tables (the samples are in fragments). */
function fragmentedHeader(track: TrackInfo): TrackHeader {
  const size = track.kind === 'video' ? videoGeometry(track) : { width: 0, height: 0 }
  const emptyTable = (type: string, extra = 0): Mp4Box => fullBox(type, 0, 0, fields(['zeros', 4 + extra]))
  return {
    kind: track.kind === 'video' ? 'video' : 'audio',
    ...size,
    timescale: trackTimescale(track),
    movieDuration: 0,
    mediaDuration: 0,
    sampleTable: [
      fullBox('stsd', 0, 0, fields(['u32', 1]), sampleEntryFor(track)),
      emptyTable('stts'),
      emptyTable('stsc'),
      emptyTable('stsz', 4), // sample_size, sample_count
      emptyTable('stco'),
    ],
  }
}

function trex(trackId: number): Mp4Box {
  return fullBox('trex', 0, 0, fields(['u32', trackId], ['u32', 1], ['u32', 0], ['u32', 0], ['u32', 0]))
}

/** Track IDs are the track's index plus one. */
export function moovBox(tracks: readonly TrackInfo[]): Mp4Box {
  return box(
    'moov',
    mvhdBox(tracks.length + 1),
    ...tracks.map((t, i) => trakBox(i + 1, fragmentedHeader(t))),
    box('mvex', ...tracks.map((_, i) => trex(i + 1))),
  )
}

/** ftyp + moov: everything before the first fragment. */
export function initSegment(tracks: readonly TrackInfo[]): Buffer {
  return serializeBoxes([ftypBox(), moovBox(tracks)])
}
