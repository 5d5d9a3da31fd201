/**
 * The sample table of a track, ISO/IEC 14496-12 8.6 and 8.7, expanded into one entry per sample:
 *
 *   8.6.1.2 'stts' FullBox; u32 entry_count; { u32 sample_count; u32 sample_delta }*
 *   8.6.1.3 'ctts' FullBox; u32 entry_count; { u32 sample_count; u32 (v0) / s32 (v1) sample_offset }*
 *   8.7.4   'stsc' FullBox; u32 entry_count; { u32 first_chunk (1-based); u32 samples_per_chunk;
 *                                              u32 sample_description_index }*
 *   8.7.3.2 'stsz' FullBox; u32 sample_size (0: sizes follow); u32 sample_count; [u32 entry_size]*
 *   8.7.3.3 'stz2' FullBox; u24 reserved; u8 field_size (4, 8, 16); u32 sample_count; entry_size[]
 *   8.7.5   'stco' FullBox; u32 entry_count; u32 chunk_offset*   'co64': u64 chunk_offset*
 *   8.6.2   'stss' FullBox; u32 entry_count; u32 sample_number* (1-based); no 'stss': every sample
 *           is a sync sample
 *   8.6.6   'elst' FullBox; u32 entry_count; { u32/u64 segment_duration; s32/s64 media_time;
 *                                              s16 media_rate_integer; s16 media_rate_fraction }*
 *
 * Quirk (ffmpeg, many cameras): 'ctts' version 0 offsets are read as signed, as ffmpeg does, since
 * writers put negative offsets there before version 1 existed.
 */
import { LimitError, ParseError } from '../../errors.js'
import { BoxFieldReader } from './box-reader.js'

/** Samples in one track; beyond it a file is refused (about 50 hours of 48 kHz audio in 1024-sample frames). */
export const MAX_SAMPLES = 1 << 23
const STTS_ENTRY_SIZE = 8
const STSC_ENTRY_SIZE = 12
const STSZ_ENTRY_SIZE = 4
const STCO_ENTRY_SIZE = 4
const CO64_ENTRY_SIZE = 8
const STSS_ENTRY_SIZE = 4
const STZ2_FIELD_SIZES: ReadonlySet<number> = new Set([4, 8, 16])
const NIBBLE_BITS = 4
const LOW_NIBBLE = 0x0f
const ELST_V0_ENTRY_SIZE = 12
const ELST_V1_ENTRY_SIZE = 20
/** media_time −1 marks an empty edit (a delay). */
const EMPTY_EDIT = -1

/** Samples in decode order, as parallel arrays (compact for long files). Times are in the track timescale. */
export class SampleList {
  readonly offset: number[] = []
  readonly size: number[] = []
  readonly dts: number[] = []
  readonly pts: number[] = []
  readonly keyframe: boolean[] = []
  /** Decode time just after the last sample (its dts plus its duration). */
  endDts = 0

  get count(): number {
    return this.offset.length
  }

  add(offset: number, size: number, dts: number, pts: number, keyframe: boolean, duration: number): void {
    if (this.offset.length >= MAX_SAMPLES)
      throw new LimitError('ERR_MP4_LIMIT', `MP4 track has more than ${MAX_SAMPLES} samples`, {
        observed: this.offset.length + 1,
        allowed: MAX_SAMPLES,
      })
    this.offset.push(offset)
    this.size.push(size)
    this.dts.push(dts)
    this.pts.push(pts)
    this.keyframe.push(keyframe)
    this.endDts = dts + duration
  }
}

/** The bodies of the sample table boxes of one 'stbl'. */
export interface SampleTableBoxes {
  stts?: Buffer | undefined
  ctts?: Buffer | undefined
  stsc?: Buffer | undefined
  stsz?: Buffer | undefined
  stz2?: Buffer | undefined
  stco?: Buffer | undefined
  co64?: Buffer | undefined
  stss?: Buffer | undefined
}

export interface RunEntry {
  count: number
  value: number
}

/** 'stts' (value = sample_delta) or 'ctts' (value = sample_offset). */
export function parseTimeRuns(body: Buffer, name: 'stts' | 'ctts'): RunEntry[] {
  const r = new BoxFieldReader(body, `'${name}' box`)
  r.fullBox()
  const count = r.u32()
  r.needEntries(count, STTS_ENTRY_SIZE)
  const out: RunEntry[] = []
  for (let i = 0; i < count; i++) out.push({ count: r.u32(), value: name === 'ctts' ? r.i32() : r.u32() })
  return out
}

export interface ChunkRun {
  firstChunk: number
  samplesPerChunk: number
}

