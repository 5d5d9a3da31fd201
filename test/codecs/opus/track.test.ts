import { packetizeFrame } from '../../../src/server/tracks/media-track.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { OpusTrack } from '../../../src/server/tracks/opus-track.js'
import { hex } from '../../helpers/split.js'

describe('OpusTrack', () => {
  it('always announces opus/48000/2 and adds sprop-stereo for stereo', () => {
    const stereo = new OpusTrack({ ssrc: 3, initialSequence: 7, channels: 2 })
    assert.deepEqual([stereo.kind, stereo.codec, stereo.clockRate, stereo.payloadType, stereo.ready], ['audio', 'opus', 48000, 111, true])
    assert.deepEqual(stereo.sdpAttributes(), [
      { key: 'rtpmap', value: '111 opus/48000/2' },
      { key: 'fmtp', value: '111 sprop-stereo=1' },
    ])
    assert.deepEqual(new OpusTrack({ ssrc: 3, initialSequence: 7, channels: 1, payloadType: 101 }).sdpAttributes(), [
      { key: 'rtpmap', value: '101 opus/48000/2' },
    ])
    assert.throws(() => new OpusTrack({ ssrc: 3, initialSequence: 7, channels: 6 }), ConfigError)
  })

  it('sends one Opus packet per RTP packet', () => {
    const t = new OpusTrack({ ssrc: 3, initialSequence: 7, channels: 2 })
    t.prepare(Buffer.alloc(1))
    const u = packetizeFrame(t, [hex('fc 01'), hex('fc 02')], 1000)
    assert.equal(u.keyframe, true)
    assert.deepEqual(
      u.packets.map((p) => [RtpPacket.parse(p).timestamp, RtpPacket.parse(p).sequenceNumber]),
      [
        [1000, 7],
        [1960, 8],
      ],
    )
    assert.equal(u.bytes, 2 * 14)
    assert.deepEqual([t.ssrc, t.nextSequence], [3, 9])
  })
})
