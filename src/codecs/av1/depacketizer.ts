/**
 * RTP depacketizer for AV1, "RTP Payload Format For AV1" v1.0 sections 4 and 5: the packets of one
 * temporal unit share its RTP timestamp and the last has the marker bit; each carries OBU elements,
 * the first possibly continuing an OBU fragment (Z) and the last possibly continued (Y). A temporal unit
 * comes out in the low-overhead bitstream format: a temporal delimiter, then every OBU with obu_size
 * (the payload format drops both). An OBU whose start was lost is dropped; so is a temporal unit cut by
 * a change of timestamp. Keyframe: N (a new coded video sequence) or a sequence header with a key frame.
 */
import { LimitError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import type { CodecDepacketizer, ReceivedFrame } from '../codec.js'
import { MAX_ASSEMBLED_FRAME_SIZE } from '../frame-assembler.js'
import { parseAv1Payload, type Av1Payload } from './aggregation-header.js'
import {
  isAv1KeyTemporalUnit,
  OBU_TEMPORAL_DELIMITER,
  obuWithSizeLength,
  readObu,
  TEMPORAL_DELIMITER_OBU,
  writeObuWithSize,
  type Obu,
} from './obu.js'

export class Av1Depacketizer implements CodecDepacketizer {
  private obus: Obu[] = []
  private bytes = 0
  private fragment: Buffer[] = []
  private timestamp: number | undefined
  private newSequence = false

  constructor(private readonly maxSize = MAX_ASSEMBLED_FRAME_SIZE) {}

  /** Throws ParseError('ERR_AV1_PAYLOAD' | 'ERR_AV1_OBU'), LimitError('ERR_AV1_FRAME_SIZE'), forgetting the temporal unit. */
  push(p: RtpPacket): ReceivedFrame[] {
    try {
      return this.read(p)
    } catch (err) {
      this.reset()
      throw err
    }
  }

  reset(): void {
    this.obus = []
    this.bytes = 0
    this.fragment = []
    this.timestamp = undefined
    this.newSequence = false
  }

  private read(p: RtpPacket): ReceivedFrame[] {
    // Padding only (WebRTC senders probe bandwidth so): nothing to read, and no reason to drop a partial unit.
    if (p.payload.length === 0) return []
    const payload: Av1Payload = parseAv1Payload(p.payload)
    if (this.timestamp !== p.timestamp) {
      this.reset()
      this.timestamp = p.timestamp
      this.newSequence = payload.newSequence
    }
    payload.elements.forEach((element, i) => {
      const continuing = i === 0 && payload.continuation
      // A fragment left without its continuation, or a continuation without its start, is dropped.
      if (!continuing) this.fragment = []
      else if (this.fragment.length === 0) return
      if (element.length === 0 && !continuing) return
      this.fragment.push(element)
      this.bytes += element.length
      if (this.bytes > this.maxSize) {
        throw new LimitError('ERR_AV1_FRAME_SIZE', `AV1 temporal unit of more than ${this.maxSize} bytes`, {
          observed: this.bytes,
          allowed: `<= ${this.maxSize}`,
        })
      }
      if (i === payload.elements.length - 1 && payload.continues) return
      const whole = this.fragment.length === 1 ? this.fragment[0]! : Buffer.concat(this.fragment)
      this.fragment = []
      const obu = readObu(whole, 0).obu
      // A sender that kept its temporal delimiters: ours leads the unit already.
      if (obu.type !== OBU_TEMPORAL_DELIMITER) this.obus.push(obu)
    })
    if (!p.marker) return []
    const obus = this.obus
    const keyframe = this.newSequence || isAv1KeyTemporalUnit(obus)
    this.reset()
    if (obus.length === 0) return []
    return [{ data: temporalUnit(obus), timestamp: p.timestamp, keyframe }]
  }
}

/** A temporal delimiter, then every OBU with obu_size: one allocation. */
function temporalUnit(obus: readonly Obu[]): Buffer {
  let size = TEMPORAL_DELIMITER_OBU.length
  for (const o of obus) size += obuWithSizeLength(o)
  const out = Buffer.allocUnsafe(size)
  let at = TEMPORAL_DELIMITER_OBU.copy(out, 0)
  for (const o of obus) at += writeObuWithSize(out, at, o)
  return out
}
