/**
 * MP4 / QuickTime demuxer, ISO/IEC 14496-12: finds the top-level boxes (4.2), reads the 'moov' box
 * (8.2) and the tracks in it — 'tkhd' (8.3.2), 'mdhd' (8.4.2: timescale), 'hdlr' (8.4.3: 'vide',
 * 'soun'), 'stsd' (8.5.2), the sample table (8.6, 8.7) and a simple edit list (8.6.6) — and, for
 * fragmented files, every 'moof' (8.8). Only 'moov' and 'moof' boxes are read into memory; sample
 * bytes stay in the file and are read one sample at a time through a ByteSource.
 *
 *   mvhd / mdhd: FullBox; v0: u32 creation_time; u32 modification_time; u32 timescale; u32 duration
 *                         v1: u64 creation_time; u64 modification_time; u32 timescale; u64 duration
 *   tkhd:        FullBox; v0: u32 creation; u32 modification; u32 track_ID; …  (v1: u64, u64, u32)
 *                ends with u32 width, u32 height (16.16 fixed point)
 *   hdlr:        FullBox; u32 pre_defined; u32 handler_type; …
 */
import { codecForSampleEntry } from '../../codecs/registry.js'
import { LimitError, ParseError } from '../../errors.js'
import {
  BoxFieldReader,
  LARGE_BOX_HEADER_SIZE,
  UUID_SIZE,
  children,
  findChild,
  parseBoxHeader,
  requireChild,
  type Box,
  type BoxHeader,
} from './box-reader.js'
import type { ByteSource } from './byte-source.js'
import { parseTrex, readMovieFragment, type FragmentTrack, type TrackDefaults } from './fragments.js'
import { isUnsupportedEntry, parseStsd, type SampleEntry } from './sample-entry-reader.js'
import { SampleList, editShift, expandSampleTable, parseElst, type SampleTableBoxes } from './sample-table.js'

/** Largest 'moov' (or 'moof') read into memory. */
export const MAX_MOVIE_BOX_SIZE = 256 * 1024 * 1024
/** Top-level boxes of one file (fragmented files have two per fragment). */
export const MAX_TOP_LEVEL_BOXES = 1_000_000
/** Box types a file may start with; anything else is not an MP4 / QuickTime file. */
const FIRST_BOX_TYPES: ReadonlySet<string> = new Set([
  'ftyp',
  'moov',
  'mdat',
  'free',
  'skip',
  'wide',
  'styp',
  'sidx',
  'pdin',
  'uuid',
  'moof',
  'junk',
  'pnot',
])
const FIXED_16_16 = 0x10000
const TKHD_SIZE_FIELDS = 8
const FTYP_COMPATIBLE_OFFSET = 8
const FOURCC_SIZE = 4

export interface Mp4Track {
  id: number
  /** hdlr handler_type: 'vide', 'soun', 'text', … */
  handler: string
  /** Units per second of sample times. */
  timescale: number
  entry: SampleEntry
  /** Samples in decode order; empty for codecs rtspkit does not play. */
  samples: SampleList
  /** Added to sample times (timescale units), from the edit list. */
  shift: number
  /** Why the edit list was ignored, when it was. */
  editIgnored?: string
  /** Display size from 'tkhd' (0 for audio). */
  width: number
  height: number
  /** Samples dropped because they lie past the end of a truncated file. */
  truncatedSamples: number
}

export interface Mp4Movie {
  /** ftyp major brand then compatible brands (empty when there is no 'ftyp'). */
  brands: string[]
  timescale: number
  /** The file has movie fragments ('mvex' in 'moov', 'moof' boxes). */
  fragmented: boolean
  tracks: Mp4Track[]
}

function notMp4(detail: string, observed: unknown): ParseError {
  return new ParseError('ERR_MP4_NOT_MP4', `not an MP4 file (${detail})`, { observed, allowed: [...FIRST_BOX_TYPES] })
}

