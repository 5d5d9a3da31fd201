/**
 * Movie fragments, ISO/IEC 14496-12 8.8 (what `ffmpeg -movflags frag_keyframe+empty_moov` and
 * rtspkit's own recordings write):
 *
 *   8.8.3 'trex' FullBox; u32 track_ID; u32 default_sample_description_index;
 *         u32 default_sample_duration; u32 default_sample_size; u32 default_sample_flags
 *   8.8.7 'tfhd' FullBox(flags); u32 track_ID; [u64 base_data_offset 0x1];
 *         [u32 sample_description_index 0x2]; [u32 default_sample_duration 0x8];
 *         [u32 default_sample_size 0x10]; [u32 default_sample_flags 0x20];
 *         0x10000 duration-is-empty; 0x20000 default-base-is-moof
 *   8.8.12 'tfdt' FullBox; u32 (v0) / u64 (v1) baseMediaDecodeTime
 *   8.8.8 'trun' FullBox(flags); u32 sample_count; [s32 data_offset 0x1]; [u32 first_sample_flags 0x4];
 *         { [u32 duration 0x100]; [u32 size 0x200]; [u32 flags 0x400];
 *           [u32 (v0) / s32 (v1) composition_time_offset 0x800] }*
 *   8.8.3.1 sample flags: bit 16 sample_is_non_sync_sample.
 *
 * Data offsets (8.8.7.1): base_data_offset when given; else with default-base-is-moof the start of the
 * moof; else the start of the moof for the first track fragment and the end of the previous one's data
 * for the next. A trun without data_offset continues where the previous trun's data ended.
 */
import { ParseError } from '../../errors.js'
import { BoxFieldReader, children, type Box } from './box-reader.js'
import type { SampleList } from './sample-table.js'

const TFHD_BASE_DATA_OFFSET = 0x1
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x2
const TFHD_DEFAULT_DURATION = 0x8
const TFHD_DEFAULT_SIZE = 0x10
const TFHD_DEFAULT_FLAGS = 0x20
const TFHD_DEFAULT_BASE_IS_MOOF = 0x20000
const TRUN_DATA_OFFSET = 0x1
const TRUN_FIRST_SAMPLE_FLAGS = 0x4
const TRUN_DURATION = 0x100
const TRUN_SIZE = 0x200
const TRUN_FLAGS = 0x400
const TRUN_CTS = 0x800
const SAMPLE_IS_NON_SYNC = 0x10000
const TRUN_FIELD_SIZE = 4

export interface TrackDefaults {
  duration: number
  size: number
  flags: number
}

/** Parses a 'trex' box body: the track ID and its fragment defaults. */
export function parseTrex(body: Buffer): { trackId: number; defaults: TrackDefaults } {
  const r = new BoxFieldReader(body, "'trex' box")
  r.fullBox()
  const trackId = r.u32()
  r.skip(4) // default_sample_description_index
  return { trackId, defaults: { duration: r.u32(), size: r.u32(), flags: r.u32() } }
}

/** A track receiving fragment samples. */
export interface FragmentTrack {
  samples: SampleList
  defaults: TrackDefaults
  /** Decode time where the next fragment continues when it has no 'tfdt'. */
  nextDts: number
  /** Samples dropped because they lie past the end of a truncated file. */
  dropped: number
}

function trunFieldCount(flags: number): number {
  return [TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_CTS].filter((f) => flags & f).length
}

/**
 * Adds the samples of one 'moof' (at absolute offset `moof.start`) to their tracks. Track fragments of
 * tracks not in `tracks` are skipped. Samples past `fileSize` (a truncated file) are counted in
 * the track's `dropped`.
 */
export function readMovieFragment(moof: Box, tracks: ReadonlyMap<number, FragmentTrack>, fileSize: number): void {
  let nextBase = moof.start
  for (const traf of children(moof)) {
    if (traf.type !== 'traf') continue
    const boxes = children(traf)
    const tfhdBox = boxes.find((b) => b.type === 'tfhd')
    if (!tfhdBox)
      throw new ParseError('ERR_MP4_MISSING_BOX', "MP4 'traf' box has no 'tfhd' box", {
        observed: boxes.map((b) => b.type),
        allowed: 'tfhd',
      })
    const h = new BoxFieldReader(tfhdBox.body, "'tfhd' box")
    const { flags } = h.fullBox()
    const track = tracks.get(h.u32())
    const base = flags & TFHD_BASE_DATA_OFFSET ? h.u64() : flags & TFHD_DEFAULT_BASE_IS_MOOF ? moof.start : nextBase
    if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) h.skip(4)
    if (!track) continue
    const duration = flags & TFHD_DEFAULT_DURATION ? h.u32() : track.defaults.duration
    const size = flags & TFHD_DEFAULT_SIZE ? h.u32() : track.defaults.size
    const sampleFlags = flags & TFHD_DEFAULT_FLAGS ? h.u32() : track.defaults.flags
    const tfdt = boxes.find((b) => b.type === 'tfdt')
    if (tfdt) {
      const t = new BoxFieldReader(tfdt.body, "'tfdt' box")
      track.nextDts = t.fullBox().version === 1 ? t.u64() : t.u32()
    }
    let pos = base
    for (const trun of boxes) {
      if (trun.type !== 'trun') continue
      const r = new BoxFieldReader(trun.body, "'trun' box")
      const { flags: tf } = r.fullBox()
      const count = r.u32()
      if (tf & TRUN_DATA_OFFSET) pos = base + r.i32()
      const firstFlags = tf & TRUN_FIRST_SAMPLE_FLAGS ? r.u32() : undefined
      r.needEntries(count, trunFieldCount(tf) * TRUN_FIELD_SIZE)
      for (let i = 0; i < count; i++) {
        const d = tf & TRUN_DURATION ? r.u32() : duration
        const s = tf & TRUN_SIZE ? r.u32() : size
        let f = tf & TRUN_FLAGS ? r.u32() : sampleFlags
        if (i === 0 && firstFlags !== undefined) f = firstFlags
        const cts = tf & TRUN_CTS ? r.i32() : 0 // signed in v0 too, as for 'ctts' (see sample-table.ts)
        if (pos < 0 || pos + s > fileSize) {
          track.dropped += count - i
          break
        }
        track.samples.add(pos, s, track.nextDts, track.nextDts + cts, !(f & SAMPLE_IS_NON_SYNC), d)
        track.nextDts += d
        pos += s
      }
    }
    nextBase = pos
  }
}
