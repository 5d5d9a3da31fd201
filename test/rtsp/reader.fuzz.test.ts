/**
 * fast-check properties for the RTSP message layer:
 *  (a) random bytes and random mutations of real requests, fed in random splits, only ever throw
 *      RtspkitError subclasses (and the header parsers likewise on random strings);
 *  (b) serialize → read → serialize is stable for generated requests and responses;
 *  (c) any split of a valid stream of messages and '$' frames gives the same events as one chunk.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../src/errors.js'
import { RtspHeaders } from '../../src/rtsp/headers.js'
import { parseRange, formatRange } from '../../src/rtsp/headers/range.js'
import { formatRtpInfo, parseRtpInfo } from '../../src/rtsp/headers/rtp-info.js'
import { formatSession, parseSession } from '../../src/rtsp/headers/session.js'
import { formatTransport, parseTransport } from '../../src/rtsp/headers/transport.js'
import { serializeInterleaved, serializeRequest, serializeResponse, type RtspRequest, type RtspResponse } from '../../src/rtsp/message.js'
import { RtspReader } from '../../src/rtsp/reader.js'
import { parseRtspUrl, stripCredentials } from '../../src/rtsp/url.js'
import { readAll, REQUEST_VECTORS, RESPONSE_VECTORS, toPlain, type PlainEvent } from './vectors.js'

/** Small limits so the fuzzer reaches the limit paths too. */
const FUZZ_LIMITS = { maxLineLength: 200, maxHeaderCount: 8, maxHeaderBytes: 600, maxBodyLength: 300 }

/** Cuts `buf` at the given (sorted, deduplicated) offsets. */
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

/** Feeds the chunks; any throw must be one of ours. Returns the events or the error code. */
function feedExpectingOurErrors(chunks: Buffer[], limits = FUZZ_LIMITS): PlainEvent[] | string {
  const reader = new RtspReader(limits)
  const events: PlainEvent[] = []
  try {
    for (const c of chunks) for (const ev of reader.push(c)) events.push(toPlain(ev))
    return events
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    assert.equal(typeof err.code, 'string')
    // Stays failed with the same error.
    assert.throws(
      () => reader.push(Buffer.from('OPTIONS * RTSP/1.0\r\n\r\n')),
      (again: unknown) => again === err,
    )
    return err.code
  }
}

const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const token = (maxLength = 12) => fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength })
const uri = fc.oneof(
  fc.constant('*'),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 }),
  fc
    .webUrl()
    .map((u) => u.replace(/^https?:/, 'rtsp:'))
    .filter((u) => !/\s/.test(u)),
)
/** Header values as the reader returns them: no control characters, no surrounding SP/HTAB. */
const headerValue = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '').trim())
const headerList = fc
  .array(fc.tuple(token(16), headerValue), { maxLength: 6 })
  .map((hs) => hs.filter(([n]) => n.toLowerCase() !== 'content-length'))
const body = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
)

const requestArb: fc.Arbitrary<RtspRequest> = fc
  .record({
    method: token().filter((m) => !m.startsWith('$')), // '$' at a message start means an interleaved frame
    uri,
    version: fc.constantFrom('RTSP/1.0', 'RTSP/2.0', 'HTTP/1.1'),
    cseq: fc.option(fc.nat().map(String), { nil: undefined }),
    headers: headerList,
    body,
  })
  .map(({ cseq, headers, ...rest }) => ({
    ...rest,
    headers: new RtspHeaders(cseq === undefined ? headers : [...headers, ['CSeq', cseq] as [string, string]]),
  }))

const responseArb: fc.Arbitrary<RtspResponse> = fc.record({
  version: fc.constant('RTSP/1.0'),
  statusCode: fc.integer({ min: 100, max: 999 }),
  reason: headerValue,
  headers: headerList.map((h) => new RtspHeaders(h)),
  body,
})

type StreamItem =
  | { kind: 'request'; msg: RtspRequest }
  | { kind: 'response'; msg: RtspResponse }
  | { kind: 'frame'; channel: number; payload: Buffer }
  | { kind: 'blank'; eol: string }

const itemArb: fc.Arbitrary<StreamItem> = fc.oneof(
  requestArb.map((msg) => ({ kind: 'request' as const, msg })),
  responseArb.map((msg) => ({ kind: 'response' as const, msg })),
  fc
    .record({ channel: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 80 }) })
    .map(({ channel, payload }) => ({ kind: 'frame' as const, channel, payload: Buffer.from(payload) })),
  fc.constantFrom('\r\n', '\n').map((eol) => ({ kind: 'blank' as const, eol })),
)