/** The top-level box headers; the last may run past the end of a truncated file (end clamped later). */
function topLevelBoxes(src: ByteSource): BoxHeader[] {
  const out: BoxHeader[] = []
  let pos = 0
  while (pos < src.size) {
    if (out.length >= MAX_TOP_LEVEL_BOXES)
      throw new LimitError('ERR_MP4_LIMIT', `more than ${MAX_TOP_LEVEL_BOXES} top-level MP4 boxes`, {
        observed: out.length,
        allowed: MAX_TOP_LEVEL_BOXES,
      })
    const head = src.read(pos, Math.min(src.size - pos, LARGE_BOX_HEADER_SIZE + UUID_SIZE))
    let h: BoxHeader
    try {
      h = parseBoxHeader(head, pos, src.size, true)
    } catch (err) {
      if (out.length === 0) throw notMp4(err instanceof Error ? err.message : String(err), head.subarray(0, 8).toString('hex'))
      if (src.size - pos < 8) break // trailing padding some writers leave
      throw err
    }
    if (out.length === 0 && !FIRST_BOX_TYPES.has(h.type)) throw notMp4(`starts with a '${h.type}' box`, h.type)
    out.push(h)
    pos = h.end
  }
  return out
}

/** Reads a whole top-level box into memory. */
function readWholeBox(src: ByteSource, h: BoxHeader): Box {
  const size = h.end - h.start
  if (h.end > src.size)
    throw new ParseError(
      'ERR_MP4_TRUNCATED',
      `MP4 '${h.type}' box of ${size} bytes at offset ${h.start} runs past the end of the file (${src.size} bytes): the file is truncated`,
      { observed: src.size - h.start, allowed: size },
    )
  if (size > MAX_MOVIE_BOX_SIZE)
    throw new LimitError('ERR_MP4_LIMIT', `MP4 '${h.type}' box of ${size} bytes is larger than the ${MAX_MOVIE_BOX_SIZE} allowed`, {
      observed: size,
      allowed: MAX_MOVIE_BOX_SIZE,
    })
  const bytes = src.read(h.start, size)
  return { ...h, body: bytes.subarray(h.headerSize) }
}

/** timescale of 'mvhd' or 'mdhd'. */
function headerTimescale(box: Box): number {
  const r = new BoxFieldReader(box.body, `'${box.type}' box`)
  r.skip(r.fullBox().version === 1 ? 16 : 8) // creation_time, modification_time
  const timescale = r.u32()
  if (timescale === 0) throw new ParseError('ERR_MP4_VALUE', `MP4 '${box.type}' timescale is 0`, { observed: 0, allowed: '>= 1' })
  return timescale
}

function trackHeader(tkhd: Box): { id: number; width: number; height: number } {
  const r = new BoxFieldReader(tkhd.body, "'tkhd' box")
  r.skip(r.fullBox().version === 1 ? 16 : 8)
  const id = r.u32()
  const size =
    tkhd.body.length >= r.offset + TKHD_SIZE_FIELDS
      ? new BoxFieldReader(tkhd.body, "'tkhd' box", tkhd.body.length - TKHD_SIZE_FIELDS)
      : undefined
  return { id, width: size ? Math.round(size.u32() / FIXED_16_16) : 0, height: size ? Math.round(size.u32() / FIXED_16_16) : 0 }
}

function handlerType(hdlr: Box): string {
  const r = new BoxFieldReader(hdlr.body, "'hdlr' box")
  r.fullBox()
  r.skip(4) // pre_defined (QuickTime: component type)
  return r.bytes(FOURCC_SIZE).toString('latin1')
}

function brandsOf(ftyp: Box | undefined): string[] {
  if (!ftyp) return []
  const r = new BoxFieldReader(ftyp.body, "'ftyp' box")
  const brands = [r.bytes(FOURCC_SIZE).toString('latin1')]
  r.skip(FTYP_COMPATIBLE_OFFSET - FOURCC_SIZE) // minor_version
  while (r.remaining >= FOURCC_SIZE) brands.push(r.bytes(FOURCC_SIZE).toString('latin1'))
  return brands
}

function stblBoxes(stbl: Box): SampleTableBoxes {
  const out: SampleTableBoxes = {}
  for (const b of children(stbl)) {
    if (b.type in STBL_TYPES && !(b.type in out)) out[b.type as keyof SampleTableBoxes] = b.body
  }
  return out
}
const STBL_TYPES: Readonly<Record<string, true>> = {
  stts: true,
  ctts: true,
  stsc: true,
  stsz: true,
  stz2: true,
  stco: true,
  co64: true,
  stss: true,
}

