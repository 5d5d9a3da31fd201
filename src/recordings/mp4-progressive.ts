/**
 * A stretch of a path's recordings as one plain (non-fragmented) MP4, ISO/IEC 14496-12, for the playback
 * server's `/get?format=mp4`: the same samples as the fMP4 answer (playback-mux.ts selectStretch: cut at
 * a keyframe, stitched across segments), with the `moov` before the `mdat` ("faststart"), so a player
 * can start before the last byte arrives. Each run of about a second of one track is one chunk, so the
 * tracks interleave in the `mdat` as they would in time.
 *
 *   ftyp, moov (mvhd, trak per track: tkhd, mdia/mdhd, hdlr, minf, stbl), mdat
 *   stbl: stsd (copied from the recording), then
 *     stts (8.6.1.2)  entry_count u32, { sample_count u32, sample_delta u32 }   decode durations, run-length
 *     ctts (8.6.1.3)  v0 (v1 when one is negative): entry_count, { sample_count, sample_offset }  (only if any)
 *     stss (8.6.2)    entry_count, sample_number u32 (1-based)                  (left out when every sample is sync)
 *     stsc (8.7.4)    entry_count, { first_chunk, samples_per_chunk, sample_description_index = 1 }
 *     stsz (8.7.3)    sample_size = 0, sample_count, entry_size u32 each
 *     stco / co64 (8.7.5) entry_count, chunk_offset u32 / u64 (co64 only when the file passes 4 GiB)
 *
 * The moov needs every sample's size and time, so the sample table (not the samples) of the whole
 * stretch is held in memory; sample bytes are read from the recordings as they are written out.
 */
import { CodecError } from '../errors.js'
import { readBoxes, requireChild } from '../formats/mp4/box-reader.js'
import { box, BOX_HEADER_SIZE, fullBox, serializeBoxes, writeU64, type Mp4Box } from '../formats/mp4/box.js'
import { ftypBox, MOVIE_TIMESCALE, mvhdBox, trakBox } from '../formats/mp4/init-segment.js'
import type { Mp4Track } from '../formats/mp4/demuxer.js'
import { initBytes, selectStretch, type PlaybackSink, type StretchSample } from './playback-mux.js'
import type { RecordingSegment } from './recording-store.js'

const U32_MAX = 0xffffffff
/** mdat with a 64-bit largesize (size field 1): header, type, largesize. */
const LARGE_MDAT_HEADER_SIZE = 16
const SIZE_LARGE = 1
const CTTS_VERSION_SIGNED = 1
const ENTRY_U32 = 4
const ENTRY_U64 = 8

/** A track of the output: the recording's track and its chunks in decode order. */
interface OutTrack {
  source: Mp4Track
  /** The recording's stsd box, as it is. */
  stsd: Buffer
  chunks: StretchSample[][]
}

/** Run-length pairs of a sequence of values. */
function runLength(values: Iterable<number>): [count: number, value: number][] {
  const out: [number, number][] = []
  for (const v of values) {
    const last = out.at(-1)
    if (last && last[1] === v) last[0]++
    else out.push([1, v])
  }
  return out
}

function pairsBox(type: string, version: number, pairs: readonly (readonly [number, number])[], signed = false): Mp4Box {
  const body = Buffer.allocUnsafe(ENTRY_U32 + pairs.length * 2 * ENTRY_U32)
  let off = body.writeUInt32BE(pairs.length, 0)
  for (const [a, b] of pairs) {
    off = body.writeUInt32BE(a, off)
    off = signed ? body.writeInt32BE(b, off) : body.writeUInt32BE(b, off)
  }
  return fullBox(type, version, 0, body)
}

function u32ListBox(type: string, head: readonly number[], list: readonly number[]): Mp4Box {
  const body = Buffer.allocUnsafe((head.length + list.length) * ENTRY_U32)
  let off = 0
  for (const v of head) off = body.writeUInt32BE(v, off)
  for (const v of list) off = body.writeUInt32BE(v, off)
  return fullBox(type, 0, 0, body)
}

/** The sample tables of a track whose chunks start at `chunkOffsets`. */
function sampleTable(t: OutTrack, chunkOffsets: readonly number[], large: boolean): (Buffer | Mp4Box)[] {
  const samples = t.chunks.flat()
  const out: (Buffer | Mp4Box)[] = [t.stsd, pairsBox('stts', 0, runLength(samples.map((s) => s.duration)))]
  if (samples.some((s) => s.compositionOffset !== 0)) {
    const negative = samples.some((s) => s.compositionOffset < 0)
    out.push(pairsBox('ctts', negative ? CTTS_VERSION_SIGNED : 0, runLength(samples.map((s) => s.compositionOffset)), negative))
  }
  if (!samples.every((s) => s.sync)) {
    const sync = samples.flatMap((s, i) => (s.sync ? [i + 1] : []))
    out.push(u32ListBox('stss', [sync.length], sync))
  }
  let chunk = 0
  const stsc = runLength(t.chunks.map((c) => c.length)).map(([count, perChunk]) => {
    const entry = [chunk + 1, perChunk, 1]
    chunk += count
    return entry
  })
  const stscBody = stsc.flat()
  out.push(u32ListBox('stsc', [stsc.length], stscBody))
  out.push(
    u32ListBox(
      'stsz',
      [0, samples.length],
      samples.map((s) => s.size),
    ),
  )
  if (large) {
    const body = Buffer.allocUnsafe(ENTRY_U32 + chunkOffsets.length * ENTRY_U64)
    let off = body.writeUInt32BE(chunkOffsets.length, 0)
    for (const o of chunkOffsets) off = writeU64(body, o, off)
    out.push(fullBox('co64', 0, 0, body))
  } else out.push(u32ListBox('stco', [chunkOffsets.length], chunkOffsets))
  return out
}

