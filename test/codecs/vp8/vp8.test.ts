import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { VP8_CODEC } from '../../../src/codecs/vp8/index.js'
import { parseVp8Descriptor } from '../../../src/codecs/vp8/descriptor.js'
import { Vp8Depacketizer } from '../../../src/codecs/vp8/depacketizer.js'
import { parseVp8FrameHeader } from '../../../src/codecs/vp8/frame-header.js'
import { Vp8Packetizer } from '../../../src/codecs/vp8/packetizer.js'
import { Vp8Track } from '../../../src/codecs/vp8/track.js'
import { packetizeFrame } from '../../../src/codecs/media-track.js'
import { createCodecRegistry } from '../../../src/codecs/registry.js'
import { ParseError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { annotatedHex as hex } from '../../helpers/annotated-hex.js'
import { DESCRIPTOR_VECTORS, INTER_FRAME, KEY_FRAME } from './vectors.js'

const isParseError = (code: string) => (e: unknown) => e instanceof ParseError && e.code === code
const packet = (payload: Buffer, marker: boolean, timestamp = 9000) => new RtpPacket({ payload, marker, timestamp })

describe('VP8 payload descriptor', () => {
  for (const v of DESCRIPTOR_VECTORS) {
    it(`reads ${v.name}, and every truncation of it is a ParseError`, () => {
      assert.deepEqual({ ...parseVp8Descriptor(v.descriptor) }, v.expected)
      for (let n = 0; n < v.descriptor.length; n++) {
        assert.throws(() => parseVp8Descriptor(v.descriptor.subarray(0, n)), isParseError('ERR_VP8_DESCRIPTOR'))
      }
    })
  }
})

describe('VP8 frame header', () => {
  it('reads a key frame header and its size, and an inter frame tag', () => {
    assert.deepEqual(parseVp8FrameHeader(KEY_FRAME), {
      keyframe: true,
      version: 0,
      showFrame: true,
      firstPartitionSize: 0x123,
      width: 320,
      height: 240,
      horizontalScale: 0,
      verticalScale: 0,
    })
    assert.deepEqual(parseVp8FrameHeader(INTER_FRAME), { keyframe: false, version: 0, showFrame: true, firstPartitionSize: 0x2b })
  })

  it('a short header or a key frame without its start code is a ParseError', () => {
    for (let n = 0; n < 10; n++) assert.throws(() => parseVp8FrameHeader(KEY_FRAME.subarray(0, n)), isParseError('ERR_VP8_FRAME_HEADER'))
    const bad = Buffer.from(KEY_FRAME)
    bad[4] = 0
    assert.throws(() => parseVp8FrameHeader(bad), isParseError('ERR_VP8_FRAME_HEADER'))
  })
})

describe('Vp8Depacketizer', () => {
  for (const v of DESCRIPTOR_VECTORS.filter((d) => d.expected.start === true && d.expected.partitionIndex === 0)) {
    it(`rebuilds a key frame behind ${v.name}, split at every byte into two packets, leaving the packets unchanged`, () => {
      const d = new Vp8Depacketizer()
      for (let cut = 1; cut < KEY_FRAME.length; cut++) {
        const first = Buffer.concat([v.descriptor, KEY_FRAME.subarray(0, cut)])
        const second = Buffer.concat([hex('80 80 17 | X, I, picture ID: a continuation (S=0)'), KEY_FRAME.subarray(cut)])
        const copies = [Buffer.from(first), Buffer.from(second)]
        assert.deepEqual(d.push(packet(first, false)), [])
        const [f] = d.push(packet(second, true))
        assert.ok(f!.data.equals(KEY_FRAME))
        assert.deepEqual([f!.timestamp, f!.keyframe, f!.width, f!.height], [9000, true, 320, 240])
        assert.deepEqual([first, second], copies)
      }
    })
  }

  it('gives a one-packet frame as a view of the payload; inter frames are not keyframes', () => {
    const d = new Vp8Depacketizer()
    const payload = Buffer.concat([hex('10'), INTER_FRAME])
    const [f] = d.push(packet(payload, true))
    assert.equal(f!.data.buffer, payload.buffer)
    assert.equal(f!.keyframe, false)
  })

  it('drops a frame whose first packet was lost, and one cut by a new timestamp', () => {
    const d = new Vp8Depacketizer()
    assert.deepEqual(d.push(packet(Buffer.concat([hex('00'), INTER_FRAME]), true)), [])
    assert.deepEqual(d.push(packet(Buffer.concat([hex('10'), KEY_FRAME]), false, 1)), [])
    assert.deepEqual(d.push(packet(Buffer.concat([hex('00'), INTER_FRAME]), true, 2)), [])
    assert.equal(d.push(packet(Buffer.concat([hex('10'), INTER_FRAME]), true, 3)).length, 1)
  })

  it('skips a padding-only packet in the middle of a frame', () => {
    const d = new Vp8Depacketizer()
    assert.deepEqual(d.push(packet(Buffer.concat([hex('10 | S=1'), KEY_FRAME.subarray(0, 4)]), false)), [])
    assert.deepEqual(d.push(packet(Buffer.alloc(0), false)), [])
    const [f] = d.push(packet(Buffer.concat([hex('00 | S=0'), KEY_FRAME.subarray(4)]), true))
    assert.ok(f!.data.equals(KEY_FRAME))
  })

  it('a key frame whose header is broken is not a keyframe', () => {
    const [f] = new Vp8Depacketizer().push(packet(hex('10 | S=1\n70 24 00 9d 01 | a key frame tag and half a start code'), true))
    assert.equal(f!.keyframe, false)
  })

  it('bad input is a ParseError, never a crash, and forgets the partial frame', () => {
    const d = new Vp8Depacketizer()
    d.push(packet(Buffer.concat([hex('10'), KEY_FRAME]), false))
    assert.throws(() => d.push(packet(hex('90 80 | I set, picture ID missing'), true)), isParseError('ERR_VP8_DESCRIPTOR'))
    assert.throws(() => d.push(packet(hex('10 | descriptor only'), true)), isParseError('ERR_VP8_PAYLOAD'))
    assert.deepEqual(d.push(packet(Buffer.concat([hex('00'), INTER_FRAME]), true)), [])
  })
})

describe('Vp8Packetizer', () => {
  it('writes X, I and a 15-bit picture ID, S on the first packet, the marker on the last; the picture ID advances', () => {
    const p = new Vp8Packetizer({ ssrc: 5, initialSequence: 65535, initialPictureId: 0x7fff, maxPacketSize: 12 + 4 + 8 })
    const packets = p.packetize(KEY_FRAME, 1234).map((b) => RtpPacket.parse(b))
    assert.equal(packets.length, 3)
    assert.deepEqual(
      packets.map((x) => [x.sequenceNumber, x.marker, x.timestamp, x.payload.subarray(0, 4).toString('hex')]),
      [
        [65535, false, 1234, '9080ffff'],
        [0, false, 1234, '8080ffff'],
        [1, true, 1234, '8080ffff'],
      ],
    )
    assert.ok(Buffer.concat(packets.map((x) => x.payload.subarray(4))).equals(KEY_FRAME))
    assert.equal(p.nextPictureId, 0)
    assert.equal(RtpPacket.parse(p.packetize(INTER_FRAME, 1)[0]!).payload.readUInt16BE(2), 0x8000)
  })
})

describe('VP8 codec entry and track', () => {
  it('is registered under VP8/90000 and reads the SDP back', () => {
    const c = createCodecRegistry().byEncodingName('vp8')
    assert.equal(c, VP8_CODEC)
    assert.deepEqual(c.sdpAttributes({ payloadType: 97, clockRate: 90000 }), [{ key: 'rtpmap', value: '97 VP8/90000' }])
    assert.deepEqual(c.readSdp!({ payloadType: 97, encodingName: 'VP8', clockRate: 90000, fmtp: new Map() }), {
      info: { kind: 'video', codec: 'vp8' },
      payloadType: 97,
    })
  })

  it('learns the size from a key frame, keyframe flags follow P', () => {
    const t = new Vp8Track({ ssrc: 1, initialSequence: 0 })
    assert.deepEqual(t.sdpAttributes(), [{ key: 'rtpmap', value: '96 VP8/90000' }])
    assert.equal(packetizeFrame(t, INTER_FRAME, 0).keyframe, false)
    const u = packetizeFrame(t, [KEY_FRAME.subarray(0, 5), KEY_FRAME.subarray(5)], 3000)
    assert.equal(u.keyframe, true)
    assert.deepEqual(t.sdpAttributes(), [
      { key: 'rtpmap', value: '96 VP8/90000' },
      { key: 'framesize', value: '96 320-240' },
    ])
    const [f] = new Vp8Depacketizer().push(RtpPacket.parse(u.packets[0]!))
    assert.ok(f!.data.equals(KEY_FRAME))
  })
})