function encode(item: StreamItem): Buffer {
  switch (item.kind) {
    case 'request':
      return serializeRequest(item.msg)
    case 'response':
      return serializeResponse(item.msg)
    case 'frame':
      return serializeInterleaved(item.channel, item.payload)
    case 'blank':
      return Buffer.from(item.eol)
  }
}

describe('fuzz: only RtspkitError escapes', () => {
  it('random bytes in random splits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, offsets) => {
        feedExpectingOurErrors(cut(Buffer.from(bytes), offsets))
      }),
      { numRuns: 500 },
    )
  })

  it('random printable text (closer to the grammar) in random splits', () => {
    const line = fc.string({
      unit: fc.constantFrom(...'OPTIONS RTSP/1.0 CSeq: 1 Content-Length: 5 $\r\n\t:-0129ab'.split('')),
      maxLength: 300,
    })
    fc.assert(
      fc.property(line, fc.array(fc.nat(), { maxLength: 6 }), (text, offsets) => {
        feedExpectingOurErrors(cut(Buffer.from(text), offsets))
      }),
      { numRuns: 500 },
    )
  })

  it('random mutations of real client messages', () => {
    const vectors = [...REQUEST_VECTORS, ...RESPONSE_VECTORS].map((v) => Buffer.from(v.raw))
    const mutation = fc.record({
      op: fc.constantFrom('flip', 'insert', 'delete', 'set'),
      at: fc.nat(),
      byte: fc.constantFrom(0x00, 0x0a, 0x0d, 0x20, 0x24, 0x3a, 0x2d, 0x30, 0x39, 0x7f, 0x80, 0xff),
    })
    fc.assert(
      fc.property(
        fc.constantFrom(...vectors),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (raw, muts, offsets) => {
          const bytes = [...raw]
          for (const { op, at, byte } of muts) {
            const i = at % (bytes.length + 1)
            if (op === 'insert') bytes.splice(i, 0, byte)
            else if (op === 'delete') bytes.splice(i, 1)
            else if (i < bytes.length) bytes[i] = op === 'flip' ? bytes[i]! ^ (1 << (byte % 8)) : byte
          }
          // Twice, so the mutated message is followed by a second copy and a clean request.
          const stream = Buffer.concat([Buffer.from(bytes), Buffer.from(bytes), Buffer.from(REQUEST_VECTORS[0]!.raw)])
          const whole = feedExpectingOurErrors([stream], { ...FUZZ_LIMITS, maxBodyLength: 1024 })
          const split = feedExpectingOurErrors(cut(stream, offsets), { ...FUZZ_LIMITS, maxBodyLength: 1024 })
          // How the stream is cut never changes the outcome.
          if (typeof whole === 'string') assert.equal(split, whole)
          else assert.deepEqual(split, whole)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('header parsers on random strings', () => {
    const parsers: ((s: string) => unknown)[] = [parseTransport, parseSession, parseRtpInfo, parseRange, parseRtspUrl]
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        for (const parse of parsers) {
          try {
            parse(s)
          } catch (err) {
            if (!(err instanceof RtspkitError)) throw err
          }
        }
        assert.equal(typeof stripCredentials(s), 'string')
      }),
      { numRuns: 1000 },
    )
  })
})

describe('properties: serialize → read → serialize', () => {
  it('requests', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        const once = serializeRequest(req)
        const [ev, ...more] = new RtspReader().push(once)
        assert.equal(more.length, 0)
        assert.ok(ev?.kind === 'request')
        assert.deepEqual(serializeRequest(ev.request), once)
        assert.equal(ev.request.method, req.method)
        assert.equal(ev.request.uri, req.uri)
        assert.deepEqual(ev.request.body, req.body)
        assert.equal(ev.request.headers.get('cseq'), req.headers.get('cseq'))
      }),
      { numRuns: 500 },
    )
  })

  it('responses', () => {
    fc.assert(
      fc.property(responseArb, (res) => {
        const once = serializeResponse(res)
        const [ev] = new RtspReader().push(once)
        assert.ok(ev?.kind === 'response')
        assert.deepEqual(serializeResponse(ev.response), once)
        assert.equal(ev.response.statusCode, res.statusCode)
        assert.equal(ev.response.reason, res.reason)
      }),
      { numRuns: 500 },
    )
  })
})