/** [output track, chunk index]: the chunks in mdat order, as the runs were made (interleaved in time). */
type ChunkOrder = readonly (readonly [number, number])[]

/** ftyp + moov for the tracks, with the chunks laid out in `order` from `dataStart` on. */
function header(tracks: readonly OutTrack[], order: ChunkOrder, dataStart: number, large: boolean): Buffer {
  const offsets = tracks.map(() => [] as number[])
  let pos = dataStart
  for (const [ti, ci] of order) {
    offsets[ti]!.push(pos)
    for (const s of tracks[ti]!.chunks[ci]!) pos += s.size
  }
  let movieDuration = 0
  const traks = tracks.map((t, i) => {
    const mediaDuration = t.chunks.flat().reduce((sum, s) => sum + s.duration, 0)
    const ms = Math.round((mediaDuration * MOVIE_TIMESCALE) / t.source.timescale)
    if (mediaDuration > U32_MAX)
      throw new CodecError('ERR_MP4_DURATION', `track ${i + 1} lasts ${mediaDuration} units: too long for a version 0 mdhd`, {
        observed: mediaDuration,
        allowed: U32_MAX,
      })
    movieDuration = Math.max(movieDuration, ms)
    return trakBox(i + 1, {
      kind: t.source.handler === 'vide' ? 'video' : 'audio',
      width: t.source.width,
      height: t.source.height,
      timescale: t.source.timescale,
      movieDuration: ms,
      mediaDuration,
      sampleTable: sampleTable(t, offsets[i]!, large),
    })
  })
  return serializeBoxes([ftypBox(), box('moov', mvhdBox(tracks.length + 1, movieDuration), ...traks)])
}

/** The stsd box of each trak of a recording's init segment, in trak order (the demuxer's track order). */
function sampleDescriptions(init: Buffer): Buffer[] {
  const moov = readBoxes(init).find((b) => b.type === 'moov')
  if (!moov) return []
  return readBoxes(moov.body)
    .filter((b) => b.type === 'trak')
    .map((trak) => {
      const stbl = requireChild(requireChild(requireChild(trak, 'mdia'), 'minf'), 'stbl')
      const stsd = requireChild(stbl, 'stsd')
      return moov.body.subarray(stsd.start, stsd.end) // offsets count from moov.body (readBoxes' base 0)
    })
}

/**
 * Writes the stretch as one progressive MP4 to `sink`, its length known up front; false when no
 * recorded frame lies in it (nothing is written then). Only the video and audio tracks are kept.
 */
export async function muxPlaybackMp4(
  segments: readonly RecordingSegment[],
  startMs: number,
  durationMs: number,
  sink: PlaybackSink,
): Promise<boolean> {
  const wrote = await selectStretch(segments, startMs, durationMs, async (stretch) => {
    const stsds = sampleDescriptions(initBytes(stretch.first.src))
    const kept = stretch.tracks.flatMap((t, i) => (t.handler === 'vide' || t.handler === 'soun' ? [i] : []))
    const outIndex = new Map(kept.map((i, k) => [i, k]))
    const tracks: OutTrack[] = kept.map((i) => ({ source: stretch.tracks[i]!, stsd: stsds[i]!, chunks: [] }))
    const order: [number, number][] = []
    for (const runs of stretch.groups())
      for (const r of runs) {
        const k = outIndex.get(r.track)
        if (k === undefined || r.samples.length === 0) continue
        order.push([k, tracks[k]!.chunks.length])
        tracks[k]!.chunks.push(r.samples)
      }
    if (order.length === 0 || tracks.some((t) => !t.stsd)) return false
    let dataSize = 0
    for (const t of tracks) for (const c of t.chunks) for (const s of c) dataSize += s.size
    // The header's size does not depend on the offsets' values, only on their width.
    const small = header(tracks, order, 0, false)
    const large = small.length + BOX_HEADER_SIZE + dataSize > U32_MAX
    const mdatHeaderSize = large ? LARGE_MDAT_HEADER_SIZE : BOX_HEADER_SIZE
    const headSize = large ? header(tracks, order, 0, true).length : small.length
    if (!sink.begin(headSize + mdatHeaderSize + dataSize)) return true
    await sink.write(header(tracks, order, headSize + mdatHeaderSize, large))
    const mdat = Buffer.alloc(mdatHeaderSize)
    if (large) {
      mdat.writeUInt32BE(SIZE_LARGE, 0)
      mdat.write('mdat', 4, 'latin1')
      writeU64(mdat, mdatHeaderSize + dataSize, 8)
    } else {
      mdat.writeUInt32BE(mdatHeaderSize + dataSize, 0)
      mdat.write('mdat', 4, 'latin1')
    }
    await sink.write(mdat)
    // A chunk (about a second of one track) at a time: one write each, waiting when the receiver is full.
    for (const [k, c] of order) {
      const samples = tracks[k]!.chunks[c]!
      const pending = sink.write(Buffer.concat(samples.map((s) => s.src.read(s.offset, s.size))))
      if (pending) await pending
    }
    return true
  })
  return wrote ?? false
}
