/**
 * The RTMP chunk stream, receiving side (Adobe RTMP specification 1.0, section 5.3): messages arrive
 * cut into chunks of at most the peer's chunk size, chunks of different chunk streams interleaved.
 *
 *   basic header   fmt:2 csid:6          csid 0: one more byte (csid = 64 + b1)
 *                                        csid 1: two more bytes (csid = 64 + b1 + 256 * b2)
 *   message header fmt 0: timestamp:24 length:24 type:8 stream id:32 (little endian)   11 bytes
 *                  fmt 1: timestamp delta:24 length:24 type:8                          7 bytes
 *                  fmt 2: timestamp delta:24                                           3 bytes
 *                  fmt 3: nothing: everything as the previous chunk of this chunk stream
 *   extended ts    u32 when the 24-bit field is 0xFFFFFF (and in fmt 3 chunks of such a message)
 *   payload        min(chunk size, bytes left of the message)
 *
 * An explicit state machine over a ByteQueue (the ws/undici shape): `push` takes socket data as it
 * comes, split anywhere, and `onMessage` hears every complete message. Set Chunk Size (type 1) and
 * Abort (type 2) act on the reader itself before the next chunk is read; they are passed on too.
 * Limits are checked before anything is buffered; any error leaves the reader unusable (the
 * connection closes).
 */
import { LimitError, ParseError } from '../errors.js'
import { ByteQueue } from '../util/byte-queue.js'

/** Chunk size until the peer sets another (5.4.1). */
export const DEFAULT_CHUNK_SIZE = 128
export const MessageType = {
  SET_CHUNK_SIZE: 1,
  ABORT: 2,
  ACKNOWLEDGEMENT: 3,
  USER_CONTROL: 4,
  WINDOW_ACK_SIZE: 5,
  SET_PEER_BANDWIDTH: 6,
  AUDIO: 8,
  VIDEO: 9,
  DATA_AMF3: 15,
  SHARED_OBJECT_AMF3: 16,
  COMMAND_AMF3: 17,
  DATA_AMF0: 18,
  SHARED_OBJECT_AMF0: 19,
  COMMAND_AMF0: 20,
  AGGREGATE: 22,
} as const

const FMT_SHIFT = 6
const CSID_MASK = 0x3f
const CSID_ONE_BYTE = 0
const CSID_TWO_BYTES = 1
const CSID_OFFSET = 64
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const
const EXTENDED_TIMESTAMP = 0xffffff
/** Set Chunk Size: the top bit must be 0 (5.4.1). */
const CHUNK_SIZE_MASK = 0x7fffffff
/**
 * Pieces a message keeps as views before they are copied into one growing buffer. A view costs about
 * a hundred bytes of heap whatever its length: with chunk size 1, an 8 MiB message would be 8 M views
 * (near 1 GiB) for 16 MiB on the wire. Copying caps that overhead; below the cap nothing is copied.
 */
const MAX_MESSAGE_PARTS = 64
/** Smallest buffer a message in pieces is assembled into (it doubles as bytes come, up to the message length). */
const MIN_ASSEMBLY = 4096

export interface RtmpMessage {
  chunkStreamId: number
  /** Milliseconds, u32 (wraps). */
  timestamp: number
  typeId: number
  messageStreamId: number
  payload: Buffer
}

export interface ChunkReaderLimits {
  /** Largest message accepted (default 8 MiB; the header could announce up to 16 MiB). */
  maxMessageSize: number
  /** Largest chunk size a peer may set (default 16 MiB). */
  maxChunkSize: number
  /** Bytes of messages begun and not yet complete, over all chunk streams (default 32 MiB). */
  maxPendingBytes: number
  /** Chunk streams with a message in progress at once (default 64). */
  maxOpenStreams: number
}

export const DEFAULT_CHUNK_READER_LIMITS: ChunkReaderLimits = {
  maxMessageSize: 8 * 1024 * 1024,
  maxChunkSize: 16 * 1024 * 1024,
  maxPendingBytes: 32 * 1024 * 1024,
  maxOpenStreams: 64,
}

