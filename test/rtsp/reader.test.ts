import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LimitError, ParseError, RtspkitError } from '../../src/errors.js'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import { DEFAULT_READER_LIMITS, RtspReader, type RtspReadEvent } from '../../src/rtsp/reader.js'
import { hex, splits } from '../helpers/split.js'
import { readAll, REQUEST_VECTORS, RESPONSE_VECTORS, toPlain, type PlainEvent } from './vectors.js'

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8')

/** Every two-way split and the one-byte-at-a-time feed give exactly `expected`. */
function assertAllSplits(stream: Buffer, expected: PlainEvent[]): void {
  assert.deepEqual(readAll([stream]), expected, 'whole')
  for (const parts of splits(stream)) {
    assert.deepEqual(readAll(parts), expected, `split into ${parts.map((p) => p.length).join('+')}`)
  }
}

function catchError(fn: () => unknown): RtspkitError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof RtspkitError, `expected an RtspkitError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a throw')
}

/** RTP packet: V=2, PT=96, seq=1, ts=0x01020304, ssrc=0x0A1B2C3D, payload DEADBEEF. */
const RTP_PACKET = hex('80 60 0001 | 01020304 | 0A1B2C3D | DEADBEEF')
/** RTCP receiver report with no blocks: V=2 RC=0, PT=201, length=1, SSRC. */
const RTCP_RR = hex('80 c9 0001 | 0A1B2C3D')
const frame = (channel: number, payload: Buffer): Buffer =>
  Buffer.concat([hex(`24 ${channel.toString(16).padStart(2, '0')}`), hex(payload.length.toString(16).padStart(4, '0')), payload])

describe('RtspReader: client vectors', () => {
  for (const v of [...REQUEST_VECTORS, ...RESPONSE_VECTORS]) {
    it(`${v.name} — whole, every split, byte by byte`, () => {
      assertAllSplits(bytes(v.raw), [v.expected])
    })
  }

  it('Content-Length in the body vectors matches the body', () => {
    for (const v of [...REQUEST_VECTORS, ...RESPONSE_VECTORS]) {
      const cl = v.expected.kind === 'interleaved' ? undefined : v.expected.headers.find(([n]) => n.toLowerCase() === 'content-length')
      const body = v.expected.kind === 'interleaved' ? '' : v.expected.body
      assert.equal(Number(cl?.[1] ?? 0), Buffer.byteLength(body, 'latin1'), v.name)
    }
  })

  it('the LF-only teaching-client SETUP carries a usable Transport', () => {
    const [ev] = new RtspReader().push(bytes('SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000\n\n'))
    assert.equal(ev?.kind, 'request')
    const request = ev.request
    assert.equal(request.uri, 'movie.Mjpeg')
    assert.equal(request.headers.get('cseq'), '1')
    const [t] = parseTransport(request.headers.get('transport')!)
    assert.equal(t?.protocol, 'RTP/UDP')
    assert.equal(t?.lowerTransport, 'UDP')
    assert.deepEqual(t?.clientPort, [25000, 25001])
  })

  it('method tokens are case-sensitive and kept as sent', () => {
    const [ev] = readAll([bytes('options rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\n\r\n')])
    assert.equal(ev?.kind === 'request' && ev.method, 'options')
  })

  it('tolerates runs of spaces in the start line and before the colon', () => {
    const [ev] = readAll([bytes('PLAY  rtsp://h/a   RTSP/1.0\r\nCSeq : 2\r\n\r\n')])
    assert.deepEqual(ev, { kind: 'request', method: 'PLAY', uri: 'rtsp://h/a', version: 'RTSP/1.0', headers: [['CSeq', '2']], body: '' })
  })
})

describe('RtspReader: streams', () => {
  it('pipelined requests in one chunk', () => {
    const stream = bytes(REQUEST_VECTORS.map((v) => v.raw).join(''))
    assert.deepEqual(
      readAll([stream]),
      REQUEST_VECTORS.map((v) => v.expected),
    )
  })

  it('pipelined responses in one chunk', () => {
    const stream = bytes(RESPONSE_VECTORS.map((v) => v.raw).join(''))
    assert.deepEqual(
      readAll([stream]),
      RESPONSE_VECTORS.map((v) => v.expected),
    )
  })

  const [opts, , , , play, getParam] = REQUEST_VECTORS
  const setParam = REQUEST_VECTORS.find((v) => v.name.startsWith('SET_PARAMETER'))!

  it("'$' frames between requests, split at every byte", () => {
    const stream = Buffer.concat([
      bytes(opts!.raw),
      frame(0, RTP_PACKET),
      frame(1, RTCP_RR),
      bytes(setParam.raw),
      frame(2, RTP_PACKET),
      bytes(getParam!.raw),
    ])
    assertAllSplits(stream, [
      opts!.expected,
      { kind: 'interleaved', channel: 0, payload: RTP_PACKET.toString('hex') },
      { kind: 'interleaved', channel: 1, payload: RTCP_RR.toString('hex') },
      setParam.expected,
      { kind: 'interleaved', channel: 2, payload: RTP_PACKET.toString('hex') },
      getParam!.expected,
    ])
  })

  it('an empty interleaved frame and a frame on channel 255', () => {
    assertAllSplits(Buffer.concat([frame(0, Buffer.alloc(0)), frame(255, RTP_PACKET)]), [
      { kind: 'interleaved', channel: 0, payload: '' },
      { kind: 'interleaved', channel: 255, payload: RTP_PACKET.toString('hex') },
    ])
  })

  it('a 65535-byte interleaved frame across many chunks', () => {
    const payload = Buffer.alloc(0xffff, 0xab)
    const stream = frame(3, payload)
    const reader = new RtspReader()
    const events: RtspReadEvent[] = []
    for (let i = 0; i < stream.length; i += 1000) events.push(...reader.push(stream.subarray(i, i + 1000)))
    assert.equal(events.length, 1)
    assert.deepEqual(events[0], { kind: 'interleaved', channel: 3, payload })
  })

  it('leading empty lines and keep-alive CRLFs between messages are skipped', () => {
    const stream = bytes(`\r\n\r\n${opts!.raw}\r\n\n${play!.raw}\r\n`)
    assertAllSplits(stream, [opts!.expected, play!.expected])
  })

  it('interleaved payloads and bodies are views of the pushed chunk when they lie in one chunk', () => {
    const chunk = Buffer.concat([frame(0, RTP_PACKET), bytes(setParam.raw)])
    const [rtp, req] = new RtspReader().push(chunk)
    assert.ok(rtp?.kind === 'interleaved' && req?.kind === 'request')
    assert.equal(rtp.payload.buffer, chunk.buffer)
    assert.equal(rtp.payload.byteOffset, chunk.byteOffset + 4)
    assert.equal(req.request.body.buffer, chunk.buffer)
    assert.equal(req.request.body.toString(), 'barparam: barstuff\r\n')
  })

  it('a request arriving with a frame still incomplete yields nothing yet', () => {
    const reader = new RtspReader()
    const f = frame(0, RTP_PACKET)
    assert.deepEqual(reader.push(f.subarray(0, 5)), [])
    assert.equal(reader.bufferedBytes, 1)
    assert.equal(reader.push(f.subarray(5)).length, 1)
    assert.equal(reader.bufferedBytes, 0)
  })

  it('a body that is only partly in is held until complete', () => {
    const reader = new RtspReader()
    const raw = bytes(setParam.raw)
    assert.deepEqual(reader.push(raw.subarray(0, raw.length - 1)), [])
    const events = reader.push(raw.subarray(raw.length - 1))
    assert.deepEqual(events.map(toPlain), [setParam.expected])
  })
})

describe('RtspReader: malformed input', () => {
  const cases: [string, string][] = [
    ['no spaces at all', 'GARBAGE\r\n\r\n'],
    ['only two start-line parts', 'OPTIONS rtsp://h/\r\n\r\n'],
    ['spaces inside the URI', 'SETUP rtsp://h/my cam RTSP/1.0\r\n\r\n'],
    ['non-token method', 'OPT(ONS rtsp://h/ RTSP/1.0\r\n\r\n'],
    ['bad version', 'OPTIONS rtsp://h/ RTSP/one\r\n\r\n'],
    ['non-numeric status', 'RTSP/1.0 abc OK\r\n\r\n'],
    ['two-digit status', 'RTSP/1.0 20 OK\r\n\r\n'],
    ['status line with no status', 'RTSP/1.0\r\n\r\n'],
    ['NUL in the start line', 'OPTIONS rtsp://h/\0 RTSP/1.0\r\n\r\n'],
    ['header without colon', 'OPTIONS * RTSP/1.0\r\nCSeq 1\r\n\r\n'],
    ['header with empty name', 'OPTIONS * RTSP/1.0\r\n: 1\r\n\r\n'],
    ['header name with a space inside', 'OPTIONS * RTSP/1.0\r\nC Seq: 1\r\n\r\n'],
    ['folded header', 'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Long: a\r\n b\r\n\r\n'],
    ['control byte in a header value', 'OPTIONS * RTSP/1.0\r\nCSeq: 1\x01\r\n\r\n'],
  ]
  for (const [name, raw] of cases) {
    it(`${name} → ParseError ERR_RTSP_MALFORMED, at every split`, () => {
      const whole = catchError(() => readAll([bytes(raw)]))
      assert.ok(whole instanceof ParseError)
      assert.equal(whole.code, 'ERR_RTSP_MALFORMED')
      assert.ok(typeof whole.details.observed === 'string')
      assert.ok(whole.details.allowed !== undefined)
      for (const parts of splits(bytes(raw))) {
        const err = catchError(() => readAll(parts))
        assert.equal(err.code, whole.code)
        assert.equal(err.message, whole.message)
      }
    })
  }

  it('binary junk fails on its first byte, without waiting for a line end', () => {
    const err = catchError(() => new RtspReader().push(hex('80 60 00 01')))
    assert.ok(err instanceof ParseError)
    assert.equal(err.details.observed, '0x80')
  })

  const clCases: [string, string][] = [
    ['non-numeric', 'abc'],
    ['negative', '-1'],
    ['with a sign', '+5'],
    ['fractional', '1.5'],
  ]
  for (const [name, cl] of clCases) {
    it(`Content-Length ${name} → ParseError with details.cseq`, () => {
      const err = catchError(() =>
        new RtspReader().push(bytes(`ANNOUNCE rtsp://h/a RTSP/1.0\r\nCSeq: 42\r\nContent-Length: ${cl}\r\n\r\n`)),
      )
      assert.ok(err instanceof ParseError)
      assert.equal(err.code, 'ERR_RTSP_MALFORMED')
      assert.equal(err.details.cseq, '42')
      assert.equal(err.details.part, 'content-length')
    })
  }

  it('conflicting Content-Length fields → ParseError; agreeing duplicates are fine', () => {
    const err = catchError(() =>
      new RtspReader().push(bytes('ANNOUNCE rtsp://h/a RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc')),
    )
    assert.equal(err.code, 'ERR_RTSP_MALFORMED')
    assert.equal(err.details.cseq, '3')
    const [ev] = readAll([bytes('ANNOUNCE rtsp://h/a RTSP/1.0\r\nCSeq: 3\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc')])
    assert.equal(ev?.kind === 'request' && ev.body, 'abc')
  })

  it('a bad header after CSeq carries details.cseq', () => {
    const err = catchError(() => new RtspReader().push(bytes('SETUP rtsp://h/a RTSP/1.0\r\nCSeq: 7\r\nbroken\r\n\r\n')))
    assert.equal(err.details.cseq, '7')
  })

  it('after an error the reader stays failed and rethrows the same error', () => {
    const reader = new RtspReader()
    const first = catchError(() => reader.push(bytes('GARBAGE\r\n')))
    assert.ok(reader.failed)
    const again = catchError(() => reader.push(bytes(REQUEST_VECTORS[0]!.raw)))
    assert.equal(again, first)
    assert.equal(reader.bufferedBytes, 0)
  })

  it('push() loses events before an error in the same chunk; feed() delivers them first', () => {
    const stream = bytes(`${REQUEST_VECTORS[0]!.raw}GARBAGE\r\n`)
    assert.throws(() => new RtspReader().push(stream), ParseError)
    const seen: PlainEvent[] = []
    assert.throws(() => new RtspReader().feed(stream, (ev) => seen.push(toPlain(ev))), ParseError)
    assert.deepEqual(seen, [REQUEST_VECTORS[0]!.expected])
  })
})

