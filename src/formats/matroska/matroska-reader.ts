/**
 * Reads back what rtspkit's Matroska recordings hold: the blocks of each cluster (track, time, keyframe,
 * where the bytes are), enough for a recording's duration and for playback. Only complete clusters
 * count: a cluster cut by a crash is left out, as players do. RFC 9559; ebml.ts has the element layout.
 */
import fs from 'node:fs'
import { ID } from './matroska-writer.js'
import { readElementHeader } from './ebml.js'

const BLOCK_HEADER_SIZE = 4
const SIMPLEBLOCK_KEYFRAME = 0x80
const TRACK_NUMBER_MASK = 0x7f

export interface MatroskaBlock {
  track: number
  ms: number
  keyframe: boolean
  offset: number
  size: number
}

/** The blocks of every complete cluster of `buf`, in file order. */
export function matroskaBlocks(buf: Buffer): MatroskaBlock[] {
  const out: MatroskaBlock[] = []
  let off = 0
  const ebml = readElementHeader(buf, off)
  if (!ebml || ebml.id !== ID.EBML || ebml.size === undefined) return out
  off = ebml.dataStart + ebml.size
  const seg = readElementHeader(buf, off)
  if (!seg || seg.id !== ID.Segment) return out
  const segEnd = seg.size === undefined ? buf.length : Math.min(buf.length, seg.dataStart + seg.size)
  off = seg.dataStart
  while (off < segEnd) {
    const h = readElementHeader(buf, off)
    if (!h || h.size === undefined || h.dataStart + h.size > segEnd) break
    if (h.id === ID.Cluster) readCluster(buf, h.dataStart, h.dataStart + h.size, out)
    off = h.dataStart + h.size
  }
  return out
}

function readCluster(buf: Buffer, start: number, end: number, out: MatroskaBlock[]): void {
  let clusterMs = 0
  let off = start
  while (off < end) {
    const h = readElementHeader(buf, off)
    if (!h || h.size === undefined || h.dataStart + h.size > end) return
    if (h.id === ID.Timestamp) clusterMs = h.size === 0 ? 0 : buf.readUIntBE(h.dataStart, Math.min(h.size, 6))
    else if (h.id === ID.SimpleBlock && h.size >= BLOCK_HEADER_SIZE) {
      const b = h.dataStart
      out.push({
        track: buf[b]! & TRACK_NUMBER_MASK,
        ms: clusterMs + buf.readInt16BE(b + 1),
        keyframe: (buf[b + 3]! & SIMPLEBLOCK_KEYFRAME) !== 0,
        offset: b + BLOCK_HEADER_SIZE,
        size: h.size - BLOCK_HEADER_SIZE,
      })
    }
    off = h.dataStart + h.size
  }
}

/** Duration of a recording in ms: its last block's time plus that track's last frame interval. */
export function matroskaDurationMs(file: string): number {
  const blocks = matroskaBlocks(fs.readFileSync(file))
  if (blocks.length === 0) return 0
  const last = new Map<number, { ms: number; step: number }>()
  for (const b of blocks) {
    const prev = last.get(b.track)
    last.set(b.track, { ms: Math.max(b.ms, prev?.ms ?? 0), step: prev && b.ms > prev.ms ? b.ms - prev.ms : (prev?.step ?? 0) })
  }
  let end = 0
  for (const v of last.values()) end = Math.max(end, v.ms + v.step)
  return end
}