/** What a chunk stream remembers for the fmt 1-3 chunks that follow. */
interface ChunkStreamState {
  timestamp: number
  delta: number
  length: number
  typeId: number
  messageStreamId: number
  extended: boolean
  /** Parts of the message in progress (empty between messages, and once `assembly` took over). */
  parts: Buffer[]
  /** The message in progress copied together, once it came in more than MAX_MESSAGE_PARTS pieces. */
  assembly: Buffer | undefined
  received: number
  /** A message header (fmt 0-2) was seen: fmt 3 has something to repeat. */
  known: boolean
}

export class ChunkReader {
  /** Bytes taken from the peer (what Acknowledgement counts, 5.4.3). */
  bytesIn = 0
  private readonly queue = new ByteQueue()
  private readonly streams = new Map<number, ChunkStreamState>()
  private readonly limits: ChunkReaderLimits
  private chunkSize = DEFAULT_CHUNK_SIZE
  private pending = 0
  private failed = false

  constructor(
    private readonly onMessage: (m: RtmpMessage) => void,
    limits: Partial<ChunkReaderLimits> = {},
  ) {
    this.limits = { ...DEFAULT_CHUNK_READER_LIMITS, ...limits }
  }

  /** The peer's chunk size in force. */
  get peerChunkSize(): number {
    return this.chunkSize
  }

  /** Feeds bytes; throws ParseError or LimitError (then every later call throws again). */
  push(data: Buffer): void {
    if (this.failed) throw new ParseError('ERR_RTMP_READER_FAILED', 'the chunk stream failed earlier')
    this.bytesIn += data.length
    this.queue.push(data)
    try {
      while (this.step());
    } catch (err) {
      this.failed = true
      this.queue.clear()
      this.streams.clear()
      throw err
    }
  }

  /** Reads one chunk when it is all there; false when more bytes are needed. */
  private step(): boolean {
    const q = this.queue
    if (q.length < 1) return false
    const b0 = q.peek(0)
    const fmt = b0 >> FMT_SHIFT
    let csid = b0 & CSID_MASK
    let basic = 1
    if (csid === CSID_ONE_BYTE) {
      if (q.length < 2) return false
      csid = CSID_OFFSET + q.peek(1)
      basic = 2
    } else if (csid === CSID_TWO_BYTES) {
      if (q.length < 3) return false
      csid = CSID_OFFSET + q.peek(1) + (q.peek(2) << 8)
      basic = 3
    }
    const headerSize = MESSAGE_HEADER_SIZE[fmt as 0 | 1 | 2 | 3]
    if (q.length < basic + headerSize) return false
    let state = this.streams.get(csid)
    if (fmt !== 0 && !state?.known)
      throw new ParseError('ERR_RTMP_CHUNK_HEADER', `chunk stream ${csid} starts with a fmt ${fmt} header`, { observed: fmt, allowed: 0 })
    const u24 = (at: number): number => (q.peek(at) << 16) | (q.peek(at + 1) << 8) | q.peek(at + 2)
    const tsField = fmt === 3 ? 0 : u24(basic)
    const extended = fmt === 3 ? state!.extended : tsField === EXTENDED_TIMESTAMP
    const total = basic + headerSize + (extended ? 4 : 0)
    if (q.length < total) return false
    const newMessage = !state || state.received === 0
    const length = fmt <= 1 ? u24(basic + 3) : state!.length
    if (fmt <= 1 && !newMessage)
      throw new ParseError('ERR_RTMP_CHUNK_HEADER', `chunk stream ${csid} changes its message mid-way`, { observed: fmt })
    if (length > this.limits.maxMessageSize)
      throw new LimitError('ERR_RTMP_MESSAGE_SIZE', `message of ${length} bytes`, { observed: length, allowed: this.limits.maxMessageSize })
    const left = length - (newMessage ? 0 : state!.received)
    const take = Math.min(left, this.chunkSize)
    if (q.length < total + take) return false
    // Every byte of this chunk is here: commit.
    const header = q.consume(total)
    if (!state) {
      if (this.openStreams() >= this.limits.maxOpenStreams)
        throw new LimitError('ERR_RTMP_CHUNK_STREAMS', `more than ${this.limits.maxOpenStreams} chunk streams`, {
          allowed: this.limits.maxOpenStreams,
        })
      state = {
        timestamp: 0,
        delta: 0,
        length: 0,
        typeId: 0,
        messageStreamId: 0,
        extended: false,
        parts: [],
        assembly: undefined,
        received: 0,
        known: false,
      }
      this.streams.set(csid, state)
    }
    const ts = extended ? header.readUInt32BE(basic + headerSize) : tsField
    if (fmt <= 2) state.extended = extended
    if (fmt <= 1) {
      state.length = length
      state.typeId = header[basic + 6]!
    }
    if (fmt === 0) state.messageStreamId = header.readUInt32LE(basic + 7)
    state.known = true
    if (newMessage) {
      if (fmt === 0) {
        state.timestamp = ts
        state.delta = 0
      } else {
        if (fmt !== 3) state.delta = ts
        state.timestamp = (state.timestamp + state.delta) >>> 0
      }
    }
    if (this.pending + take > this.limits.maxPendingBytes)
      throw new LimitError('ERR_RTMP_PENDING', `more than ${this.limits.maxPendingBytes} bytes of unfinished messages`, {
        allowed: this.limits.maxPendingBytes,
      })
    const piece = q.consume(take)
    this.append(state, piece)
    state.received += take
    this.pending += take
    if (state.received < state.length) return true
    const payload = state.assembly
      ? state.assembly.subarray(0, state.length)
      : state.parts.length === 1
        ? state.parts[0]!
        : Buffer.concat(state.parts, state.length)
    this.pending -= state.received
    state.parts = []
    state.assembly = undefined
    state.received = 0
    const message: RtmpMessage = {
      chunkStreamId: csid,
      timestamp: state.timestamp,
      typeId: state.typeId,
      messageStreamId: state.messageStreamId,
      payload: state.length === 0 ? Buffer.alloc(0) : payload,
    }
    this.control(message)
    this.onMessage(message)
    return true
  }

