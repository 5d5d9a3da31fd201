/**
 * Embedded (interleaved) binary data, RFC 2326 section 10.12 (RFC 7826 section 14):
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  '$' (0x24)   |    channel    |     payload length (BE16)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     payload (one RTP or RTCP packet) ...      |
 */
import { LimitError } from '../errors.js'

export const INTERLEAVED_MAGIC = 0x24 // '$'
export const INTERLEAVED_HEADER_SIZE = 4
export const INTERLEAVED_MAX_CHANNEL = 0xff
export const INTERLEAVED_MAX_PAYLOAD = 0xffff
const CHANNEL_OFFSET = 1
const LENGTH_OFFSET = 2

/** Writes the 4-byte frame header into `buf` at `offset`. */
export function writeInterleavedHeader(buf: Buffer, offset: number, channel: number, length: number): void {
  if (!Number.isInteger(channel) || channel < 0 || channel > INTERLEAVED_MAX_CHANNEL) {
    throw new LimitError('ERR_RTSP_INTERLEAVED_CHANNEL', `interleaved channel ${channel} out of range`, {
      observed: channel,
      allowed: `0..${INTERLEAVED_MAX_CHANNEL}`,
    })
  }
  if (!Number.isInteger(length) || length < 0 || length > INTERLEAVED_MAX_PAYLOAD) {
    throw new LimitError('ERR_RTSP_INTERLEAVED_TOO_LARGE', `interleaved payload of ${length} bytes does not fit`, {
      observed: length,
      allowed: `0..${INTERLEAVED_MAX_PAYLOAD}`,
    })
  }
  buf[offset] = INTERLEAVED_MAGIC
  buf[offset + CHANNEL_OFFSET] = channel
  buf.writeUInt16BE(length, offset + LENGTH_OFFSET)
}

/** Just the 4-byte header, for corked writes that send the payload buffer as is. */
export function interleavedHeader(channel: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(INTERLEAVED_HEADER_SIZE)
  writeInterleavedHeader(buf, 0, channel, length)
  return buf
}

/** Header and payload in one new buffer. */
export function serializeInterleaved(channel: number, payload: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(INTERLEAVED_HEADER_SIZE + payload.length)
  writeInterleavedHeader(buf, 0, channel, payload.length)
  buf.set(payload, INTERLEAVED_HEADER_SIZE)
  return buf
}

/** Every packet framed on `channel`, back to back in one new buffer: one write sends them all. */
export function frameInterleaved(channel: number, packets: readonly Uint8Array[]): Buffer {
  let size = 0
  for (const p of packets) size += INTERLEAVED_HEADER_SIZE + p.length
  const buf = Buffer.allocUnsafe(size)
  let at = 0
  for (const p of packets) {
    writeInterleavedHeader(buf, at, channel, p.length)
    buf.set(p, at + INTERLEAVED_HEADER_SIZE)
    at += INTERLEAVED_HEADER_SIZE + p.length
  }
  return buf
}
