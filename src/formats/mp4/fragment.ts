/**
 * One movie fragment, ISO/IEC 14496-12 section 8.8: `moof` then the `mdat` holding its samples, track by
 * track in the order of the `traf`s.
 *
 *   moof
 *     mfhd (8.8.5)  sequence_number u32 (starts at 1, +1 per fragment)
 *     traf (8.8.6) per track with samples
 *       tfhd (8.8.7)  flags 0x020000 default-base-is-moof: track_ID u32 (data offsets count from the moof)
 *       tfdt (8.8.12) v1: baseMediaDecodeTime u64 (decode time of the first sample, media timescale)
 *       trun (8.8.8)  flags 0x000001 data-offset, 0x000100 duration, 0x000200 size, 0x000400 flags,
 *                     0x000800 composition time offset (only when a sample has one; version 1 = signed)
 *                     sample_count u32, data_offset i32, then per sample the present fields, u32 each
 *   mdat (8.1.1)  the samples
 *
 * Sample flags (8.8.3.1): is_leading u2, sample_depends_on u2, sample_is_depended_on u2,
 * sample_has_redundancy u2, sample_padding_value u3, sample_is_non_sync_sample u1, degradation_priority u16.
 */
import { CodecError } from '../../errors.js'
import { BOX_HEADER_SIZE, FULL_BOX_HEADER_SIZE, box, fields, fullBox, writeU64, type Mp4Box } from './box.js'

export const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000
export const TRUN_DATA_OFFSET_PRESENT = 0x000001
export const TRUN_SAMPLE_DURATION_PRESENT = 0x000100
export const TRUN_SAMPLE_SIZE_PRESENT = 0x000200
export const TRUN_SAMPLE_FLAGS_PRESENT = 0x000400
export const TRUN_SAMPLE_CTO_PRESENT = 0x000800
/** sample_depends_on = 2 (depends on no other sample): a sync sample. */
export const SAMPLE_FLAGS_SYNC = 0x02000000
/** sample_depends_on = 1 and sample_is_non_sync_sample = 1. */
export const SAMPLE_FLAGS_NON_SYNC = 0x01010000
const TFDT_VERSION_64 = 1
const TRUN_VERSION_SIGNED_CTO = 1
/** sample_count and data_offset. */
const TRUN_FIXED_SIZE = 8
const FIELD_SIZE = 4
const U64_SIZE = 8
const MAX_DATA_OFFSET = 0x7fffffff

export interface FragmentSample {
  data: Uint8Array
  /** In the track's timescale. */
  duration: number
  sync: boolean
  /** Presentation minus decode time, in the track's timescale. */
  compositionOffset: number
}

export interface TrackRun {
  trackId: number
  /** Decode time of the first sample, in the track's timescale. */
  baseMediaDecodeTime: number
  samples: readonly FragmentSample[]
}

const hasCompositionOffsets = (samples: readonly FragmentSample[]): boolean => samples.some((s) => s.compositionOffset !== 0)

/** sample_count, data_offset and duration, size, flags [, composition offset] per sample. */
function trunPayloadSize(count: number, withCto: boolean): number {
  return TRUN_FIXED_SIZE + count * (withCto ? 4 : 3) * FIELD_SIZE
}

function trunPayload(samples: readonly FragmentSample[], dataOffset: number, withCto: boolean): Buffer {
  const out = Buffer.allocUnsafe(trunPayloadSize(samples.length, withCto))
  let off = out.writeUInt32BE(samples.length, 0)
  off = out.writeInt32BE(dataOffset, off)
  for (const s of samples) {
    off = out.writeUInt32BE(s.duration, off)
    off = out.writeUInt32BE(s.data.byteLength, off)
    off = out.writeUInt32BE(s.sync ? SAMPLE_FLAGS_SYNC : SAMPLE_FLAGS_NON_SYNC, off)
    if (withCto) off = out.writeInt32BE(s.compositionOffset, off)
  }
  return out
}

/** The trun box of one run whose samples start `dataOffset` bytes after the moof's first byte. */
export function trunBox(samples: readonly FragmentSample[], dataOffset: number): Mp4Box {
  const withCto = hasCompositionOffsets(samples)
  const flags =
    TRUN_DATA_OFFSET_PRESENT |
    TRUN_SAMPLE_DURATION_PRESENT |
    TRUN_SAMPLE_SIZE_PRESENT |
    TRUN_SAMPLE_FLAGS_PRESENT |
    (withCto ? TRUN_SAMPLE_CTO_PRESENT : 0)
  return fullBox('trun', withCto ? TRUN_VERSION_SIGNED_CTO : 0, flags, trunPayload(samples, dataOffset, withCto))
}

function trafBox(run: TrackRun, dataOffset: number): Mp4Box {
  const tfdt = Buffer.allocUnsafe(U64_SIZE)
  writeU64(tfdt, run.baseMediaDecodeTime, 0)
  return box(
    'traf',
    fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, fields(['u32', run.trackId])),
    fullBox('tfdt', TFDT_VERSION_64, 0, tfdt),
    trunBox(run.samples, dataOffset),
  )
}

/** Size of a traf, which does not depend on the data offset. */
function trafSize(run: TrackRun): number {
  const tfhd = FULL_BOX_HEADER_SIZE + FIELD_SIZE
  const tfdt = FULL_BOX_HEADER_SIZE + U64_SIZE
  const trun = FULL_BOX_HEADER_SIZE + trunPayloadSize(run.samples.length, hasCompositionOffsets(run.samples))
  return BOX_HEADER_SIZE + tfhd + tfdt + trun
}

/** moof + mdat in one buffer. Runs without samples are left out. */
export function buildFragment(sequenceNumber: number, runs: readonly TrackRun[]): Buffer {
  const used = runs.filter((r) => r.samples.length > 0)
  const mfhdSize = FULL_BOX_HEADER_SIZE + FIELD_SIZE
  let moofSize = BOX_HEADER_SIZE + mfhdSize
  for (const r of used) moofSize += trafSize(r)
  let dataSize = 0
  const offsets: number[] = []
  for (const r of used) {
    offsets.push(moofSize + BOX_HEADER_SIZE + dataSize)
    for (const s of r.samples) dataSize += s.data.byteLength
  }
  if (moofSize + BOX_HEADER_SIZE + dataSize > MAX_DATA_OFFSET) {
    throw new CodecError('ERR_MP4_FRAGMENT_SIZE', `fragment of ${dataSize} bytes is too large`, {
      observed: dataSize,
      allowed: MAX_DATA_OFFSET - moofSize - BOX_HEADER_SIZE,
    })
  }
  const moof = box('moof', fullBox('mfhd', 0, 0, fields(['u32', sequenceNumber])), ...used.map((r, i) => trafBox(r, offsets[i]!)))
  const out = Buffer.allocUnsafe(moof.size + BOX_HEADER_SIZE + dataSize)
  let off = moof.writeTo(out, 0)
  off = out.writeUInt32BE(BOX_HEADER_SIZE + dataSize, off)
  off += out.write('mdat', off, 'latin1')
  for (const r of used) {
    for (const s of r.samples) {
      out.set(s.data, off)
      off += s.data.byteLength
    }
  }
  return out
}
