// Messages without their empty line, as the RTSP/RTP teaching project's Client.py and Server.py send them.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../src/errors.js'
import { RtspReader, type RtspReadEvent } from '../../src/rtsp/reader.js'

const TEACHING_SETUP = 'SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000'
const TEACHING_REPLY = 'RTSP/1.0 200 OK\nCSeq: 1\nSession: 123456'

function fed(text: string): { reader: RtspReader; events: RtspReadEvent[] } {
  const reader = new RtspReader()
  return { reader, events: reader.push(Buffer.from(text, 'latin1')) }
}

describe('RtspReader: messages without their empty line', () => {
  it('the teaching client SETUP (no LF after its last line) is a request once flushed', () => {
    const { reader, events } = fed(TEACHING_SETUP)
    assert.deepEqual(events, [], 'not complete by its bytes alone')
    assert.equal(reader.canFlushUnterminated, true)
    const ev = reader.flushUnterminated()
    assert.equal(ev?.kind, 'request')
    const req = ev.kind === 'request' ? ev.request : undefined
    assert.equal(req?.method, 'SETUP')
    assert.equal(req?.uri, 'movie.Mjpeg')
    assert.equal(req?.headers.get('CSeq'), '1')
    assert.equal(req?.headers.get('Transport'), 'RTP/UDP; client_port= 25000')
    assert.equal(reader.lastMessageLfOnly, true)
    assert.equal(reader.bufferedBytes, 0)
    assert.equal(reader.canFlushUnterminated, false, 'nothing under way any more')
    const next = reader.push(Buffer.from('PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 123456'))
    assert.deepEqual(next, [])
    assert.equal((reader.flushUnterminated() as { request: { method: string } }).request.method, 'PLAY')
  })

  it('the teaching server reply is a response with CSeq and an integer Session', () => {
    const { reader } = fed(TEACHING_REPLY)
    const ev = reader.flushUnterminated()
    assert.equal(ev?.kind, 'response')
    const res = ev.kind === 'response' ? ev.response : undefined
    assert.deepEqual([res?.statusCode, res?.headers.get('CSeq'), res?.headers.get('Session')], [200, '1', '123456'])
  })

  it('split at every byte: flushable only once the CSeq is there, and then always the same request', () => {
    const bytes = Buffer.from(TEACHING_SETUP)
    const cseqEnd = TEACHING_SETUP.indexOf('CSeq: 1') + 'CSeq: 1'.length
    for (let cut = 1; cut <= bytes.length; cut++) {
      const reader = new RtspReader()
      assert.deepEqual(reader.push(bytes.subarray(0, cut)), [])
      assert.equal(reader.canFlushUnterminated, cut >= cseqEnd, `cut at ${cut}`)
      if (cut < bytes.length) assert.deepEqual(reader.push(bytes.subarray(cut)), [])
      const ev = reader.flushUnterminated()
      assert.equal(ev?.kind === 'request' && ev.request.headers.get('Transport'), 'RTP/UDP; client_port= 25000', `cut at ${cut}`)
    }
  })

  it('a message ending in one LF (some forks) and a CRLF one with a bare file name (the Java version) flush too', () => {
    const lf = fed('PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 5\n').reader
    assert.equal(lf.flushUnterminated()?.kind, 'request')
    const java = fed('SETUP movie.Mjpeg RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/UDP; client_port= 25000\r\n').reader
    const ev = java.flushUnterminated()
    assert.equal(ev?.kind === 'request' && ev.request.headers.get('Transport'), 'RTP/UDP; client_port= 25000')
    assert.equal(java.lastMessageLfOnly, false)
  })

  it('standard messages cut short never qualify: CRLF with an absolute URI, no CSeq yet, a body, OPTIONS *', () => {
    for (const text of [
      'DESCRIBE rtsp://h/cam RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n',
      'RTSP/1.0 200 OK\r\nCSeq: 2\r\nSession: 1\r\n',
      'SETUP movie.Mjpeg RTSP/1.0\nTransport: RTP/UDP; client_port= 25000\n',
      'ANNOUNCE movie.Mjpeg RTSP/1.0\nCSeq: 3\nContent-Length: 10\n',
      'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n',
      'SETUP movie.Mjpeg RTSP/1.0',
    ]) {
      const { reader } = fed(text)
      assert.equal(reader.canFlushUnterminated, false, JSON.stringify(text))
      assert.equal(reader.flushUnterminated(), undefined)
      assert.equal(reader.failed, false)
    }
  })

  it('a bad last line is a ParseError and the reader stays failed', () => {
    const { reader } = fed('PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession 123456')
    assert.throws(
      () => reader.flushUnterminated(),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTSP_MALFORMED',
    )
    assert.equal(reader.failed, true)
    assert.throws(() => reader.push(Buffer.from('\n')), ParseError)
  })
})
