import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTeachingSetup, TEACHING_CLIENT_RECV_SIZE, WholeJpegSender, type WholeJpegWarning } from '../../src/server/dialects/teaching.js'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import type { Clock } from '../../src/util/clock.js'

const clockAt = (wallMs: number): Clock => ({ wallMs: () => wallMs, monoMs: () => 0 })

describe('teaching dialect, server side', () => {
  it('is chosen by an RTP/UDP Transport, or by a bare file name sent LF-only without the empty line', () => {
    const teachingTransport = parseTransport('RTP/UDP; client_port= 25000')[0]!
    const standard = parseTransport('RTP/AVP;unicast;client_port=5000-5001')[0]!
    const plain = { lfOnly: false, unterminated: false }
    assert.equal(isTeachingSetup(teachingTransport, 'rtsp://h/movie.Mjpeg', plain), true)
    assert.equal(isTeachingSetup(standard, 'rtsp://h/movie.Mjpeg', plain), false)
    assert.equal(isTeachingSetup(standard, 'movie.Mjpeg', { lfOnly: true, unterminated: true }), true)
    assert.equal(
      isTeachingSetup(standard, 'movie.Mjpeg', { lfOnly: true, unterminated: false }),
      false,
      'old LF-only clients with a proper end stay standard',
    )
    assert.equal(isTeachingSetup(standard, 'rtsp://h/movie.Mjpeg', { lfOnly: true, unterminated: true }), false)
  })

  it('packets as ServerWorker.makeRtp writes them: 80 1a, frame number from 1, Unix seconds, SSRC 0, the JPEG', () => {
    const sender = new WholeJpegSender(clockAt(1_700_000_123_999), () => assert.fail('no warning'))
    const jpeg = Buffer.from('ffd8ffe000104a464946ffd9', 'hex')
    const first = sender.packet(jpeg)!
    assert.equal(
      first.subarray(0, 12).toString('hex'),
      '80' + // V=2 P=0 X=0 CC=0
        '1a' + // M=0 PT=26
        '0001' + // sequence number: frame 1
        (1_700_000_123).toString(16).padStart(8, '0') + // timestamp: int(time.time())
        '00000000',
    ) // SSRC 0
    assert.ok(first.subarray(12).equals(jpeg))
    assert.equal(sender.packet(jpeg)!.readUInt16BE(2), 2)
  })

  it("frame numbers wrap at 16 bits as the original's header does", () => {
    const sender = new WholeJpegSender(clockAt(0), () => {})
    const jpeg = Buffer.from('ffd8ffd9', 'hex')
    let last = 0
    for (let i = 0; i < 65536; i++) last = sender.packet(jpeg)!.readUInt16BE(2)
    assert.equal(last, 0)
  })

  it('warns once when frames reach the teaching client cut, and drops what no datagram holds', () => {
    const warnings: WholeJpegWarning[] = []
    const sender = new WholeJpegSender(clockAt(0), (w) => warnings.push(w))
    const big = Buffer.alloc(TEACHING_CLIENT_RECV_SIZE)
    assert.ok(sender.packet(big))
    assert.ok(sender.packet(big))
    assert.equal(sender.packet(Buffer.alloc(70_000)), undefined)
    assert.deepEqual(warnings, [
      { kind: 'cut', bytes: TEACHING_CLIENT_RECV_SIZE },
      { kind: 'too-large', bytes: 70_000 },
    ])
    assert.equal(sender.packet(Buffer.from('ffd8ffd9', 'hex'))!.readUInt16BE(2), 3, 'a dropped frame takes no number')
  })
})
