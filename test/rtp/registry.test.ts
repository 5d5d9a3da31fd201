import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { joinAnnexB } from '../../src/codecs/h264/annexb.js'
import { parseJfif } from '../../src/codecs/jpeg/jfif.js'
import { createCodecRegistry, passthroughCodec, staticFormatParams, type CodecDescriptor } from '../../src/codecs/registry.js'
import { formatRtpSdp, parseRtpSdp } from '../../src/codecs/sdp-format.js'
import { RtspkitError } from '../../src/errors.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import type { TrackInfo } from '../../src/sources/source.js'
import { TestCard } from '../../src/sources/test-card.js'

const registry = createCodecRegistry()
const SSRC = 0x0102_0304

/** Packetizes `frames` with the codec, describes the track in SDP, parses it back and depacketizes. */
function roundTrip(
  codec: CodecDescriptor,
  track: TrackInfo,
  frames: Buffer[],
  step: number,
): { out: Buffer[]; keyframes: boolean[]; encodingName: string } {
  const clockRate = codec.clockRateFor(track)
  const channels = track.kind === 'audio' ? track.channels : undefined
  const payloadType = codec.staticPayloadType ?? codec.defaultPayloadType
  const p = codec.createPacketizer({
    payloadType,
    ssrc: SSRC,
    initialSequence: 65530,
    clockRate,
    ...(channels !== undefined ? { channels } : {}),
    track,
  })
  assert.equal(p.ssrc, SSRC)
  assert.equal(p.payloadType, payloadType)
  const attrs = codec.sdpAttributes({ payloadType, clockRate, ...(channels !== undefined ? { channels } : {}), track })
  const sdp = formatRtpSdp([{ kind: track.kind, port: 5004, payloadType, attributes: attrs }], { host: '127.0.0.1' })
  const [stream] = parseRtpSdp(sdp, registry)
  assert.equal(stream!.codec, codec, `SDP for ${codec.name} resolves to the same codec`)
  assert.equal(stream!.params.clockRate, clockRate)
  const d = stream!.codec.createDepacketizer(stream!.params)
  const out: Buffer[] = []
  const keyframes: boolean[] = []
  frames.forEach((f, i) => {
    for (const buf of p.packetize(f, (1000 + i * step) >>> 0)) {
      const pkt = RtpPacket.parse(buf)
      const copy = Buffer.from(buf)
      for (const fr of d.push(pkt)) {
        out.push(Buffer.from(fr.data))
        keyframes.push(fr.keyframe)
      }
      assert.deepEqual(buf, copy, 'the depacketizer does not modify its input')
    }
  })
  return { out, keyframes, encodingName: stream!.params.encodingName }
}

