import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JpegRtpDepacketizer } from '../../../src/codecs/jpeg/codec-adapter.js'
import { JpegPacketizer } from '../../../src/codecs/jpeg/packetizer.js'
import { isWholeJpegStart, WholeJpegAssembler } from '../../../src/codecs/jpeg/whole-frame.js'
import { ConfigError, LimitError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { flat16Jpeg } from './vectors.js'

/**
 * A packet as the teaching project's ServerWorker.makeRtp sends it (bytes written out by hand):
 *   80          V=2 P=0 X=0 CC=0
 *   1a          M=0 PT=26
 *   00 07       sequence number = frame number 7
 *   65 5f 1c 80 timestamp = int(time.time()), seconds
 *   00 00 00 00 SSRC 0
 * then the JPEG, whole.
 */
const TEACHING_HEADER_HEX = '801a0007655f1c8000000000'

function teachingPacket(jpeg: Buffer, seq = 7, marker = false): RtpPacket {
  const header = Buffer.from(TEACHING_HEADER_HEX, 'hex')
  header.writeUInt16BE(seq, 2)
  if (marker) header[1]! |= 0x80
  return RtpPacket.parse(Buffer.concat([header, jpeg]))
}

/** Checks that push() leaves the packet's bytes alone. */
function push(a: WholeJpegAssembler, p: RtpPacket): Buffer | undefined {
  const before = Buffer.from(p.payload)
  const out = a.push(p)
  assert.deepEqual(p.payload, before, 'payload unchanged')
  return out
}

describe('WholeJpegAssembler (teaching-project RTP: whole JPEGs, no RFC 2435 header)', () => {
  const jpeg = flat16Jpeg()

  it('a teaching packet parses as PT 26, seq 7, marker 0, SSRC 0, and its payload is the JPEG', () => {
    const p = teachingPacket(jpeg)
    assert.deepEqual([p.version, p.payloadType, p.sequenceNumber, p.marker, p.ssrc, p.timestamp], [2, 26, 7, false, 0, 0x655f1c80])
    assert.ok(p.payload.equals(jpeg))
    assert.equal(isWholeJpegStart(p.payload), true)
  })

  it('one packet with marker 0 ending in EOI is one frame, equal to the JPEG sent, not a view of the packet', () => {
    const p = teachingPacket(jpeg)
    const out = push(new WholeJpegAssembler(), p)
    assert.ok(out?.equals(jpeg))
    out![0] = 0
    assert.equal(p.payload[0], 0xff, 'the frame is a copy')
  })

  it('a frame cut into packets (a fork of the project) ends at the marker bit', () => {
    const a = new WholeJpegAssembler()
    const cut = [jpeg.subarray(0, 100), jpeg.subarray(100, 200), jpeg.subarray(200)]
    assert.equal(push(a, teachingPacket(cut[0]!, 10)), undefined)
    assert.equal(a.inProgress, true)
    assert.equal(push(a, teachingPacket(cut[1]!, 11)), undefined)
    assert.ok(push(a, teachingPacket(cut[2]!, 12, true))?.equals(jpeg))
    assert.equal(a.inProgress, false)
  })

  it('a gap in sequence numbers drops the frame; a continuation without a start is ignored', () => {
    const a = new WholeJpegAssembler()
    assert.equal(push(a, teachingPacket(jpeg.subarray(0, 100), 10)), undefined)
    assert.equal(push(a, teachingPacket(jpeg.subarray(200), 12, true)), undefined)
    assert.equal(a.framesDropped, 1)
    assert.equal(push(a, teachingPacket(jpeg.subarray(100), 13, true)), undefined)
    assert.ok(push(a, teachingPacket(jpeg, 14))?.equals(jpeg), 'the next whole frame comes through')
  })

  it('a new SOI before the end drops the unfinished frame', () => {
    const a = new WholeJpegAssembler()
    push(a, teachingPacket(jpeg.subarray(0, 100), 1))
    assert.ok(push(a, teachingPacket(jpeg, 2))?.equals(jpeg))
    assert.equal(a.framesDropped, 1)
  })

  it('a frame over maxFrameSize is a LimitError and the assembler starts over', () => {
    const a = new WholeJpegAssembler({ maxFrameSize: 150 })
    push(a, teachingPacket(jpeg.subarray(0, 100), 1))
    assert.throws(
      () => a.push(teachingPacket(jpeg.subarray(100), 2, true)),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_JPEG_FRAME_TOO_LARGE',
    )
    assert.equal(a.inProgress, false)
    assert.throws(() => new WholeJpegAssembler({ maxFrameSize: 0 }), ConfigError)
  })

  it('JpegRtpDepacketizer takes whole-JPEG and RFC 2435 packets alike, and resets both', () => {
    const d = new JpegRtpDepacketizer()
    const whole = d.push(teachingPacket(jpeg, 1))
    assert.equal(whole.length, 1)
    assert.ok(whole[0]!.data.equals(jpeg))
    const rfc2435 = new JpegPacketizer({ ssrc: 1, initialSequence: 2, maxPacketSize: 1400 }).packetize(jpeg, 90000)
    assert.equal(isWholeJpegStart(RtpPacket.parse(rfc2435[0]!).payload), false, 'an RFC 2435 header does not start with SOI')
    const frames = rfc2435.flatMap((b) => d.push(RtpPacket.parse(b)))
    assert.equal(frames.length, 1)
    assert.equal(frames[0]!.data.readUInt16BE(0), 0xffd8)
    d.push(teachingPacket(jpeg.subarray(0, 50), 9))
    d.reset()
    assert.deepEqual(d.push(teachingPacket(jpeg.subarray(50), 10)), [], 'no frame under way after reset')
  })
})
