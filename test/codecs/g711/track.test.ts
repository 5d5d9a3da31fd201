import { packetizeFrame } from '../../../src/server/tracks/media-track.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { G711Track } from '../../../src/server/tracks/g711-track.js'

describe('G711Track', () => {
  it('uses the static payload types with an rtpmap anyway', () => {
    const u = new G711Track({ ssrc: 1, initialSequence: 0, law: 'pcmu' })
    const a = new G711Track({ ssrc: 1, initialSequence: 0, law: 'pcma' })
    assert.deepEqual([u.kind, u.codec, u.clockRate, u.payloadType, u.ready], ['audio', 'PCMU', 8000, 0, true])
    assert.deepEqual(u.sdpAttributes(), [{ key: 'rtpmap', value: '0 PCMU/8000' }])
    assert.deepEqual([a.codec, a.payloadType], ['PCMA', 8])
    assert.deepEqual(a.sdpAttributes(), [{ key: 'rtpmap', value: '8 PCMA/8000' }])
  })

  it('needs a dynamic payload type for more than one channel', () => {
    const t = new G711Track({ ssrc: 1, initialSequence: 0, law: 'pcmu', channels: 2 })
    assert.equal(t.payloadType, 96)
    assert.deepEqual(t.sdpAttributes(), [{ key: 'rtpmap', value: '96 PCMU/8000/2' }])
    assert.deepEqual(new G711Track({ ssrc: 1, initialSequence: 0, law: 'pcma', channels: 2, payloadType: 120 }).sdpAttributes(), [
      { key: 'rtpmap', value: '120 PCMA/8000/2' },
    ])
  })

  it('cuts pushed blocks into 20 ms packets', () => {
    const t = new G711Track({ ssrc: 1, initialSequence: 10, law: 'pcmu' })
    t.prepare(Buffer.alloc(1))
    const u = packetizeFrame(t, Buffer.alloc(320, 0xff), 800)
    assert.deepEqual(
      u.packets.map((p) => [RtpPacket.parse(p).timestamp, RtpPacket.parse(p).payload.length]),
      [
        [800, 160],
        [960, 160],
      ],
    )
    assert.deepEqual([u.keyframe, u.bytes, t.nextSequence, t.ssrc], [true, 2 * 172, 12, 1])
  })
})
