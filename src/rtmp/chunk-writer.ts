/**
 * The RTMP chunk stream, sending side (RTMP specification 1.0, 5.3.1): a message becomes one fmt 0
 * chunk and as many fmt 3 continuation chunks as the chunk size needs. The 4-byte extended timestamp
 * is repeated in every continuation chunk of a message that has one, as the receiver (chunk-reader.ts,
 * ffmpeg, librtmp) expects. Headers are small fresh buffers; payload pieces are views of the message.
 */
import { LimitError } from '../errors.js'
import { DEFAULT_CHUNK_SIZE, MessageType, type RtmpMessage } from './chunk-reader.js'

const FMT_SHIFT = 6
const FMT_CONTINUATION = 3
const CSID_MAX_ONE_BYTE_HEADER = 63
const CSID_OFFSET = 64
const CSID_MAX = 65599
const EXTENDED_TIMESTAMP = 0xffffff
const U24_MAX = 0xffffff

/** The chunk streams we send on (any 2..65599 would do; these are the usual ones). */
export const ChunkStream = {
  PROTOCOL: 2,
  COMMAND: 3,
  AUDIO: 4,
  VIDEO: 6,
  DATA: 5,
} as const

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid <= CSID_MAX_ONE_BYTE_HEADER) return Buffer.from([(fmt << FMT_SHIFT) | csid])
  const id = csid - CSID_OFFSET
  return id <= 0xff ? Buffer.from([fmt << FMT_SHIFT, id]) : Buffer.from([(fmt << FMT_SHIFT) | 1, id & 0xff, id >> 8])
}

export class ChunkWriter {
  private chunkSize = DEFAULT_CHUNK_SIZE

  get size(): number {
    return this.chunkSize
  }

  /** Takes effect for the next message: send Set Chunk Size (setChunkSizeMessage) first. */
  setChunkSize(size: number): void {
    this.chunkSize = size
  }

  /** The chunks of one message, header and payload pieces in order (write them corked, or concatenated). */
  write(m: Omit<RtmpMessage, 'payload'> & { payload: Buffer }): Buffer[] {
    if (m.chunkStreamId < 2 || m.chunkStreamId > CSID_MAX)
      throw new LimitError('ERR_RTMP_CHUNK_STREAM_ID', `chunk stream id ${m.chunkStreamId}`, {
        observed: m.chunkStreamId,
        allowed: `2..${CSID_MAX}`,
      })
    if (m.payload.length > U24_MAX)
      throw new LimitError('ERR_RTMP_MESSAGE_SIZE', `message of ${m.payload.length} bytes`, {
        observed: m.payload.length,
        allowed: U24_MAX,
      })
    const ts = m.timestamp >>> 0
    const extended = ts >= EXTENDED_TIMESTAMP
    const head = Buffer.alloc(11 + (extended ? 4 : 0))
    head.writeUIntBE(extended ? EXTENDED_TIMESTAMP : ts, 0, 3)
    head.writeUIntBE(m.payload.length, 3, 3)
    head[6] = m.typeId
    head.writeUInt32LE(m.messageStreamId >>> 0, 7)
    if (extended) head.writeUInt32BE(ts, 11)
    const out = [basicHeader(0, m.chunkStreamId), head]
    const cont = basicHeader(FMT_CONTINUATION, m.chunkStreamId)
    let contHeader = cont
    if (extended) {
      contHeader = Buffer.alloc(cont.length + 4)
      cont.copy(contHeader)
      contHeader.writeUInt32BE(ts, cont.length)
    }
    for (let at = 0; at < m.payload.length; at += this.chunkSize) {
      if (at > 0) out.push(contHeader)
      out.push(m.payload.subarray(at, Math.min(m.payload.length, at + this.chunkSize)))
    }
    return out
  }
}

/** Protocol control messages (5.4) and user control events (7.1.7), as messages for ChunkWriter. */
function control(typeId: number, payload: Buffer): RtmpMessage {
  return { chunkStreamId: ChunkStream.PROTOCOL, timestamp: 0, typeId, messageStreamId: 0, payload }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(v >>> 0)
  return b
}

export const setChunkSizeMessage = (size: number): RtmpMessage => control(MessageType.SET_CHUNK_SIZE, u32(size))
export const acknowledgementMessage = (bytes: number): RtmpMessage => control(MessageType.ACKNOWLEDGEMENT, u32(bytes))
export const windowAckSizeMessage = (size: number): RtmpMessage => control(MessageType.WINDOW_ACK_SIZE, u32(size))

/** Limit type 2: dynamic (5.4.5). */
export function setPeerBandwidthMessage(size: number, limitType = 2): RtmpMessage {
  const b = Buffer.alloc(5)
  b.writeUInt32BE(size)
  b[4] = limitType
  return control(MessageType.SET_PEER_BANDWIDTH, b)
}

export const UserControlEvent = {
  STREAM_BEGIN: 0,
  STREAM_EOF: 1,
  STREAM_DRY: 2,
  SET_BUFFER_LENGTH: 3,
  STREAM_IS_RECORDED: 4,
  PING_REQUEST: 6,
  PING_RESPONSE: 7,
} as const

export function userControlMessage(event: number, value: number): RtmpMessage {
  const b = Buffer.alloc(6)
  b.writeUInt16BE(event)
  b.writeUInt32BE(value >>> 0, 2)
  return control(MessageType.USER_CONTROL, b)
}