describe('RtspReader: limits', () => {
  it('defaults', () => {
    assert.deepEqual(
      { ...DEFAULT_READER_LIMITS },
      { maxLineLength: 8192, maxHeaderCount: 64, maxHeaderBytes: 16384, maxBodyLength: 1024 * 1024 },
    )
    assert.deepEqual({ ...new RtspReader({ maxBodyLength: 10 }).limits }, { ...DEFAULT_READER_LIMITS, maxBodyLength: 10 })
  })

  it('a 1 MiB header line fails on the first 64 KiB chunk, without buffering the megabyte', () => {
    const reader = new RtspReader()
    const stream = Buffer.concat([bytes('OPTIONS * RTSP/1.0\r\nCSeq: 9\r\nX-Big: '), Buffer.alloc(1024 * 1024, 0x61), bytes('\r\n\r\n')])
    const CHUNK = 64 * 1024
    let pushed = 0
    const err = catchError(() => {
      for (let i = 0; i < stream.length; i += CHUNK) {
        pushed += 1
        reader.push(stream.subarray(i, i + CHUNK))
      }
    })
    assert.ok(err instanceof LimitError)
    assert.equal(err.code, 'ERR_RTSP_LINE_TOO_LONG')
    assert.equal(err.details.allowed, 8192)
    assert.equal(err.details.cseq, '9')
    assert.equal(pushed, 1)
    assert.equal(reader.bufferedBytes, 0)
  })

  it('a long start line fed byte by byte fails right after maxLineLength + 1 bytes', () => {
    const reader = new RtspReader({ maxLineLength: 32 })
    const line = bytes(`DESCRIBE rtsp://h/${'x'.repeat(100)} RTSP/1.0\r\n`)
    let fed = 0
    const err = catchError(() => {
      for (const b of line) {
        fed += 1
        reader.push(Buffer.of(b))
      }
    })
    assert.equal(err.code, 'ERR_RTSP_LINE_TOO_LONG')
    assert.equal(fed, 33)
  })

  it('a line of exactly maxLineLength is accepted with CRLF and with LF', () => {
    const header = `X-A: ${'a'.repeat(27)}` // 32 bytes
    for (const eol of ['\r\n', '\n']) {
      const raw = bytes(`OPTIONS * RTSP/1.0${eol}${header}${eol}${eol}`)
      for (const parts of splits(raw)) assert.equal(readAll(parts, { maxLineLength: 32 }).length, 1)
      const over = bytes(`OPTIONS * RTSP/1.0${eol}${header}a${eol}${eol}`)
      for (const parts of splits(over)) {
        assert.equal(catchError(() => readAll(parts, { maxLineLength: 32 })).code, 'ERR_RTSP_LINE_TOO_LONG')
      }
    }
  })

  it('too many headers', () => {
    const lines = Array.from({ length: 65 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')
    const err = catchError(() => new RtspReader().push(bytes(`OPTIONS * RTSP/1.0\r\nCSeq: 5\r\n${lines}\r\n`)))
    assert.ok(err instanceof LimitError)
    assert.equal(err.code, 'ERR_RTSP_TOO_MANY_HEADERS')
    assert.equal(err.details.observed, 65)
    assert.equal(err.details.allowed, 64)
    assert.equal(err.details.cseq, '5')
    // Exactly the limit is fine.
    assert.equal(
      readAll([bytes(`OPTIONS * RTSP/1.0\r\n${Array.from({ length: 64 }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}\r\n`)]).length,
      1,
    )
  })

  it('header section too large, raised while the header block is still arriving', () => {
    const reader = new RtspReader()
    reader.push(bytes('OPTIONS * RTSP/1.0\r\nCSeq: 6\r\n'))
    const line = bytes(`X-Pad: ${'p'.repeat(4000)}\r\n`)
    let pushed = 0
    const err = catchError(() => {
      for (;;) {
        pushed += 1
        reader.push(line)
      }
    })
    assert.ok(err instanceof LimitError)
    assert.equal(err.code, 'ERR_RTSP_HEADERS_TOO_LARGE')
    assert.equal(err.details.allowed, 16384)
    assert.equal(err.details.cseq, '6')
    assert.equal(pushed, 5) // 29 + 4 × 4009 = 16065 fits; the fifth line crosses 16384
  })

  it('header bytes counted on an incomplete line too', () => {
    const reader = new RtspReader({ maxHeaderBytes: 100, maxLineLength: 1000 })
    const err = catchError(() => reader.push(bytes(`OPTIONS * RTSP/1.0\r\nX-A: ${'a'.repeat(200)}`)))
    assert.equal(err.code, 'ERR_RTSP_HEADERS_TOO_LARGE')
  })

  it('body too large is raised at the end of the headers, before any body byte', () => {
    const reader = new RtspReader()
    const err = catchError(() =>
      reader.push(bytes(`ANNOUNCE rtsp://h/a RTSP/1.0\r\nCSeq: 8\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`)),
    )
    assert.ok(err instanceof LimitError)
    assert.equal(err.code, 'ERR_RTSP_BODY_TOO_LARGE')
    assert.equal(err.details.observed, '1048577')
    assert.equal(err.details.allowed, 1048576)
    assert.equal(err.details.cseq, '8')
    const huge = catchError(() =>
      new RtspReader().push(bytes('ANNOUNCE rtsp://h/a RTSP/1.0\r\nContent-Length: 99999999999999999999999\r\n\r\n')),
    )
    assert.equal(huge.code, 'ERR_RTSP_BODY_TOO_LARGE')
    // Exactly the limit is fine.
    const ok = readAll([bytes('ANNOUNCE rtsp://h/a RTSP/1.0\r\nContent-Length: 4\r\n\r\nabcd')], { maxBodyLength: 4 })
    assert.equal(ok.length, 1)
  })
})
