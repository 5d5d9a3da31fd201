/**
 * fast-check properties of the RTMP parsers:
 *  (a) random bytes and mutations of real chunk streams, split anywhere, only ever throw RtspkitError;
 *  (b) any messages written by ChunkWriter at any chunk size read back the same, however split;
 *  (c) AMF0: random bytes throw only our errors; encode → decode → encode is stable;
 *  (d) FLV tags: random bodies throw only our errors;
 *  (e) Adobe authentication's connect query: random and mutated queries throw only our errors, and
 *      any well-formed step reads back to its fields.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../src/errors.js'
import { amf0Object, decodeAmf0, encodeAmf0, type Amf0Value } from '../../src/rtmp/amf0.js'
import { ChunkReader, type RtmpMessage } from '../../src/rtmp/chunk-reader.js'
import { ChunkWriter, setChunkSizeMessage } from '../../src/rtmp/chunk-writer.js'
import { adobeResponse, parseAdobeQuery } from '../../src/rtmp/adobe-auth.js'
import { parseAudioTag, parseVideoTag } from '../../src/rtmp/flv-tags.js'
import { readAll } from './chunk-reader.test.js'
import { CHUNK_VECTORS } from './vectors.js'

const LIMITS = { maxMessageSize: 4096, maxChunkSize: 4096, maxPendingBytes: 8192, maxOpenStreams: 4 }

function cut(buf: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (buf.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const p of points) {
    out.push(buf.subarray(from, p))
    from = p
  }
  out.push(buf.subarray(from))
  return out
}

function ours(f: () => void): void {
  try {
    f()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
  }
}

describe('RTMP fuzzing', () => {
  it('(a) random and mutated chunk streams throw only RtspkitError', () => {
    const vectors = Buffer.concat(CHUNK_VECTORS.map((v) => v.bytes))
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((muts) => {
            const b = Buffer.from(vectors)
            for (const [at, v] of muts) b[at % b.length] = v
            return b
          }),
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (bytes, splits) => {
          const r = new ChunkReader(() => undefined, LIMITS)
          ours(() => {
            for (const c of cut(bytes, splits)) r.push(c)
          })
        },
      ),
      { numRuns: 500 },
    )
  })

  it('(b) written messages read back the same at any chunk size and split', () => {
    const message = fc.record({
      chunkStreamId: fc.integer({ min: 3, max: 65599 }),
      timestamp: fc.oneof(fc.integer({ min: 0, max: 0xfffffe }), fc.integer({ min: 0xffffff, max: 0xffffffff })),
      typeId: fc.constantFrom(8, 9, 18, 20),
      messageStreamId: fc.integer({ min: 0, max: 5 }),
      payload: fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)),
    })
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 6 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (messages, size, splits) => {
          const w = new ChunkWriter()
          const bytes = [...w.write(setChunkSizeMessage(size))]
          w.setChunkSize(size)
          for (const m of messages) bytes.push(...w.write(m))
          const got: RtmpMessage[] = readAll(cut(Buffer.concat(bytes), splits), { maxOpenStreams: 1000 }).slice(1)
          assert.deepEqual(
            got,
            messages.map((m) => ({ ...m })),
          )
        },
      ),
      { numRuns: 300 },
    )
  })

  it('(c) AMF0: random bytes throw only our errors; encode → decode → encode is stable', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (a) => ours(() => decodeAmf0(Buffer.from(a)))),
      { numRuns: 1000 },
    )
    const { value } = fc.letrec<{ value: Amf0Value }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.double({ noNaN: true }),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }).map((d) => amf0Object(d)),
      ),
    }))
    fc.assert(
      fc.property(fc.array(value, { maxLength: 4 }), (values) => {
        const once = encodeAmf0(...values)
        assert.ok(encodeAmf0(...decodeAmf0(once)).equals(once))
      }),
      { numRuns: 300 },
    )
  })

  it('(d) FLV tags: random bodies throw only our errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (a) => {
        ours(() => parseVideoTag(Buffer.from(a)))
        ours(() => parseAudioTag(Buffer.from(a)))
      }),
      { numRuns: 1000 },
    )
  })

  it('(e) Adobe connect queries: random ones throw only our errors; well-formed ones read back', () => {
    const valid = 'authmod=adobe&user=alice&challenge=1a2b3c4d&response=W5QSUm3lrPqSp9osuk/EWA==&opaque=b3BhcXVl'
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({
            unit: fc.constantFrom('a', '=', '&', '%', '+', '/', 'authmod', 'adobe', 'user', 'response', 'challenge', '2'),
            maxLength: 40,
          }),
          fc.array(fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })), { maxLength: 6 }).map((muts) => {
            const chars = [...valid]
            for (const [at, c] of muts) chars[at % chars.length] = c
            return chars.join('')
          }),
        ),
        (query) => ours(() => parseAdobeQuery(query)),
      ),
      { numRuns: 2000 },
    )
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._~@-]{1,64}$/),
        token,
        token,
        fc.string({ maxLength: 30 }),
        fc.boolean(),
        (user, clientChallenge, opaque, password, withOpaque) => {
          const response = adobeResponse({ user, salt: 'salt', password, serverChallenge: opaque, clientChallenge })
          const query = `authmod=adobe&user=${user}&challenge=${clientChallenge}&response=${response}${withOpaque ? `&opaque=${opaque}` : ''}`
          assert.deepEqual(parseAdobeQuery(query), {
            kind: 'response',
            user,
            clientChallenge,
            response,
            ...(withOpaque ? { opaque } : {}),
          })
          assert.deepEqual(parseAdobeQuery(`authmod=adobe&user=${user}`), { kind: 'start', user })
        },
      ),
      { numRuns: 500 },
    )
  })
})