  /** Keeps a piece of a message: as a view, or copied once the message has too many pieces (MAX_MESSAGE_PARTS). */
  private append(state: ChunkStreamState, piece: Buffer): void {
    if (!state.assembly && state.parts.length < MAX_MESSAGE_PARTS) {
      state.parts.push(piece)
      return
    }
    const need = state.received + piece.length
    if (!state.assembly || state.assembly.length < need) {
      // Doubling keeps the copying linear; never more than the message, nor more than twice what arrived.
      const grown = Buffer.allocUnsafe(Math.min(state.length, Math.max(MIN_ASSEMBLY, 2 * need)))
      if (state.assembly) state.assembly.copy(grown, 0, 0, state.received)
      else {
        let at = 0
        for (const p of state.parts) at += p.copy(grown, at)
      }
      state.assembly = grown
      state.parts = []
    }
    piece.copy(state.assembly, state.received)
  }

  private openStreams(): number {
    let n = 0
    for (const s of this.streams.values()) if (s.received > 0) n++
    // Idle chunk streams cost a few numbers each; past the limit forget them (a peer that rotates ids).
    if (this.streams.size >= this.limits.maxOpenStreams * 4)
      for (const [id, s] of this.streams) if (s.received === 0) this.streams.delete(id)
    return n
  }

  /** Set Chunk Size and Abort change how the next chunks are read (5.4.1, 5.4.2). */
  private control(m: RtmpMessage): void {
    if (m.typeId === MessageType.SET_CHUNK_SIZE) {
      if (m.payload.length < 4)
        throw new ParseError('ERR_RTMP_CONTROL', 'Set Chunk Size without its 4 bytes', { observed: m.payload.length })
      const size = m.payload.readUInt32BE(0) & CHUNK_SIZE_MASK
      if (size < 1 || size > this.limits.maxChunkSize)
        throw new LimitError('ERR_RTMP_CHUNK_SIZE', `chunk size ${size}`, { observed: size, allowed: `1..${this.limits.maxChunkSize}` })
      this.chunkSize = size
    } else if (m.typeId === MessageType.ABORT) {
      if (m.payload.length < 4) throw new ParseError('ERR_RTMP_CONTROL', 'Abort without its 4 bytes', { observed: m.payload.length })
      const s = this.streams.get(m.payload.readUInt32BE(0))
      if (s && s.received > 0) {
        this.pending -= s.received
        s.parts = []
        s.assembly = undefined
        s.received = 0
      }
    }
  }
}
