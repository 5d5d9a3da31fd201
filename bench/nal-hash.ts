/**
 * Identifying H.264 access units across readers for bench/lag.ts. An access unit is known by the
 * SHA-1 of its largest NAL unit — its slice with this clip (x264 writes one slice per picture) —
 * which is the same bytes whichever server, transport or player carried it, and does not change when
 * a player inserts parameter sets or drops SEI. bench/gst-lag-reader.py computes the same hash.
 *
 * NAL units are taken as ITU-T H.264 Annex B delimits them (B.2): between 0x000001 start codes,
 * without the zero bytes before a start code (a 4-byte start code's first byte, trailing_zero_8bits).
 */
import { createHash } from 'node:crypto'
import { splitAnnexB } from '../src/codecs/h264/annexb.js'

const START_CODE_3 = Buffer.from([0x00, 0x00, 0x01])
const HASH_HEX_DIGITS = 16
/** nal_unit_type, the low 5 bits of the NAL header (7.3.1); 1–5 are slices of a picture (VCL). */
const NAL_TYPE_MASK = 0x1f
const NAL_SLICE_MIN = 1
const NAL_SLICE_MAX = 5
export const NAL_IDR = 5

export function nalHash(nal: Uint8Array): string {
  return createHash('sha1').update(nal).digest('hex').slice(0, HASH_HEX_DIGITS)
}

export const nalType = (nal: Uint8Array): number => (nal[0] ?? 0) & NAL_TYPE_MASK

export const isSlice = (nal: Uint8Array): boolean => nalType(nal) >= NAL_SLICE_MIN && nalType(nal) <= NAL_SLICE_MAX

/** The largest NAL unit of an Annex-B access unit (undefined when it has none). */
export function largestNal(accessUnit: Uint8Array): Buffer | undefined {
  let best: Buffer | undefined
  for (const nal of splitAnnexB(accessUnit)) if (best === undefined || nal.length > best.length) best = nal
  return best
}

export interface TimedNal {
  nal: Buffer
  /** When the chunk holding the NAL unit's start code arrived (caller's clock). */
  at: number
}

/**
 * Splits an Annex-B byte stream arriving in chunks (a pipe) into NAL units, each stamped with the
 * arrival time of its start code: the moment the player began to output it. A NAL unit is returned
 * once the next start code shows where it ends, but keeps its own start time, so the split adds no
 * delay to the measurement.
 *
 * Bytes wait in `pending` until their NAL unit ends; a NAL unit spans a few pipe chunks at most,
 * so joining them per chunk costs little here (this is a bench reader, not a hot path).
 */
export class TimedAnnexBSplitter {
  private pending: Buffer = Buffer.alloc(0)
  /** True once a start code was seen: `pending` then begins with the current NAL unit. */
  private inNal = false
  private startedAt = 0
  private scanFrom = 0

  push(chunk: Buffer, at: number): TimedNal[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const out: TimedNal[] = []
    for (;;) {
      const sc = this.pending.indexOf(START_CODE_3, this.scanFrom)
      if (sc < 0) break
      if (this.inNal) {
        const nal = trimTrailingZeros(this.pending.subarray(0, sc))
        if (nal.length > 0) out.push({ nal, at: this.startedAt })
      }
      this.inNal = true
      this.startedAt = at
      this.pending = this.pending.subarray(sc + START_CODE_3.length)
      this.scanFrom = 0
    }
    // A start code may straddle this chunk and the next: the next search starts two bytes back.
    this.scanFrom = Math.max(0, this.pending.length - (START_CODE_3.length - 1))
    return out
  }

  /** The last NAL unit, at end of stream. */
  flush(): TimedNal[] {
    const nal = trimTrailingZeros(this.pending)
    const out = this.inNal && nal.length > 0 ? [{ nal, at: this.startedAt }] : []
    this.pending = Buffer.alloc(0)
    this.inNal = false
    this.scanFrom = 0
    return out
  }
}

function trimTrailingZeros(buf: Buffer): Buffer {
  let end = buf.length
  while (end > 0 && buf[end - 1] === 0) end--
  return buf.subarray(0, end)
}
