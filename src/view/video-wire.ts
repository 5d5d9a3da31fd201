/**
 * The byte stream `rtspkit view` sends to its page on GET /video: one message per picture, read by the
 * page with fetch() and a stream reader. No container and no transcoding: JPEG frames go as they came,
 * H.264 access units as WebCodecs wants them with a description (ISO/IEC 14496-15 'avc1': 4-byte NAL
 * lengths, parameter sets out of band in an AVCDecoderConfigurationRecord).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------+---------------+-------------------------------+
 *   |     kind      |     flags     |        reserved (0)           |
 *   +---------------+---------------+-------------------------------+
 *   |                  presentation time, ms (mod 2^32)             |
 *   +---------------------------------------------------------------+
 *   |                     payload length, bytes                     |
 *   +---------------------------------------------------------------+
 *   |                     payload …                                 |
 *
 * kind: 1 JPEG image; 2 H.264 decoder configuration (avcC), sent before the first access unit and
 * whenever the SPS or PPS change; 3 H.264 access unit (length-prefixed NAL units).
 * flags: bit 0 = keyframe.
 */
import { NalType, nalType } from '../codecs/h264/nal.js'
import { avcDecoderConfigurationRecord } from '../codecs/h264/avc-config.js'
import { h264AccessUnit } from '../codecs/h264/mp4.js'
import { lengthPrefixedSample } from '../formats/mp4/nal-sample.js'

export const WIRE_HEADER_SIZE = 12
const KIND_OFFSET = 0
const FLAGS_OFFSET = 1
const PTS_OFFSET = 4
const LENGTH_OFFSET = 8
const FLAG_KEYFRAME = 0x01

export const WireKind = {
  JPEG: 1,
  AVC_CONFIG: 2,
  AVC_SAMPLE: 3,
} as const
export type WireKind = (typeof WireKind)[keyof typeof WireKind]

/** Header and payload in one buffer, allocated once. */
export function wireMessage(kind: WireKind, payload: Uint8Array, ptsMs = 0, keyframe = false): Buffer {
  const out = Buffer.allocUnsafe(WIRE_HEADER_SIZE + payload.byteLength)
  out.writeUInt8(kind, KIND_OFFSET)
  out.writeUInt8(keyframe ? FLAG_KEYFRAME : 0, FLAGS_OFFSET)
  out.writeUInt16BE(0, FLAGS_OFFSET + 1)
  out.writeUInt32BE(Math.max(0, Math.round(ptsMs)) >>> 0, PTS_OFFSET)
  out.writeUInt32BE(payload.byteLength, LENGTH_OFFSET)
  out.set(payload, WIRE_HEADER_SIZE)
  return out
}

export interface WireHeader {
  kind: number
  keyframe: boolean
  ptsMs: number
  length: number
}

/** The header at the start of `buf`, or undefined when fewer than WIRE_HEADER_SIZE bytes are there. */
export function readWireHeader(buf: Uint8Array): WireHeader | undefined {
  if (buf.byteLength < WIRE_HEADER_SIZE) return undefined
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  return {
    kind: b.readUInt8(KIND_OFFSET),
    keyframe: (b.readUInt8(FLAGS_OFFSET) & FLAG_KEYFRAME) !== 0,
    ptsMs: b.readUInt32BE(PTS_OFFSET),
    length: b.readUInt32BE(LENGTH_OFFSET),
  }
}

export interface AvcUnit {
  /** The configuration the sample decodes with (the same Buffer until the parameter sets change). */
  config: Buffer | undefined
  /** Length-prefixed NAL units without SPS, PPS or access unit delimiters. */
  sample: Buffer
  keyframe: boolean
}

/**
 * Annex-B access units → avc1 samples plus their AVCDecoderConfigurationRecord. Parameter sets come
 * from sprop-parameter-sets (given at construction) and from the stream, where the last ones win.
 */
export class AvcPacker {
  private sps: Buffer | undefined
  private pps: Buffer | undefined
  private configRecord: Buffer | undefined

  constructor(initial: { sps?: Uint8Array | undefined; pps?: Uint8Array | undefined } = {}) {
    if (initial.sps) this.sps = Buffer.from(initial.sps)
    if (initial.pps) this.pps = Buffer.from(initial.pps)
  }

  get config(): Buffer | undefined {
    if (!this.configRecord && this.sps && this.pps) this.configRecord = avcDecoderConfigurationRecord(this.sps, this.pps)
    return this.configRecord
  }

  /** Throws CodecError for parameter sets that do not fit a configuration record. */
  push(annexB: Uint8Array): AvcUnit {
    const au = h264AccessUnit(annexB)
    const { sps, pps } = au.params
    if ((sps && !this.sps?.equals(sps)) || (pps && !this.pps?.equals(pps))) {
      if (sps) this.sps = Buffer.from(sps) // copies: the input may be a view into a reused buffer
      if (pps) this.pps = Buffer.from(pps)
      this.configRecord = undefined
    }
    const slices = au.nalus.filter((n) => {
      const t = nalType(n)
      return t !== NalType.SPS && t !== NalType.PPS
    })
    return { config: this.config, sample: lengthPrefixedSample(slices), keyframe: au.keyframe }
  }
}