describe('property: any split of a valid stream gives the same events', () => {
  it('messages, frames and blank lines', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (items, offsets) => {
        const stream = Buffer.concat(items.map(encode))
        const whole = readAll([stream])
        assert.deepEqual(readAll(cut(stream, offsets)), whole)
        // And the events are the items, in order.
        const expected = items.filter((i) => i.kind !== 'blank')
        assert.equal(whole.length, expected.length)
        whole.forEach((ev, i) => {
          const item = expected[i]!
          assert.equal(ev.kind, item.kind === 'frame' ? 'interleaved' : item.kind)
          if (ev.kind === 'interleaved' && item.kind === 'frame') assert.equal(ev.payload, item.payload.toString('hex'))
          if (ev.kind === 'request' && item.kind === 'request') assert.equal(ev.uri, item.msg.uri)
          if (ev.kind === 'response' && item.kind === 'response') assert.equal(ev.statusCode, item.msg.statusCode)
          if ((ev.kind === 'request' || ev.kind === 'response') && (item.kind === 'request' || item.kind === 'response'))
            assert.equal(ev.body, item.msg.body.toString('latin1'))
        })
      }),
      { numRuns: 500 },
    )
  })

  it('one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 4 }), (items) => {
        const stream = Buffer.concat(items.map(encode))
        const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1))
        assert.deepEqual(readAll(bytes), readAll([stream]))
      }),
      { numRuns: 100 },
    )
  })
})

describe('properties: header format → parse', () => {
  const port = fc.integer({ min: 0, max: 65535 })
  const portPair = fc.tuple(port, port)
  it('Transport', () => {
    const specArb = fc.record(
      {
        protocol: fc.constantFrom('RTP/AVP', 'RTP/AVP/UDP', 'RTP/AVP/TCP', 'RTP/SAVP', 'RTP/AVPF/TCP'),
        delivery: fc.constantFrom('unicast' as const, 'multicast' as const),
        clientPort: portPair,
        serverPort: portPair,
        interleaved: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
        ttl: fc.integer({ min: 0, max: 255 }),
        ssrc: fc.integer({ min: 0, max: 0xffffffff }),
        mode: fc.constantFrom('PLAY', 'RECORD', 'play'),
        destination: fc.ipV4(),
      },
      { requiredKeys: ['protocol'] },
    )
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 3 }), (specs) => {
        const text = specs.map((s) => formatTransport(s)).join(',')
        const parsed = parseTransport(text)
        assert.equal(parsed.length, specs.length)
        parsed.forEach((p, i) => {
          const { params: _params, profile: _profile, lowerTransport: _lower, ...typed } = p
          assert.deepEqual(typed, { ...specs[i] })
        })
        assert.equal(parsed.map(formatTransport).join(','), text)
      }),
    )
  })

  it('Session', () => {
    const id = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef$-_.+'), minLength: 1, maxLength: 24 })
    fc.assert(
      fc.property(id, fc.option(fc.nat(), { nil: undefined }), (sid, timeout) => {
        const parsed = parseSession(formatSession(sid, timeout))
        assert.deepEqual(parsed, timeout === undefined ? { id: sid } : { id: sid, timeout })
      }),
    )
  })

  it('RTP-Info', () => {
    const entry = fc.record(
      {
        url: fc
          .webUrl()
          .map((u) => u.replace(/^https?:/, 'rtsp:'))
          .filter((u) => !/[;,\s"]/.test(u)),
        seq: fc.integer({ min: 0, max: 0xffff }),
        rtptime: fc.integer({ min: 0, max: 0xffffffff }),
        ssrc: fc.integer({ min: 0, max: 0xffffffff }),
      },
      { requiredKeys: ['url'] },
    )
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), (entries) => {
        assert.deepEqual(
          parseRtpInfo(formatRtpInfo(entries)),
          entries.map((e) => ({ ...e })),
        )
      }),
    )
  })

  it('Range (npt)', () => {
    const t = fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 86400 }), fc.constant('now'))
    fc.assert(
      fc.property(fc.option(t, { nil: undefined }), fc.option(t, { nil: undefined }), (start, end) => {
        fc.pre(start !== undefined || end !== undefined)
        const spec = { unit: 'npt' as const, ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) }
        const norm = (v: number | string | undefined) => (v === undefined || typeof v === 'string' ? v : v + 0) // -0 → 0
        const parsed = parseRange(formatRange(spec))
        assert.equal(parsed.unit, 'npt')
        assert.equal(norm(parsed.start), norm(start))
        assert.equal(norm(parsed.end), norm(end))
      }),
    )
  })
})
