/**
 * RFC 3550 section 5.1: the fixed RTP header fields a WebRTC session rewrites. The stream's packets
 * are shared by every reader, so nothing here writes into them: a WHEP session numbers what it
 * sends itself (contiguous even when it dropped GOPs, so the browser sees no loss to NACK), and a
 * WHIP publisher's packets are copies werift made, renumbered to the payload type its SDP announced.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |           synchronization source (SSRC) identifier            |
 */
import { ParseError } from '../errors.js'

export const RTP_HEADER_SIZE = 12
const PT_OFFSET = 1
const PT_MASK = 0x7f
const MARKER_MASK = 0x80
const SEQUENCE_OFFSET = 2
const TIMESTAMP_OFFSET = 4
const SSRC_OFFSET = 8
const VERSION_SHIFT = 6
const RTP_VERSION = 2

export interface RtpFields {
  payloadType?: number
  sequence?: number
  timestamp?: number
  ssrc?: number
}

/** A copy of `packet` with the given header fields replaced; `packet` is left as it was. */
export function rewriteRtp(packet: Uint8Array, fields: RtpFields): Buffer {
  if (packet.length < RTP_HEADER_SIZE || packet[0]! >> VERSION_SHIFT !== RTP_VERSION)
    throw new ParseError('ERR_RTP_HEADER', `not an RTP packet (${packet.length} bytes)`, {
      observed: packet.length,
      allowed: RTP_HEADER_SIZE,
    })
  const out = Buffer.from(packet)
  if (fields.payloadType !== undefined) out[PT_OFFSET] = (out[PT_OFFSET]! & MARKER_MASK) | (fields.payloadType & PT_MASK)
  if (fields.sequence !== undefined) out.writeUInt16BE(fields.sequence & 0xffff, SEQUENCE_OFFSET)
  if (fields.timestamp !== undefined) out.writeUInt32BE(fields.timestamp >>> 0, TIMESTAMP_OFFSET)
  if (fields.ssrc !== undefined) out.writeUInt32BE(fields.ssrc >>> 0, SSRC_OFFSET)
  return out
}

/** Sets the payload type of a packet we own (a fresh copy), in place. */
export function setPayloadType(own: Buffer, payloadType: number): Buffer {
  if (own.length >= RTP_HEADER_SIZE) own[PT_OFFSET] = (own[PT_OFFSET]! & MARKER_MASK) | (payloadType & PT_MASK)
  return own
}

/**
 * One WHEP track's numbering: sequence numbers count the packets this session sent, from a random
 * start; timestamps are the stream's, moved by a fixed offset of the session (the instant-start GOP
 * is pulled together just before the newest unit, as RTSP readers get it).
 */
export class SessionSequencer {
  private seq: number
  sent = 0

  constructor(
    initialSequence: number,
    private readonly timestampOffset = 0,
  ) {
    this.seq = initialSequence & 0xffff
  }

  /** The sequence number of the next packet, then counts it. */
  nextSequence(): number {
    const s = this.seq
    this.seq = (this.seq + 1) & 0xffff
    this.sent++
    return s
  }

  /** The session's timestamp for a stream timestamp. */
  timestamp(streamTimestamp: number): number {
    return (streamTimestamp + this.timestampOffset) >>> 0
  }
}

/**
 * Timestamps for an instant-start GOP: one tick apart, ending at the newest unit's, so the browser
 * shows the pictures at once and then plays the live ones on time (a GOP behind otherwise).
 */
export function startTimestamps(unitTimestamps: readonly number[]): number[] {
  const n = unitTimestamps.length
  if (n === 0) return []
  const newest = unitTimestamps[n - 1]!
  return unitTimestamps.map((_, i) => (newest - (n - 1 - i)) >>> 0)
}

/** Whether units come in presentation order (no B-frames): only then may a GOP be pulled together. */
export function inPresentationOrder(timestamps: readonly number[]): boolean {
  for (let i = 1; i < timestamps.length; i++) if (((timestamps[i]! - timestamps[i - 1]!) | 0) <= 0) return false
  return true
}
