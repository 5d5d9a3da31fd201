import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { VP9_CODEC } from '../../../src/codecs/vp9/index.js'
import { parseVp9Descriptor } from '../../../src/codecs/vp9/descriptor.js'
import { Vp9Depacketizer } from '../../../src/codecs/vp9/depacketizer.js'
import { hasSuperframeIndex, parseVp9FrameHeader } from '../../../src/codecs/vp9/frame-header.js'
import { Vp9Packetizer } from '../../../src/codecs/vp9/packetizer.js'
import { Vp9Track } from '../../../src/codecs/vp9/track.js'
import { packetizeFrame } from '../../../src/codecs/media-track.js'
import { createCodecRegistry } from '../../../src/codecs/registry.js'
import { ParseError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { annotatedHex as hex } from '../../helpers/annotated-hex.js'
import { DESCRIPTOR_VECTORS, INTER_FRAME, KEY_FRAME } from './vectors.js'

const isParseError = (code: string) => (e: unknown) => e instanceof ParseError && e.code === code
const packet = (payload: Buffer, marker: boolean, timestamp = 9000) => new RtpPacket({ payload, marker, timestamp })
/** A continuation: I=1 with picture ID 5, no B, E as given. */
const middle = (end: boolean) => hex(end ? '84 | I=1 E=1\n05 | picture ID 5' : '80 | I=1\n05 | picture ID 5')

describe('VP9 payload descriptor', () => {
  for (const v of DESCRIPTOR_VECTORS) {
    it(`reads ${v.name}, and every truncation of it is a ParseError`, () => {
      assert.deepEqual({ ...parseVp9Descriptor(v.descriptor) }, v.expected)
      for (let n = 0; n < v.descriptor.length; n++) {
        assert.throws(() => parseVp9Descriptor(v.descriptor.subarray(0, n)), isParseError('ERR_VP9_DESCRIPTOR'))
      }
    })
  }

  it('more than three references is a ParseError', () => {
    assert.throws(
      () => parseVp9Descriptor(hex('d0 | I=1 P=1 F=1\n01 | picture ID 1\n03 03 03 | three references, N=1 on the third')),
      isParseError('ERR_VP9_DESCRIPTOR'),
    )
  })
})

describe('VP9 frame header', () => {
  it('reads a key frame up to its size, and an inter frame', () => {
    assert.deepEqual(parseVp9FrameHeader(KEY_FRAME), {
      profile: 0,
      showExistingFrame: false,
      keyframe: true,
      showFrame: true,
      intraOnly: false,
      bitDepth: 8,
      width: 320,
      height: 240,
    })
    assert.deepEqual(parseVp9FrameHeader(INTER_FRAME), {
      profile: 0,
      showExistingFrame: false,
      keyframe: false,
      showFrame: true,
      intraOnly: false,
    })
    assert.deepEqual(
      parseVp9FrameHeader(hex('84 | marker 2, profile 0, show_existing 0, frame_type 1, show_frame 0, error_res 0\n80 | intra_only 1')),
      {
        profile: 0,
        showExistingFrame: false,
        keyframe: false,
        showFrame: false,
        intraOnly: true,
      },
    )
    assert.deepEqual(parseVp9FrameHeader(hex('88 | marker 2, profile 0, show_existing_frame 1, index 0')), {
      profile: 0,
      showExistingFrame: true,
      keyframe: false,
      showFrame: true,
      intraOnly: false,
    })
  })

  it('a truncated header, a wrong marker or sync code is a ParseError', () => {
    for (let n = 0; n < 9; n++) assert.throws(() => parseVp9FrameHeader(KEY_FRAME.subarray(0, n)), isParseError('ERR_VP9_FRAME_HEADER'))
    assert.throws(() => parseVp9FrameHeader(hex('42 | frame_marker 1')), isParseError('ERR_VP9_FRAME_HEADER'))
    const bad = Buffer.from(KEY_FRAME)
    bad[2] = 0
    assert.throws(() => parseVp9FrameHeader(bad), isParseError('ERR_VP9_FRAME_HEADER'))
  })
})

describe('Vp9Depacketizer', () => {
  for (const v of DESCRIPTOR_VECTORS) {
    it(`rebuilds a key frame behind ${v.name}, split at every byte into two packets, leaving the packets unchanged`, () => {
      const d = new Vp9Depacketizer()
      const firstDescriptor = Buffer.from(v.descriptor)
      firstDescriptor[0]! &= ~0x04 // E moves to the last packet
      for (let cut = 1; cut < KEY_FRAME.length; cut++) {
        const first = Buffer.concat([firstDescriptor, KEY_FRAME.subarray(0, cut)])
        const second = Buffer.concat([middle(true), KEY_FRAME.subarray(cut)])
        const copies = [Buffer.from(first), Buffer.from(second)]
        assert.deepEqual(d.push(packet(first, false)), [])
        const [f] = d.push(packet(second, true))
        assert.ok(f!.data.equals(KEY_FRAME))
        const layered = v.expected.interPicture === true || (v.expected.spatialLayer ?? 0) !== 0
        assert.equal(f!.keyframe, !layered, 'P=0 in the base layer and a KEY_FRAME header')
        assert.deepEqual([f!.timestamp, f!.width, f!.height], [9000, 320, 240])
        assert.deepEqual([first, second], copies)
      }
    })
  }

  it('P=0 on an inter frame (as ffmpeg sends) is not a keyframe: the header decides', () => {
    const [f] = new Vp9Depacketizer().push(packet(Buffer.concat([hex('0c | B E'), INTER_FRAME]), true))
    assert.equal(f!.keyframe, false)
  })

  it('skips a padding-only packet in the middle of a frame', () => {
    const d = new Vp9Depacketizer()
    assert.deepEqual(d.push(packet(Buffer.concat([hex('08 | B'), KEY_FRAME.subarray(0, 4)]), false)), [])
    assert.deepEqual(d.push(packet(Buffer.alloc(0), false)), [])
    const [f] = d.push(packet(Buffer.concat([hex('04 | E'), KEY_FRAME.subarray(4)]), true))
    assert.ok(f!.data.equals(KEY_FRAME))
  })

  it('joins the layer frames of one picture into a superframe', () => {
    const d = new Vp9Depacketizer()
    assert.deepEqual(d.push(packet(Buffer.concat([hex('2c | L B E\n00 | SID 0\n00 | TL0PICIDX'), KEY_FRAME]), false)), [])
    const [f] = d.push(packet(Buffer.concat([hex('2c | L B E\n02 | SID 1\n00 | TL0PICIDX'), INTER_FRAME]), true))
    assert.ok(hasSuperframeIndex(f!.data))
    assert.ok(f!.data.subarray(0, KEY_FRAME.length).equals(KEY_FRAME))
    assert.equal(f!.data.length, KEY_FRAME.length + INTER_FRAME.length + 2 + 8)
    assert.equal(f!.keyframe, true)
  })

  it('drops a frame whose first packet was lost, and one cut by a new timestamp', () => {
    const d = new Vp9Depacketizer()
    assert.deepEqual(d.push(packet(Buffer.concat([middle(true), INTER_FRAME]), true)), [])
    assert.deepEqual(d.push(packet(Buffer.concat([hex('08 | B'), KEY_FRAME]), false, 1)), [])
    assert.deepEqual(d.push(packet(Buffer.concat([middle(true), INTER_FRAME]), true, 2)), [])
    assert.equal(d.push(packet(Buffer.concat([hex('0c | B E'), INTER_FRAME]), true, 3)).length, 1)
  })

  it('bad input is a ParseError, never a crash, and forgets the partial picture', () => {
    const d = new Vp9Depacketizer()
    d.push(packet(Buffer.concat([hex('08 | B'), KEY_FRAME]), false))
    assert.throws(() => d.push(packet(hex('8c | I B E, picture ID missing'), true)), isParseError('ERR_VP9_DESCRIPTOR'))
    assert.throws(
      () => d.push(packet(hex('0e | B E V\n30 | SS Y=1 G=1 N_S=1\n01 40 | one width, the rest missing'), true)),
      isParseError('ERR_VP9_DESCRIPTOR'),
    )
    assert.throws(() => d.push(packet(hex('0c | descriptor only'), true)), isParseError('ERR_VP9_PAYLOAD'))
    assert.deepEqual(d.push(packet(Buffer.concat([middle(true), INTER_FRAME]), true)), [])
  })
})

describe('Vp9Packetizer', () => {
  it('writes I with a 15-bit picture ID, P on inter frames, B/E, an SS on key frames, the marker on the last packet', () => {
    const p = new Vp9Packetizer({ ssrc: 5, initialSequence: 10, initialPictureId: 0x7fff, maxPacketSize: 12 + 8 + 6 })
    const packets = p.packetize(KEY_FRAME, 1234).map((b) => RtpPacket.parse(b))
    assert.deepEqual(
      packets.map((x) => [x.sequenceNumber, x.marker, x.payload.subarray(0, 3).toString('hex')]),
      [
        [10, false, '8affff'],
        [11, true, '84ffff'],
      ],
    )
    assert.equal(packets[0]!.payload.subarray(3, 8).toString('hex'), '10014000f0')
    const d = new Vp9Depacketizer()
    const [f] = packets.flatMap((x) => d.push(x))
    assert.ok(f!.data.equals(KEY_FRAME))
    assert.equal(f!.keyframe, true)
    assert.equal(p.nextPictureId, 0)
    const inter = RtpPacket.parse(p.packetize(INTER_FRAME, 1)[0]!)
    assert.equal(inter.payload.subarray(0, 3).toString('hex'), 'cc8000')
  })
})

describe('VP9 codec entry and track', () => {
  it('is registered under VP9/90000; a profile-id out of range is refused', () => {
    const c = createCodecRegistry().byEncodingName('VP9')
    assert.equal(c, VP9_CODEC)
    assert.deepEqual(c.sdpAttributes({ payloadType: 98, clockRate: 90000 }), [{ key: 'rtpmap', value: '98 VP9/90000' }])
    const format = (v: string) => ({ payloadType: 98, encodingName: 'VP9', clockRate: 90000, fmtp: new Map([['profile-id', v]]) })
    assert.deepEqual(c.readSdp!(format('2')), { info: { kind: 'video', codec: 'vp9' }, payloadType: 98 })
    assert.throws(() => c.readSdp!(format('4')), isParseError('ERR_VP9_FMTP'))
  })

  it('learns profile and size from the frames', () => {
    const t = new Vp9Track({ ssrc: 1, initialSequence: 0, payloadType: 98 })
    assert.deepEqual(t.sdpAttributes(), [{ key: 'rtpmap', value: '98 VP9/90000' }])
    assert.equal(packetizeFrame(t, INTER_FRAME, 0).keyframe, false)
    assert.equal(packetizeFrame(t, KEY_FRAME, 3000).keyframe, true)
    assert.deepEqual(t.sdpAttributes(), [
      { key: 'rtpmap', value: '98 VP9/90000' },
      { key: 'fmtp', value: '98 profile-id=0' },
      { key: 'framesize', value: '98 320-240' },
    ])
    assert.equal(packetizeFrame(t, hex('ff | not a VP9 frame'), 6000).keyframe, false)
  })
})
