// What real cameras send that the RFC does not: checked against the depacketizer.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { H264Depacketizer } from '../../../src/codecs/h264/depacketizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { hex } from '../../helpers/split.js'

const pkt = (payload: Buffer, marker: boolean, seq: number, ts = 9000) =>
  new RtpPacket({ payloadType: 96, marker, sequenceNumber: seq, timestamp: ts, ssrc: 1, payload })

describe('H264Depacketizer camera quirks', () => {
  it('splits Annex-B start codes inside an RTP payload into NAL units', () => {
    const payload = Buffer.concat([hex('00000001'), hex('6742c00d'), hex('000001'), hex('68ce3c80'), hex('00000001'), hex('6588840021')])
    const copy = Buffer.from(payload)
    const d = new H264Depacketizer()
    const au = d.push(pkt(payload, true, 1))
    assert.ok(au)
    assert.deepEqual(
      au.nalus.map((n) => n.toString('hex')),
      ['6742c00d', '68ce3c80', '6588840021'],
    )
    assert.equal(au.keyframe, true)
    assert.ok(payload.equals(copy), 'input unchanged')
  })

  it('an FU-A with both start and end bits set is a whole NAL unit', () => {
    // FU indicator: NRI 3, type 28; FU header: S=1 E=1, type 5 (IDR).
    const d = new H264Depacketizer()
    const au = d.push(pkt(hex('7c c5 88 84 00'), true, 1))
    assert.ok(au)
    assert.deepEqual(
      au.nalus.map((n) => n.toString('hex')),
      ['65888400'],
    )
  })

  it('without marker bits, a new timestamp ends the previous access unit', () => {
    const d = new H264Depacketizer()
    assert.equal(d.push(pkt(hex('419a0001'), false, 1, 1000)), undefined)
    const au = d.push(pkt(hex('419a0002'), false, 2, 4000))
    assert.ok(au)
    assert.equal(au.timestamp, 1000)
    assert.deepEqual(
      au.nalus.map((n) => n.toString('hex')),
      ['419a0001'],
    )
  })
})
