// RTSP over HTTP tunnelling, the pure parts: the GET/POST head, the first-bytes test, and base64
// that arrives split anywhere.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { LimitError, ParseError, RtspkitError } from '../../src/errors.js'
import { Base64StreamDecoder, looksLikeTunnel, parseTunnelHead, TUNNEL_HEAD_MAX } from '../../src/rtsp/http-tunnel.js'

const GET =
  'GET /cam HTTP/1.0\r\n' +
  'User-Agent: LIBAVFORMAT\r\n' + // ffmpeg's rtsp.c sends these three
  'x-sessioncookie: 3c3a2b1d0e9f8a7b\r\n' +
  'Accept: application/x-rtsp-tunnelled\r\n' +
  '\r\n'

describe('HTTP tunnel head', () => {
  it('tells a tunnel from RTSP by its first bytes, waiting when too few', () => {
    assert.equal(looksLikeTunnel(Buffer.from('GET /x HTTP/1.0')), true)
    assert.equal(looksLikeTunnel(Buffer.from('POST /x')), true)
    assert.equal(looksLikeTunnel(Buffer.from('GET_PARAMETER rtsp://x RTSP/1.0')), false)
    assert.equal(looksLikeTunnel(Buffer.from('OPTIONS * RTSP/1.0')), false)
    assert.equal(looksLikeTunnel(Buffer.from('PLAY')), false)
    assert.equal(looksLikeTunnel(Buffer.from('GE')), undefined)
    assert.equal(looksLikeTunnel(Buffer.from('POS')), undefined)
    assert.equal(looksLikeTunnel(Buffer.from('')), undefined)
  })

  it('parses a GET and a POST with the bytes that follow', () => {
    const get = parseTunnelHead(Buffer.from(GET))!
    assert.equal(get.method, 'GET')
    assert.equal(get.target, '/cam')
    assert.equal(get.cookie, '3c3a2b1d0e9f8a7b')
    assert.equal(get.length, GET.length)
    const post = Buffer.from('POST /cam HTTP/1.0\r\nx-sessioncookie: abc\r\nContent-Length: 32767\r\n\r\nT1BUSU9OUw==')
    const p = parseTunnelHead(post)!
    assert.equal(p.method, 'POST')
    assert.equal(post.subarray(p.length).toString(), 'T1BUSU9OUw==')
    assert.equal(p.headers.get('content-length'), '32767')
  })

  it('waits for the blank line, at every split point', () => {
    for (let i = 0; i < GET.length - 1; i++) assert.equal(parseTunnelHead(Buffer.from(GET.slice(0, i))), undefined)
  })

  it('refuses bad heads with typed errors', () => {
    assert.throws(() => parseTunnelHead(Buffer.from('GET /x HTTP/2\r\n\r\n')), ParseError)
    assert.throws(() => parseTunnelHead(Buffer.from('PUT /x HTTP/1.0\r\n\r\n')), ParseError)
    assert.throws(() => parseTunnelHead(Buffer.from('GET /x HTTP/1.0\r\nno colon\r\n\r\n')), ParseError)
    assert.throws(() => parseTunnelHead(Buffer.from('GET /x HTTP/1.0\r\nx-sessioncookie: a b\r\n\r\n')), ParseError)
    assert.throws(() => parseTunnelHead(Buffer.from(`GET /x HTTP/1.0\r\nx-sessioncookie: ${'a'.repeat(200)}\r\n\r\n`)), ParseError)
    assert.throws(() => parseTunnelHead(Buffer.alloc(TUNNEL_HEAD_MAX + 1, 0x41)), LimitError)
  })

  it('never throws anything but our errors (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, prefix) => {
        const b = Buffer.concat([Buffer.from(prefix ? 'GET / HTTP/1.0\r\n' : ''), Buffer.from(bytes)])
        try {
          parseTunnelHead(b)
        } catch (err) {
          assert.ok(err instanceof RtspkitError, String(err))
        }
      }),
    )
  })
})

describe('Base64StreamDecoder', () => {
  it('decodes ffmpeg-style per-request runs, padding between them', () => {
    const a = Buffer.from('OPTIONS rtsp://h/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n')
    const b = Buffer.from('DESCRIBE rtsp://h/cam RTSP/1.0\r\nCSeq: 2\r\n\r\n')
    const text = a.toString('base64') + b.toString('base64')
    const d = new Base64StreamDecoder()
    assert.deepEqual(d.decode(Buffer.from(text)), Buffer.concat([a, b]))
  })

  it('gives the same bytes however the text is split (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 60 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (runs, cuts) => {
          const text = Buffer.from(runs.map((r) => Buffer.from(r).toString('base64')).join('\r\n'))
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((x, y) => x - y)
          const d = new Base64StreamDecoder()
          const out: Buffer[] = []
          let at = 0
          for (const p of [...points, text.length]) {
            out.push(d.decode(text.subarray(at, p)))
            at = p
          }
          assert.deepEqual(Buffer.concat(out), Buffer.concat(runs.map((r) => Buffer.from(r))))
        },
      ),
    )
  })

  it('refuses garbage with ParseError and stays failed', () => {
    const d = new Base64StreamDecoder()
    assert.throws(() => d.decode(Buffer.from('QUJD!!!!')), ParseError)
    assert.throws(() => d.decode(Buffer.from('QUJD')), ParseError)
    assert.throws(() => new Base64StreamDecoder().decode(Buffer.from('Q===')), ParseError)
    assert.throws(() => new Base64StreamDecoder().decode(Buffer.from('QQ=Q')), ParseError)
  })
})
