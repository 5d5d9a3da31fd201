/** Test-only MP4 box builder: hand-made boxes for vectors and a minimal one-track movie for fuzzing. */

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff])
}

export function u16(v: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(v & 0xffff)
  return b
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(v >>> 0)
  return b
}

export function u64(v: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(v))
  return b
}

/** size, type, payload. */
export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload)
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body])
}

/** A FullBox: version and flags, then the payload. */
export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  return box(type, u32(((version << 24) | flags) >>> 0), ...payload)
}

/** A FullBox table: entry_count then the entries (each a list of u32 fields). */
export function table(type: string, entries: number[][], version = 0): Buffer {
  return fullBox(type, version, 0, u32(entries.length), ...entries.flatMap((e) => e.map(u32)))
}

/** An 'mdhd' / 'mvhd' v0 head: creation, modification, timescale, duration (mvhd's rest is zero). */
export function timeHeader(type: 'mdhd' | 'mvhd', timescale: number, duration: number, rest = 0): Buffer {
  return fullBox(type, 0, 0, u32(0), u32(0), u32(timescale), u32(duration), Buffer.alloc(rest))
}

/** An 'avcC' with one SPS and one PPS and 4-byte NAL lengths. */
export function avcC(sps: Buffer, pps: Buffer): Buffer {
  return box('avcC', u8(1), sps.subarray(1, 4), u8(0xff), u8(0xe1), u16(sps.length), sps, u8(1), u16(pps.length), pps)
}

/** A VisualSampleEntry (78 bytes of fields) with its children. */
export function visualEntry(type: string, width: number, height: number, ...childBoxes: Buffer[]): Buffer {
  const fields = Buffer.alloc(78)
  fields.writeUInt16BE(1, 6) // data_reference_index
  fields.writeUInt16BE(width, 24)
  fields.writeUInt16BE(height, 26)
  return box(type, fields, ...childBoxes)
}

/** An AudioSampleEntry (28 bytes of fields) with its children. */
export function audioEntry(type: string, channels: number, rate: number, ...childBoxes: Buffer[]): Buffer {
  const fields = Buffer.alloc(28)
  fields.writeUInt16BE(1, 6)
  fields.writeUInt16BE(channels, 16)
  fields.writeUInt16BE(16, 18)
  fields.writeUInt32BE(rate * 0x10000, 24)
  return box(type, fields, ...childBoxes)
}

/** The SPS (320x240, 25 fps VUI timing) and PPS of an x264 encode of ffmpeg's testsrc. */
export const SPS = Buffer.from('67f4000d919b28283f6022000003000200000300641e28532c', 'hex')
export const PPS = Buffer.from('68ebe3c44844', 'hex')

export interface MovieSamples {
  /** Each sample's bytes, stored back to back in one chunk of the mdat. */
  samples: Buffer[]
  /** Ticks per sample at timescale 1000. */
  delta: number
  /** Sync sample numbers (1-based); all when undefined. */
  sync?: number[]
}

/** ftyp + moov (one avc1 track, one chunk) + mdat: a complete, minimal MP4 file. */
export function minimalMovie(m: MovieSamples): Buffer {
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from('isomavc1', 'latin1'))
  const mdatPayload = Buffer.concat(m.samples)
  const stbl = (chunkOffset: number): Buffer =>
    box(
      'stbl',
      fullBox('stsd', 0, 0, u32(1), visualEntry('avc1', 320, 240, avcC(SPS, PPS))),
      table('stts', [[m.samples.length, m.delta]]),
      table('stsc', [[1, m.samples.length, 1]]),
      fullBox('stsz', 0, 0, u32(0), u32(m.samples.length), ...m.samples.map((s) => u32(s.length))),
      table('stco', [[chunkOffset]]),
      ...(m.sync
        ? [
            table(
              'stss',
              m.sync.map((n) => [n]),
            ),
          ]
        : []),
    )
  const tkhd = fullBox('tkhd', 0, 3, u32(0), u32(0), u32(1), Buffer.alloc(60), u32(320 << 16), u32(240 << 16))
  const moov = (chunkOffset: number): Buffer =>
    box(
      'moov',
      timeHeader('mvhd', 1000, m.samples.length * m.delta, 80),
      box(
        'trak',
        tkhd,
        box(
          'mdia',
          timeHeader('mdhd', 1000, m.samples.length * m.delta, 4),
          fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), Buffer.alloc(13)),
          box('minf', stbl(chunkOffset)),
        ),
      ),
    )
  const offset = ftyp.length + moov(0).length + 8
  return Buffer.concat([ftyp, moov(offset), box('mdat', mdatPayload)])
}

/** One access unit as 4-byte length-prefixed NAL units. */
export function lengthPrefixed(...nalus: Buffer[]): Buffer {
  return Buffer.concat(nalus.flatMap((n) => [u32(n.length), n]))
}

/** Hex with a `//` comment per line (per field); whitespace and `|` are ignored. */
export function vec(text: string): Buffer {
  return Buffer.from(
    text
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, ''))
      .join('')
      .replace(/[\s|]/g, ''),
    'hex',
  )
}
