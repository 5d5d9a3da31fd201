/** H265Track: the server-side H.265 track (src/server/tracks/h265-track.ts). */
import { packetizeFrame } from '../../../src/server/tracks/media-track.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { joinAnnexB } from '../../../src/codecs/h264/annexb.js'
import { H265Depacketizer } from '../../../src/codecs/h265/depacketizer.js'
import { parseH265Fmtp } from '../../../src/codecs/h265/format.js'
import { ConfigError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { H265Track } from '../../../src/server/tracks/h265-track.js'
import { hex } from '../../helpers/split.js'
import { X265_PPS, X265_SPS, X265_VPS } from './vectors.js'

const AUD = hex('4601 50')
const IDR = hex('2601 af1d30')
const CRA = hex('2a01 af1d30')
const TRAIL = hex('0201 d011')
const hexes = (b: readonly Buffer[]) => b.map((x) => x.toString('hex'))

function unpack(packets: readonly Buffer[]): Buffer[] {
  const d = new H265Depacketizer()
  return packets.flatMap((p) => d.pushAccessUnits(RtpPacket.parse(p))).flatMap((au) => au.nalus)
}

describe('H265Track', () => {
  it('describes itself in SDP: rtpmap, fmtp with sprop and profile parameters, framesize', () => {
    const t = new H265Track({ ssrc: 1, initialSequence: 0, payloadType: 98, vps: X265_VPS, sps: X265_SPS, pps: X265_PPS })
    assert.deepEqual([t.kind, t.codec, t.clockRate, t.payloadType, t.ready], ['video', 'H265', 90000, 98, true])
    const attrs = t.sdpAttributes()
    assert.deepEqual(
      attrs.map((a) => a.key),
      ['rtpmap', 'fmtp', 'framesize'],
    )
    assert.equal(attrs[0]!.value, '98 H265/90000')
    assert.match(
      attrs[1]!.value!,
      /^98 sprop-vps=QAEMAf\/\/AWAAAAMAkAAAAwAAAwA\/lZgJ;sprop-sps=[^;]+;sprop-pps=RAHBcrRiQA==;profile-id=1;tier-flag=0;level-id=63$/,
    )
    const fmtp = parseH265Fmtp(attrs[1]!.value!.slice('98 '.length))
    assert.deepEqual([fmtp.vps, fmtp.sps, fmtp.pps], [X265_VPS, X265_SPS, X265_PPS])
    assert.equal(attrs[2]!.value, '98 640-360')
  })

  it('learns parameter sets in band: not ready and no fmtp until then', () => {
    const t = new H265Track({ ssrc: 1, initialSequence: 0 })
    assert.equal(t.payloadType, 96)
    assert.equal(t.ready, false)
    assert.deepEqual(t.sdpAttributes(), [{ key: 'rtpmap', value: '96 H265/90000' }])
    t.prepare(joinAnnexB([AUD, X265_VPS, X265_SPS, X265_PPS, IDR]))
    assert.equal(t.ready, true)
    assert.deepEqual(
      t.sdpAttributes().map((a) => a.key),
      ['rtpmap', 'fmtp', 'framesize'],
    )
  })

  it('packetizes access units given as NAL units or Annex-B, dropping AUDs and repeating parameter sets before IRAP pictures', () => {
    const t = new H265Track({ ssrc: 0xabc, initialSequence: 65535, maxPacketSize: 200 })
    const first = packetizeFrame(t, [AUD, X265_VPS, X265_SPS, X265_PPS, IDR], 1000)
    assert.equal(first.keyframe, true)
    assert.equal(
      first.bytes,
      first.packets.reduce((n, p) => n + p.length, 0),
    )
    assert.deepEqual(hexes(unpack(first.packets)), hexes([X265_VPS, X265_SPS, X265_PPS, IDR]))
    assert.equal(RtpPacket.parse(first.packets[0]!).sequenceNumber, 65535)
    assert.equal(RtpPacket.parse(first.packets[0]!).ssrc, 0xabc)

    const p = packetizeFrame(t, joinAnnexB([AUD, TRAIL]), 4000)
    assert.equal(p.keyframe, false)
    assert.deepEqual(hexes(unpack(p.packets)), hexes([TRAIL]))

    const cra = packetizeFrame(t, [CRA], 7000)
    assert.equal(cra.keyframe, true)
    assert.deepEqual(hexes(unpack(cra.packets)), hexes([X265_VPS, X265_SPS, X265_PPS, CRA]))
    for (const pkt of cra.packets) assert.ok(pkt.length <= 200)
    assert.equal(t.nextSequence, (65535 + first.packets.length + p.packets.length + cra.packets.length) & 0xffff)

    assert.deepEqual(packetizeFrame(t, [AUD], 8000), { packets: [], keyframe: false, bytes: 0 })
  })

  it('passes bad options on as ConfigError', () => {
    assert.throws(() => new H265Track({ ssrc: 1, initialSequence: 0, maxPacketSize: 10 }), ConfigError)
    assert.throws(() => new H265Track({ ssrc: 1, initialSequence: 0, payloadType: 200 }), ConfigError)
  })
})
