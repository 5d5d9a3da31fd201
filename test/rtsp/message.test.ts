import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LimitError, ParseError } from '../../src/errors.js'
import { RtspHeaders } from '../../src/rtsp/headers.js'
import {
  createResponse,
  interleavedHeader,
  serializeInterleaved,
  serializeRequest,
  serializeResponse,
  STATUS_REASONS,
  type RtspRequest,
} from '../../src/rtsp/message.js'
import { RtspReader } from '../../src/rtsp/reader.js'
import { hex } from '../helpers/split.js'
import { REQUEST_VECTORS, RESPONSE_VECTORS } from './vectors.js'

const text = (b: Buffer): string => b.toString('utf8')

describe('serializeResponse', () => {
  it('status line, then CSeq, then Session, then the rest in insertion order', () => {
    const headers = new RtspHeaders([
      ['Transport', 'RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=0A1B2C3D'],
      ['Session', '12345678;timeout=60'],
      ['Date', 'Wed, 08 Nov 2023 10:15:02 GMT'],
      ['CSeq', '3'],
    ])
    const out = serializeResponse({ version: 'RTSP/1.0', statusCode: 200, reason: 'OK', headers, body: Buffer.alloc(0) })
    assert.equal(
      text(out),
      'RTSP/1.0 200 OK\r\n' +
        'CSeq: 3\r\n' +
        'Session: 12345678;timeout=60\r\n' +
        'Transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=0A1B2C3D\r\n' +
        'Date: Wed, 08 Nov 2023 10:15:02 GMT\r\n' +
        '\r\n',
    )
  })

  it('Content-Length computed from the body, replacing a stale one, never duplicated', () => {
    const body = Buffer.from('v=0\r\n')
    const headers = new RtspHeaders({ 'Content-Length': '999', CSeq: '2', 'Content-Type': 'application/sdp', 'content-length': '1' })
    const out = serializeResponse({ version: 'RTSP/1.0', statusCode: 200, reason: 'OK', headers, body })
    assert.equal(text(out), 'RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n')
    // The caller's headers are not modified.
    assert.deepEqual(headers.getAll('content-length'), ['999', '1'])
  })

  it('no Content-Length for an empty body, even if the caller set one', () => {
    const headers = new RtspHeaders({ CSeq: '6', 'Content-Length': '0' })
    const out = serializeResponse({ version: 'RTSP/1.0', statusCode: 200, reason: 'OK', headers, body: Buffer.alloc(0) })
    assert.equal(text(out), 'RTSP/1.0 200 OK\r\nCSeq: 6\r\n\r\n')
  })

  it('multi-byte UTF-8 in headers and a binary body', () => {
    const body = hex('00 ff 0d 0a')
    const out = serializeResponse({
      version: 'RTSP/1.0',
      statusCode: 200,
      reason: 'OK',
      headers: new RtspHeaders({ CSeq: '1', 'X-Name': 'é' }),
      body,
    })
    assert.deepEqual(out, Buffer.concat([Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 1\r\nX-Name: é\r\nContent-Length: 4\r\n\r\n'), body]))
  })

  it('rejects what would inject lines', () => {
    const base = { version: 'RTSP/1.0', statusCode: 200, reason: 'OK', headers: new RtspHeaders(), body: Buffer.alloc(0) }
    assert.throws(() => serializeResponse({ ...base, reason: 'OK\r\nX-Evil: 1' }), ParseError)
    assert.throws(() => serializeResponse({ ...base, statusCode: 20 }), ParseError)
    assert.throws(() => serializeResponse({ ...base, statusCode: 200.5 }), ParseError)
    assert.throws(() => serializeResponse({ ...base, version: 'RTSP/1.0 ' }), ParseError)
  })

  it('createResponse: standard reason, CSeq first, extra headers, body', () => {
    const res = createResponse(454, { cseq: '9', headers: { Date: 'x' } })
    assert.equal(text(serializeResponse(res)), 'RTSP/1.0 454 Session Not Found\r\nCSeq: 9\r\nDate: x\r\n\r\n')
    assert.equal(createResponse(299).reason, '')
  })

  it('STATUS_REASONS has the codes the server uses', () => {
    const expected: Record<number, string> = {
      200: 'OK',
      400: 'Bad Request',
      401: 'Unauthorized',
      404: 'Not Found',
      405: 'Method Not Allowed',
      454: 'Session Not Found',
      455: 'Method Not Valid in This State',
      459: 'Aggregate Operation Not Allowed',
      460: 'Only Aggregate Operation Allowed',
      461: 'Unsupported Transport',
      500: 'Internal Server Error',
      501: 'Not Implemented',
      503: 'Service Unavailable',
      505: 'RTSP Version Not Supported',
    }
    for (const [code, reason] of Object.entries(expected)) assert.equal(STATUS_REASONS[Number(code)], reason)
  })
})

describe('serializeRequest', () => {
  it('exact bytes, CSeq first', () => {
    const req: RtspRequest = {
      method: 'SETUP',
      uri: 'rtsp://127.0.0.1:8554/live/trackID=0',
      version: 'RTSP/1.0',
      headers: new RtspHeaders([
        ['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1'],
        ['CSeq', '3'],
        ['User-Agent', 'rtspkit'],
      ]),
      body: Buffer.alloc(0),
    }
    assert.equal(
      text(serializeRequest(req)),
      'SETUP rtsp://127.0.0.1:8554/live/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nUser-Agent: rtspkit\r\n\r\n',
    )
  })

  it('SET_PARAMETER with a body', () => {
    const req: RtspRequest = {
      method: 'SET_PARAMETER',
      uri: 'rtsp://h/a',
      version: 'RTSP/1.0',
      headers: new RtspHeaders({ CSeq: '8', 'Content-Type': 'text/parameters' }),
      body: Buffer.from('barparam: barstuff\r\n'),
    }
    assert.equal(
      text(serializeRequest(req)),
      'SET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 8\r\nContent-Type: text/parameters\r\nContent-Length: 20\r\n\r\nbarparam: barstuff\r\n',
    )
  })

  it('rejects bad methods, URIs with spaces, bad versions', () => {
    const base: RtspRequest = { method: 'OPTIONS', uri: '*', version: 'RTSP/1.0', headers: new RtspHeaders(), body: Buffer.alloc(0) }
    for (const bad of [
      { method: 'OPT IONS' },
      { method: '' },
      { method: '$X' },
      { uri: 'rtsp://h/a b' },
      { uri: '' },
      { version: 'RTSP/1.0\r\n' },
    ]) {
      assert.throws(
        () => serializeRequest({ ...base, ...bad }),
        (err: unknown) => err instanceof ParseError && err.code === 'ERR_RTSP_INVALID_MESSAGE',
      )
    }
  })
})

describe('serialize ⇄ read round trip on the client vectors', () => {
  for (const v of [...REQUEST_VECTORS, ...RESPONSE_VECTORS]) {
    it(v.name, () => {
      const [first] = new RtspReader().push(Buffer.from(v.raw))
      assert.ok(first && first.kind !== 'interleaved')
      const once = first.kind === 'request' ? serializeRequest(first.request) : serializeResponse(first.response)
      const [second] = new RtspReader().push(once)
      assert.ok(second && second.kind === first.kind)
      const twice = second.kind === 'request' ? serializeRequest(second.request) : serializeResponse(second.response)
      assert.deepEqual(twice, once)
      // Same content: the body and every header except Content-Length, which is regenerated last.
      const withoutCl = (h: RtspHeaders) => [...h.entries()].filter(([n]) => n.toLowerCase() !== 'content-length')
      const a = first.kind === 'request' ? first.request : first.response
      const b = second.kind === 'request' ? second.request : second.response
      assert.deepEqual(b.body, a.body)
      assert.deepEqual(
        withoutCl(b.headers).sort(([x], [y]) => x.localeCompare(y)),
        withoutCl(a.headers).sort(([x], [y]) => x.localeCompare(y)),
      )
    })
  }
})

describe('interleaved frames', () => {
  it("serializeInterleaved: '$', channel, BE16 length, payload", () => {
    assert.deepEqual(
      serializeInterleaved(1, hex('80c90001 0a1b2c3d')),
      hex('24 | 01 | 0008 | 80c90001 0a1b2c3d'), // magic | channel 1 | length 8 | RTCP RR
    )
  })

  it('interleavedHeader is the same 4 bytes without the payload', () => {
    assert.deepEqual(interleavedHeader(0, 0x1234), hex('24 | 00 | 1234'))
    assert.deepEqual(interleavedHeader(255, 0xffff), hex('24 | ff | ffff'))
  })

  it('out-of-range channel or length → LimitError', () => {
    assert.throws(
      () => interleavedHeader(256, 1),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_RTSP_INTERLEAVED_CHANNEL',
    )
    assert.throws(() => interleavedHeader(-1, 1), LimitError)
    assert.throws(
      () => serializeInterleaved(0, Buffer.alloc(0x10000)),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_RTSP_INTERLEAVED_TOO_LARGE',
    )
  })
})