export function parseStsc(body: Buffer): ChunkRun[] {
  const r = new BoxFieldReader(body, "'stsc' box")
  r.fullBox()
  const count = r.u32()
  r.needEntries(count, STSC_ENTRY_SIZE)
  const out: ChunkRun[] = []
  for (let i = 0; i < count; i++) {
    const firstChunk = r.u32()
    const samplesPerChunk = r.u32()
    r.skip(4) // sample_description_index: rtspkit plays the first sample entry
    const prev = out[out.length - 1]
    if (firstChunk < 1 || (prev && firstChunk <= prev.firstChunk)) {
      throw new ParseError('ERR_MP4_SAMPLE_TABLE', `MP4 'stsc' entry ${i} has first_chunk ${firstChunk}, not increasing from 1`, {
        observed: firstChunk,
        allowed: `> ${prev?.firstChunk ?? 0}`,
      })
    }
    out.push({ firstChunk, samplesPerChunk })
  }
  return out
}

export interface SampleSizes {
  count: number
  /** Size of sample i (0-based). */
  sizeOf(i: number): number
  /** The common size when every sample has the same size. */
  constant?: number
}

export function parseStsz(body: Buffer): SampleSizes {
  const r = new BoxFieldReader(body, "'stsz' box")
  r.fullBox()
  const constant = r.u32()
  const count = r.u32()
  if (constant !== 0) return { count, constant, sizeOf: () => constant }
  r.needEntries(count, STSZ_ENTRY_SIZE)
  const table = r.bytes(count * STSZ_ENTRY_SIZE)
  return { count, sizeOf: (i) => table.readUInt32BE(i * STSZ_ENTRY_SIZE) }
}

export function parseStz2(body: Buffer): SampleSizes {
  const r = new BoxFieldReader(body, "'stz2' box")
  r.fullBox()
  r.skip(3) // reserved
  const fieldSize = r.u8()
  if (!STZ2_FIELD_SIZES.has(fieldSize))
    throw new ParseError('ERR_MP4_SAMPLE_TABLE', `MP4 'stz2' field_size ${fieldSize} is not 4, 8 or 16`, {
      observed: fieldSize,
      allowed: [4, 8, 16],
    })
  const count = r.u32()
  const table = r.bytes(Math.ceil((count * fieldSize) / 8))
  const sizes: number[] = []
  for (let i = 0; i < count; i++) {
    if (fieldSize === 16) sizes.push(table.readUInt16BE(i * 2))
    else if (fieldSize === 8) sizes.push(table[i]!)
    else sizes.push(i % 2 === 0 ? table[i >> 1]! >>> NIBBLE_BITS : table[i >> 1]! & LOW_NIBBLE)
  }
  return { count, sizeOf: (i) => sizes[i]! }
}

/** 'stco' or 'co64' chunk offsets. */
export function parseChunkOffsets(body: Buffer, large: boolean): number[] {
  const r = new BoxFieldReader(body, large ? "'co64' box" : "'stco' box")
  r.fullBox()
  const count = r.u32()
  r.needEntries(count, large ? CO64_ENTRY_SIZE : STCO_ENTRY_SIZE)
  const out: number[] = []
  for (let i = 0; i < count; i++) out.push(large ? r.u64() : r.u32())
  return out
}

/** 'stss' sample numbers as 0-based indices. */
export function parseStss(body: Buffer): Set<number> {
  const r = new BoxFieldReader(body, "'stss' box")
  r.fullBox()
  const count = r.u32()
  r.needEntries(count, STSS_ENTRY_SIZE)
  const out = new Set<number>()
  for (let i = 0; i < count; i++) out.add(r.u32() - 1)
  return out
}

/** Walks run-length entries one sample at a time; past the last run it repeats the last value. */
class RunCursor {
  private entry = 0
  private left: number

  constructor(private readonly runs: readonly RunEntry[]) {
    this.left = runs[0]?.count ?? 0
  }

  next(): number {
    while (this.left === 0 && this.entry < this.runs.length - 1) this.left = this.runs[++this.entry]!.count
    if (this.left > 0) this.left--
    return this.runs[this.entry]?.value ?? 0
  }
}

export interface ExpandOptions {
  /** File size: samples past it (a truncated file) end the table there. */
  fileSize: number
  /**
   * Merge up to this many consecutive samples of one chunk into one entry (for PCM, where a sample is
   * one sampling instant). Only used when all samples have the same size.
   */
  blockSamples?: number
}

export interface ExpandResult {
  samples: SampleList
  /** Samples dropped because they lie past the end of the file. */
  truncated: number
}

function required(body: Buffer | undefined, name: string): Buffer {
  if (!body) throw new ParseError('ERR_MP4_MISSING_BOX', `MP4 'stbl' box has no '${name}' box`, { allowed: name })
  return body
}