function readTrack(trak: Box, movieTimescale: number, fileSize: number): Mp4Track {
  const { id, width, height } = trackHeader(requireChild(trak, 'tkhd'))
  const mdia = requireChild(trak, 'mdia')
  const timescale = headerTimescale(requireChild(mdia, 'mdhd'))
  const handler = handlerType(requireChild(mdia, 'hdlr'))
  const stbl = requireChild(requireChild(mdia, 'minf'), 'stbl')
  const stsd = requireChild(stbl, 'stsd')
  const entry = parseStsd(stsd.body, stsd.start + stsd.headerSize)
  const track: Mp4Track = { id, handler, timescale, entry, samples: new SampleList(), shift: 0, width, height, truncatedSamples: 0 }
  const edts = findChild(trak, 'edts')
  const elst = edts && findChild(edts, 'elst')
  if (elst) {
    const edit = editShift(parseElst(elst.body), movieTimescale, timescale)
    track.shift = edit.shift
    if (edit.ignored) track.editIgnored = edit.ignored
  }
  if (isUnsupportedEntry(entry)) return track
  const boxes = stblBoxes(stbl)
  // A fragmented file's moov usually has empty tables; its samples come from the fragments.
  if (!boxes.stsz && !boxes.stz2) return track
  const blockSamples = codecForSampleEntry(entry.fourcc)?.mp4?.reader?.blockSamples?.(entry) ?? 1
  const { samples, truncated } = expandSampleTable(boxes, { fileSize, blockSamples })
  track.samples = samples
  track.truncatedSamples = truncated
  return track
}

/** Demuxes an MP4 / QuickTime file: its tracks and sample tables. Sample bytes are left in `src`. */
export function demuxMp4(src: ByteSource): Mp4Movie {
  if (src.size === 0) throw notMp4('the file is empty', 0)
  const top = topLevelBoxes(src)
  const moovHeader = top.find((b) => b.type === 'moov')
  if (!moovHeader)
    throw new ParseError(
      'ERR_MP4_NO_MOOV',
      `MP4 file has no 'moov' box (top-level boxes: ${top.map((b) => b.type).join(', ')}); it may be truncated or still being written`,
      { observed: top.map((b) => b.type), allowed: 'moov' },
    )
  const moov = readWholeBox(src, moovHeader)
  const ftypHeader = top.find((b) => b.type === 'ftyp')
  const brands = brandsOf(ftypHeader && readWholeBox(src, ftypHeader))
  const mvhd = requireChild(moov, 'mvhd')
  const timescale = headerTimescale(mvhd)
  const moovChildren = children(moov)
  const tracks = moovChildren.filter((b) => b.type === 'trak').map((trak) => readTrack(trak, timescale, src.size))
  const mvex = moovChildren.find((b) => b.type === 'mvex')
  const moofs = top.filter((b) => b.type === 'moof')
  if (mvex || moofs.length > 0) readFragments(src, mvex, moofs, tracks)
  return { brands, timescale, fragmented: mvex !== undefined || moofs.length > 0, tracks }
}

function readFragments(src: ByteSource, mvex: Box | undefined, moofs: readonly BoxHeader[], tracks: Mp4Track[]): void {
  const defaults = new Map<number, TrackDefaults>()
  for (const trex of mvex ? children(mvex) : []) {
    if (trex.type !== 'trex') continue
    const t = parseTrex(trex.body)
    defaults.set(t.trackId, t.defaults)
  }
  const targets = new Map<number, FragmentTrack>()
  for (const t of tracks) {
    if (isUnsupportedEntry(t.entry)) continue
    targets.set(t.id, {
      samples: t.samples,
      defaults: defaults.get(t.id) ?? { duration: 0, size: 0, flags: 0 },
      nextDts: t.samples.endDts,
      dropped: 0,
    })
  }
  for (const h of moofs) {
    if (h.end > src.size) break // a fragment cut by the end of a truncated file: play what came before
    readMovieFragment(readWholeBox(src, h), targets, src.size)
  }
  for (const t of tracks) t.truncatedSamples += targets.get(t.id)?.dropped ?? 0
}
