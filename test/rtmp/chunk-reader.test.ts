/**
 * The chunk stream reader against byte vectors (whole, and split at every byte), the writer read back
 * by the reader, and the limits that close a connection: oversized messages, a fmt 1-3 header with
 * nothing to continue, a message header changing mid-message, too many chunk streams, bad chunk sizes.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { LimitError, ParseError } from '../../src/errors.js'
import { ChunkReader, type ChunkReaderLimits, type RtmpMessage } from '../../src/rtmp/chunk-reader.js'
import { ChunkWriter, setChunkSizeMessage } from '../../src/rtmp/chunk-writer.js'
import { CHUNK_VECTORS } from './vectors.js'

export function readAll(chunks: readonly Buffer[], limits: Partial<ChunkReaderLimits> = {}): RtmpMessage[] {
  const out: RtmpMessage[] = []
  const r = new ChunkReader((m) => out.push({ ...m, payload: Buffer.from(m.payload) }), limits)
  for (const c of chunks) r.push(c)
  return out
}

describe('ChunkReader vectors', () => {
  for (const v of CHUNK_VECTORS) {
    it(v.name, () => {
      const copy = Buffer.from(v.bytes)
      assert.deepEqual(readAll([v.bytes]), v.messages)
      assert.ok(v.bytes.equals(copy), 'the input is not modified')
    })
    it(`${v.name}: split at every byte boundary`, () => {
      for (let i = 1; i < v.bytes.length; i++)
        assert.deepEqual(readAll([v.bytes.subarray(0, i), v.bytes.subarray(i)]), v.messages, `split at ${i}`)
    })
    it(`${v.name}: one byte at a time`, () => {
      assert.deepEqual(readAll([...v.bytes].map((b) => Buffer.from([b]))), v.messages)
    })
  }
})

describe('ChunkWriter → ChunkReader', () => {
  it('messages of every size, chunk ids and extended timestamps read back, at chunk sizes 128 and 4096', () => {
    const messages: RtmpMessage[] = [
      { chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: Buffer.from('abc') },
      { chunkStreamId: 6, timestamp: 40, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(10_000, 5) },
      { chunkStreamId: 100, timestamp: 0xffffff, typeId: 8, messageStreamId: 1, payload: Buffer.alloc(300, 6) },
      { chunkStreamId: 1000, timestamp: 0xfffffffe, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(129, 7) },
      { chunkStreamId: 4, timestamp: 7, typeId: 8, messageStreamId: 1, payload: Buffer.alloc(0) },
    ]
    for (const size of [128, 4096]) {
      const w = new ChunkWriter()
      const bytes: Buffer[] = []
      if (size !== 128) {
        bytes.push(...w.write(setChunkSizeMessage(size)))
        w.setChunkSize(size)
      }
      for (const m of messages) bytes.push(...w.write(m))
      const got = readAll([Buffer.concat(bytes)]).filter((m) => m.typeId !== 1)
      assert.deepEqual(got, messages)
    }
  })
})

describe('ChunkReader limits and malformed chunks', () => {
  const expectError = (
    bytes: Buffer,
    type: typeof ParseError | typeof LimitError,
    code: string,
    limits: Partial<ChunkReaderLimits> = {},
  ) => {
    const r = new ChunkReader(() => undefined, limits)
    assert.throws(
      () => r.push(bytes),
      (e: unknown) => e instanceof type && e.code === code,
    )
    assert.throws(() => r.push(Buffer.from([3])), ParseError, 'a failed reader stays failed')
  }

  it('a message larger than maxMessageSize', () => {
    expectError(Buffer.from('06000000ffffff0901000000', 'hex'), LimitError, 'ERR_RTMP_MESSAGE_SIZE', { maxMessageSize: 1 << 20 })
  })
  it('a fmt 3 chunk on a chunk stream never seen', () => {
    expectError(Buffer.from('c6', 'hex'), ParseError, 'ERR_RTMP_CHUNK_HEADER')
  })
  it('a fmt 0 header in the middle of a message', () => {
    expectError(
      Buffer.concat([Buffer.from('060000000000c80901000000', 'hex'), Buffer.alloc(128), Buffer.from('060000000000c80901000000', 'hex')]),
      ParseError,
      'ERR_RTMP_CHUNK_HEADER',
    )
  })
  it('Set Chunk Size of 0 and above the limit', () => {
    expectError(Buffer.from('02000000000004010000000000000000', 'hex'), LimitError, 'ERR_RTMP_CHUNK_SIZE')
    expectError(Buffer.from('0200000000000401000000007fffffff', 'hex'), LimitError, 'ERR_RTMP_CHUNK_SIZE')
  })
  it('too many chunk streams with a message in progress', () => {
    const parts: Buffer[] = []
    for (let csid = 3; csid < 3 + 10; csid++)
      parts.push(Buffer.from([csid]), Buffer.from('0000000000c80901000000', 'hex'), Buffer.alloc(128))
    expectError(Buffer.concat(parts), LimitError, 'ERR_RTMP_CHUNK_STREAMS', { maxOpenStreams: 4 })
  })
  it('more unfinished message bytes than maxPendingBytes', () => {
    const parts: Buffer[] = []
    for (let csid = 3; csid < 3 + 10; csid++)
      parts.push(Buffer.from([csid]), Buffer.from('0000000000c80901000000', 'hex'), Buffer.alloc(128))
    expectError(Buffer.concat(parts), LimitError, 'ERR_RTMP_PENDING', { maxPendingBytes: 1000 })
  })
})

/** The engine's garbage collector, so that what is held can be told from what is garbage. */
function heapCollector(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

describe('ChunkReader: messages in many small chunks', () => {
  // Found while adding RTMP to the fuzzers: at chunk size 1 every byte of a message was kept as its
  // own Buffer view, about a hundred bytes of heap each: 2 MiB on the wire held some 230 MiB.
  it('chunk size 1: a 2 MiB message in progress holds about its own size, not a view per byte', () => {
    const len = 2 * 1024 * 1024
    // Set Chunk Size 1 on chunk stream 2, then a video message on chunk stream 6: a fmt 0 chunk and
    // fmt 3 chunks (0xc6) of one byte each.
    const scs = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    const head = Buffer.from([0x06, 0, 0, 0, len >> 16, (len >> 8) & 0xff, len & 0xff, 9, 1, 0, 0, 0, 0])
    const rest = Buffer.alloc(2 * (len - 1))
    for (let i = 0; i < len - 1; i++) {
      rest[2 * i] = 0xc6
      rest[2 * i + 1] = (i + 1) & 0xff
    }
    const got: RtmpMessage[] = []
    const r = new ChunkReader((m) => got.push(m))
    r.push(scs)
    const gc = heapCollector()
    gc()
    const before = process.memoryUsage()
    r.push(head)
    r.push(rest.subarray(0, rest.length - 2)) // all but the last chunk: the message is in progress
    gc()
    const after = process.memoryUsage()
    const held = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers
    assert.ok(held < 16 * 1024 * 1024, `${(held / 2 ** 20).toFixed(0)} MiB held for a 2 MiB message in progress`)
    r.push(rest.subarray(rest.length - 2))
    const video = got.filter((m) => m.typeId === 9)
    assert.equal(video.length, 1)
    assert.equal(video[0]!.payload.length, len)
    for (let i = 0; i < len; i += 4099) assert.equal(video[0]!.payload[i], i & 0xff, `byte ${i}`)
  })

  it('messages of many chunks on interleaved chunk streams, with an abort between, read back whole', () => {
    const w = new ChunkWriter()
    const parts: Buffer[] = [...w.write(setChunkSizeMessage(16))]
    w.setChunkSize(16)
    const a = Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 0xff))
    const b = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 3) & 0xff))
    const ca = w.write({ chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload: a })
    const cb = w.write({ chunkStreamId: 4, timestamp: 0, typeId: 8, messageStreamId: 1, payload: b })
    // Chunks alternate between the two streams (header and payload pieces come in pairs, the first with 2 headers).
    const chunksOf = (c: Buffer[]) => [
      Buffer.concat(c.slice(0, 3)),
      ...Array.from({ length: (c.length - 3) / 2 }, (_, i) => Buffer.concat(c.slice(3 + 2 * i, 5 + 2 * i))),
    ]
    const xa = chunksOf(ca)
    const xb = chunksOf(cb)
    for (let i = 0; i < Math.max(xa.length, xb.length); i++) parts.push(...(xa[i] ? [xa[i]!] : []), ...(xb[i] ? [xb[i]!] : []))
    const got = readAll([Buffer.concat(parts)]).filter((m) => m.typeId !== 1)
    assert.deepEqual(
      got.map((m) => m.payload),
      [b, a],
    )
  })
})