/** Expands a track's sample table into one entry per sample (or per PCM block), in decode order. */
export function expandSampleTable(boxes: SampleTableBoxes, opts: ExpandOptions): ExpandResult {
  const sizes = boxes.stsz ? parseStsz(boxes.stsz) : parseStz2(required(boxes.stz2, 'stsz'))
  const chunks = boxes.co64 ? parseChunkOffsets(boxes.co64, true) : parseChunkOffsets(required(boxes.stco, 'stco'), false)
  const runs = parseStsc(required(boxes.stsc, 'stsc'))
  const stts = new RunCursor(parseTimeRuns(required(boxes.stts, 'stts'), 'stts'))
  const ctts = boxes.ctts ? new RunCursor(parseTimeRuns(boxes.ctts, 'ctts')) : undefined
  const sync = boxes.stss ? parseStss(boxes.stss) : undefined
  const block = sizes.constant !== undefined ? Math.max(1, opts.blockSamples ?? 1) : 1
  if (sizes.count / block > MAX_SAMPLES) {
    throw new LimitError('ERR_MP4_LIMIT', `MP4 track has ${sizes.count} samples, more than the ${MAX_SAMPLES} allowed`, {
      observed: sizes.count,
      allowed: MAX_SAMPLES,
    })
  }
  const samples = new SampleList()
  let s = 0
  let dts = 0
  for (let e = 0; e < runs.length && s < sizes.count; e++) {
    const run = runs[e]!
    const lastChunk = Math.min(chunks.length, (runs[e + 1]?.firstChunk ?? chunks.length + 1) - 1)
    for (let c = run.firstChunk; c <= lastChunk && s < sizes.count; c++) {
      let pos = chunks[c - 1]!
      const inChunk = Math.min(run.samplesPerChunk, sizes.count - s)
      for (let k = 0; k < inChunk;) {
        const n = Math.min(block, inChunk - k)
        let size = 0
        let duration = 0
        const first = dts
        const offset = ctts?.next() ?? 0
        const key = sync === undefined || sync.has(s)
        for (let j = 0; j < n; j++) {
          size += sizes.sizeOf(s + j)
          const d = stts.next()
          duration += d
          if (j > 0) ctts?.next()
        }
        if (pos + size > opts.fileSize) return { samples, truncated: sizes.count - s }
        samples.add(pos, size, first, first + offset, key, duration)
        dts += duration
        pos += size
        s += n
        k += n
      }
    }
  }
  if (s < sizes.count) {
    throw new ParseError(
      'ERR_MP4_SAMPLE_TABLE',
      `MP4 sample table places ${s} of its ${sizes.count} samples in chunks ('stsc'/'stco' too short)`,
      { observed: s, allowed: sizes.count },
    )
  }
  return { samples, truncated: 0 }
}

export interface EditListEntry {
  /** In the movie timescale. */
  segmentDuration: number
  /** In the media timescale; −1 for an empty edit. */
  mediaTime: number
  mediaRate: number
}

export function parseElst(body: Buffer): EditListEntry[] {
  const r = new BoxFieldReader(body, "'elst' box")
  const { version } = r.fullBox()
  const count = r.u32()
  r.needEntries(count, version === 1 ? ELST_V1_ENTRY_SIZE : ELST_V0_ENTRY_SIZE)
  const out: EditListEntry[] = []
  for (let i = 0; i < count; i++) {
    const segmentDuration = version === 1 ? r.u64() : r.u32()
    const mediaTime = version === 1 ? r.i64() : r.i32()
    const mediaRate = r.i16() + r.u16() / 0x10000
    out.push({ segmentDuration, mediaTime, mediaRate })
  }
  return out
}

export interface EditShift {
  /** Added to every sample time (media timescale) so the edit's first presented sample is at 0 (or at the delay). */
  shift: number
  /** Why the edit list was not applied, when it was not. */
  ignored?: string
}

/**
 * The time shift of a simple edit list: an optional empty edit (a start delay) then one edit at rate 1
 * starting at media_time (what ffmpeg writes for B-frames and encoder delay). Other edit lists (several
 * media segments, slow motion) are ignored and the reason returned.
 */
export function editShift(entries: readonly EditListEntry[], movieTimescale: number, mediaTimescale: number): EditShift {
  if (entries.length === 0) return { shift: 0 }
  let delay = 0
  let i = 0
  if (entries[0]!.mediaTime === EMPTY_EDIT) {
    delay = movieTimescale > 0 ? (entries[0]!.segmentDuration * mediaTimescale) / movieTimescale : 0
    i = 1
  }
  const edit = entries[i]
  if (!edit) return { shift: delay }
  if (entries.length > i + 1) return { shift: 0, ignored: `edit list of ${entries.length} entries (only one media segment is applied)` }
  if (edit.mediaRate !== 1 || edit.mediaTime < 0) return { shift: 0, ignored: `edit at rate ${edit.mediaRate}` }
  return { shift: delay - edit.mediaTime }
}
