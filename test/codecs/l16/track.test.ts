import { packetizeFrame } from '../../../src/server/tracks/media-track.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { L16Track } from '../../../src/server/tracks/l16-track.js'

describe('L16Track', () => {
  it('uses static payload types 10 and 11 for 44100 Hz, else 98, always with an rtpmap', () => {
    const t = new L16Track({ ssrc: 1, initialSequence: 0, sampleRate: 48000, channels: 2 })
    assert.deepEqual([t.kind, t.codec, t.clockRate, t.payloadType, t.ready], ['audio', 'L16', 48000, 98, true])
    assert.deepEqual(t.sdpAttributes(), [{ key: 'rtpmap', value: '98 L16/48000/2' }])
    assert.deepEqual(new L16Track({ ssrc: 1, initialSequence: 0, sampleRate: 44100, channels: 2 }).sdpAttributes(), [
      { key: 'rtpmap', value: '10 L16/44100/2' },
    ])
    assert.deepEqual(new L16Track({ ssrc: 1, initialSequence: 0, sampleRate: 44100, channels: 1 }).sdpAttributes(), [
      { key: 'rtpmap', value: '11 L16/44100/1' },
    ])
    assert.equal(new L16Track({ ssrc: 1, initialSequence: 0, sampleRate: 44100, channels: 1, payloadType: 99 }).payloadType, 99)
  })

  it('cuts pushed blocks on whole instants to fit the packet size', () => {
    const t = new L16Track({ ssrc: 1, initialSequence: 0, sampleRate: 48000, channels: 2 })
    t.prepare(Buffer.alloc(4))
    const u = packetizeFrame(t, Buffer.alloc(960 * 4), 0)
    assert.deepEqual(
      u.packets.map((p) => RtpPacket.parse(p).timestamp),
      [0, 347, 694],
    )
    assert.ok(u.packets.every((p) => p.length <= 1400))
    assert.deepEqual([u.keyframe, u.bytes, t.nextSequence], [true, 3 * 12 + 960 * 4, 3])
  })
})