describe('codec registry', () => {
  it('finds codecs by SDP encoding name, case-insensitively, and by CLI name or alias', () => {
    assert.equal(registry.byEncodingName('h264')!.name, 'h264')
    assert.equal(registry.byEncodingName('H265')!.name, 'h265')
    assert.equal(registry.byEncodingName('mpeg4-GENERIC')!.name, 'aac')
    assert.equal(registry.byEncodingName('OPUS')!.name, 'opus')
    assert.equal(registry.byName('hevc')!.name, 'h265')
    assert.equal(registry.byName('MJPEG')!.name, 'jpeg')
    assert.equal(registry.byName('ulaw')!.name, 'pcmu')
    assert.deepEqual(
      registry.list().map((c) => c.name),
      ['h264', 'h265', 'jpeg', 'aac', 'opus', 'pcmu', 'pcma', 'l16', 'vp8', 'vp9', 'av1'],
    )
    assert.throws(
      () => registry.require('h266'),
      (e: RtspkitError) => e.code === 'ERR_CODEC_UNKNOWN' && /known: h264, h265/.test(e.message),
    )
  })

  it('knows the RFC 3551 static payload types', () => {
    assert.deepEqual(staticFormatParams(0), { payloadType: 0, encodingName: 'PCMU', clockRate: 8000, channels: 1, fmtp: new Map() })
    assert.equal(staticFormatParams(26)!.encodingName, 'JPEG')
    assert.equal(staticFormatParams(10)!.channels, 2)
    assert.equal(staticFormatParams(96), undefined)
  })

  it('resolves an unknown encoding to a passthrough codec that relays payloads unchanged', () => {
    const c = registry.resolve({ encodingName: 'VP7', clockRate: 90000 }, 'video')
    assert.equal(c.passthrough, true)
    assert.equal(c.kind, 'video')
    assert.equal(c.encodingName, 'VP7')
    const p = c.createPacketizer({ payloadType: 100, ssrc: 7, initialSequence: 1 })
    const [buf] = p.packetize(Buffer.from('hello'), 1234)
    const pkt = RtpPacket.parse(buf!)
    assert.equal(pkt.marker, true)
    assert.equal(pkt.payload.toString(), 'hello')
    assert.deepEqual(c.createDepacketizer({ payloadType: 100, encodingName: 'VP7', clockRate: 90000, fmtp: new Map() }).push(pkt), [
      { data: Buffer.from('hello'), timestamp: 1234, keyframe: true },
    ])
    assert.deepEqual(c.sdpAttributes({ payloadType: 100, clockRate: 90000 }), [{ key: 'rtpmap', value: '100 VP7/90000' }])
    assert.equal(passthroughCodec('X', 8000, 'audio', 2).defaultChannels, 2)
  })

  it('H.264: Annex-B access units survive packetize → SDP → depacketize', () => {
    const sps = Buffer.from('6764001facd9405005bb011000000300100000030320f18319a0', 'hex')
    const pps = Buffer.from('68ebe3cb22c0', 'hex')
    const idr = Buffer.concat([Buffer.from([0x65, 0x88]), Buffer.alloc(3000, 0x42)])
    const slice = Buffer.from([0x41, 0x9a, 0x01, 0x02])
    const track: TrackInfo = { kind: 'video', codec: 'h264', sps, pps }
    const frames = [joinAnnexB([sps, pps, idr]), joinAnnexB([slice])]
    const r = roundTrip(registry.byName('h264')!, track, frames, 3600)
    assert.deepEqual(r.out, frames)
    assert.deepEqual(r.keyframes, [true, false])
    assert.match(
      registry.byName('h264')!.sdpAttributes({ payloadType: 96, clockRate: 90000, track })[1]!.value!,
      /^96 packetization-mode=1;profile-level-id=64001F;sprop-parameter-sets=Z2QA/,
    )
  })

  it('H.264: a keyframe without in-band parameter sets gets those of the SDP', () => {
    const sps = Buffer.from('6764001facd9405005bb011000000300100000030320f18319a0', 'hex')
    const pps = Buffer.from('68ebe3cb22c0', 'hex')
    const idr = Buffer.from([0x65, 0x88, 0x01])
    const codec = registry.byName('h264')!
    const d = codec.createDepacketizer({
      payloadType: 96,
      encodingName: 'H264',
      clockRate: 90000,
      fmtp: new Map([['sprop-parameter-sets', `${sps.toString('base64')},${pps.toString('base64')}`]]),
    })
    const [buf] = codec.createPacketizer({ payloadType: 96, ssrc: 1 }).packetize([idr], 0)
    assert.deepEqual(d.push(RtpPacket.parse(buf!))[0]!.data, joinAnnexB([sps, pps, idr]))
  })

  it('H.265: access units survive the round trip', () => {
    const vps = Buffer.from([0x40, 0x01, 0x0c, 0x01])
    const sps = Buffer.from([0x42, 0x01, 0x01, 0x01])
    const pps = Buffer.from([0x44, 0x01, 0xc1, 0x72])
    const idr = Buffer.concat([Buffer.from([0x26, 0x01]), Buffer.alloc(2500, 0x33)])
    const trail = Buffer.from([0x02, 0x01, 0xd0, 0x11])
    const frames = [joinAnnexB([vps, sps, pps, idr]), joinAnnexB([trail])]
    const r = roundTrip(registry.byName('h265')!, { kind: 'video', codec: 'h265' }, frames, 3600)
    assert.deepEqual(r.out, frames)
    assert.deepEqual(r.keyframes, [true, false])
  })

  it('JPEG: the scan of each image survives and the size is signalled', () => {
    const card = new TestCard({ width: 64, height: 48 })
    const frames = [card.renderJpeg(0, 0), card.renderJpeg(1, 40)]
    const codec = registry.byName('jpeg')!
    const r = roundTrip(codec, { kind: 'video', codec: 'jpeg', width: 64, height: 48, fps: 25 }, frames, 3600)
    assert.equal(r.out.length, 2)
    for (let i = 0; i < 2; i++) {
      const a = parseJfif(frames[i]!)
      const b = parseJfif(r.out[i]!)
      assert.deepEqual([b.width, b.height], [64, 48])
      assert.deepEqual(b.scan, a.scan)
    }
    assert.deepEqual(
      codec.sdpAttributes({ payloadType: 26, clockRate: 90000, track: { kind: 'video', codec: 'jpeg', width: 64, height: 48, fps: 25 } }),
      [
        { key: 'rtpmap', value: '26 JPEG/90000' },
        { key: 'framesize', value: '26 64-48' },
        { key: 'framerate', value: '25' },
      ],
    )
  })

  it('AAC: access units and the AudioSpecificConfig survive the round trip', () => {
    const track: TrackInfo = { kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2, config: Buffer.from([0x11, 0x90]) }
    const frames = [Buffer.alloc(300, 1), Buffer.alloc(2000, 2), Buffer.alloc(10, 3)]
    const codec = registry.byName('aac')!
    const r = roundTrip(codec, track, frames, 1024)
    assert.deepEqual(r.out, frames)
    assert.deepEqual(codec.sdpAttributes({ payloadType: 97, clockRate: 48000, channels: 2, track }), [
      { key: 'rtpmap', value: '97 MPEG4-GENERIC/48000/2' },
      { key: 'fmtp', value: '97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190' },
    ])
  })

  it('G.711 and L16: samples survive the round trip, cut into packets', () => {
    const mu = Buffer.from(Array.from({ length: 480 }, (_, i) => i & 0xff))
    const r1 = roundTrip(registry.byName('pcmu')!, { kind: 'audio', codec: 'pcmu', sampleRate: 8000, channels: 1 }, [mu], 480)
    assert.deepEqual(Buffer.concat(r1.out), mu)
    assert.equal(r1.out.length, 3, '20 ms packets')
    const pcm = Buffer.from(Array.from({ length: 48000 * 4 * 0.04 }, (_, i) => (i * 7) & 0xff))
    const r2 = roundTrip(registry.byName('l16')!, { kind: 'audio', codec: 'l16', sampleRate: 48000, channels: 2 }, [pcm], 1920)
    assert.deepEqual(Buffer.concat(r2.out), pcm)
    assert.deepEqual(registry.byName('l16')!.sdpAttributes({ payloadType: 98, clockRate: 48000, channels: 2 }), [
      { key: 'rtpmap', value: '98 L16/48000/2' },
    ])
    assert.deepEqual(registry.byName('pcma')!.sdpAttributes({ payloadType: 8, clockRate: 8000, channels: 1 }), [
      { key: 'rtpmap', value: '8 PCMA/8000' },
    ])
  })

  it('Opus: packets survive the round trip; rtpmap always says /2', () => {
    const packets = [Buffer.from([0xf8, 1, 2, 3]), Buffer.from([0xf8, 9, 9])]
    const r = roundTrip(registry.byName('opus')!, { kind: 'audio', codec: 'opus', sampleRate: 48000, channels: 2 }, packets, 960)
    assert.deepEqual(r.out, packets)
    assert.deepEqual(registry.byName('opus')!.sdpAttributes({ payloadType: 111, clockRate: 48000, channels: 2 }), [
      { key: 'rtpmap', value: '111 opus/48000/2' },
      { key: 'fmtp', value: '111 sprop-stereo=1' },
    ])
  })

  it('H.265 with DONL fields is refused with a coded error', () => {
    assert.throws(
      () =>
        registry
          .byName('h265')!
          .createDepacketizer({ payloadType: 96, encodingName: 'H265', clockRate: 90000, fmtp: new Map([['sprop-max-don-diff', '2']]) }),
      (e: RtspkitError) => e.code === 'ERR_H265_DONL',
    )
  })
})
