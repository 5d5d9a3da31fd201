/** Test-only ISO BMFF reader: enough to walk what the writer produces and check it field by field. */

export interface ParsedBox {
  type: string
  /** Offset of the box header in the parsed buffer. */
  offset: number
  size: number
  /** The box body (after the 8-byte header). */
  body: Buffer
}

/** Boxes one after the other in `buf` (from `start`); stops at a truncated box. */
export function readBoxes(buf: Buffer, start = 0, end = buf.length): ParsedBox[] {
  const out: ParsedBox[] = []
  let off = start
  while (off + 8 <= end) {
    const size = buf.readUInt32BE(off)
    if (size < 8 || off + size > end) break
    out.push({ type: buf.toString('latin1', off + 4, off + 8), offset: off, size, body: buf.subarray(off + 8, off + size) })
    off += size
  }
  return out
}

/** Children of a container box. */
export function children(b: ParsedBox, skip = 0): ParsedBox[] {
  return readBoxes(b.body, skip)
}

/** The first box along a path of types, e.g. find(boxes, 'moov', 'trak', 'mdia'). */
export function find(boxes: ParsedBox[], ...types: string[]): ParsedBox {
  let list = boxes
  let found: ParsedBox | undefined
  for (const t of types) {
    found = list.find((b) => b.type === t)
    if (!found) throw new Error(`no ${t} box in ${list.map((b) => b.type).join(',')}`)
    // stsd (full box + entry count) and sample entries have fields before their children; callers read those.
    list = children(found)
  }
  return found!
}

export interface TrunSample {
  duration: number
  size: number
  flags: number
  compositionOffset: number
}

export interface Traf {
  trackId: number
  baseMediaDecodeTime: number
  dataOffset: number
  samples: TrunSample[]
}

/** The trafs of a moof body, with their trun samples (the flags the writer uses). */
export function readTrafs(moof: ParsedBox): Traf[] {
  return children(moof)
    .filter((b) => b.type === 'traf')
    .map((traf) => {
      const c = children(traf)
      const tfhd = c.find((b) => b.type === 'tfhd')!.body
      const tfdt = c.find((b) => b.type === 'tfdt')!.body
      const trun = c.find((b) => b.type === 'trun')!.body
      const flags = trun.readUIntBE(1, 3)
      const count = trun.readUInt32BE(4)
      const withCto = (flags & 0x800) !== 0
      const samples: TrunSample[] = []
      let off = 12
      for (let i = 0; i < count; i++) {
        samples.push({
          duration: trun.readUInt32BE(off),
          size: trun.readUInt32BE(off + 4),
          flags: trun.readUInt32BE(off + 8),
          compositionOffset: withCto ? trun.readInt32BE(off + 12) : 0,
        })
        off += withCto ? 16 : 12
      }
      return {
        trackId: tfhd.readUInt32BE(4),
        baseMediaDecodeTime: tfdt.readUInt32BE(4) * 2 ** 32 + tfdt.readUInt32BE(8),
        dataOffset: trun.readInt32BE(8),
        samples,
      }
    })
}

/** In-memory output for the writer. */
export class MemoryOutput {
  chunks: Buffer[] = []
  closed = 0
  write(buf: Uint8Array): void {
    this.chunks.push(Buffer.from(buf))
  }
  close(): Promise<void> {
    this.closed++
    return Promise.resolve()
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks)
  }
}
