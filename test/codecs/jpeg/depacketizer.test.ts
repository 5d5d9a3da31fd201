import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JpegDepacketizer } from '../../../src/codecs/jpeg/depacketizer.js'
import { encodeJpeg } from '../../../src/codecs/jpeg/encoder.js'
import { parseJfif } from '../../../src/codecs/jpeg/jfif.js'
import { JpegPacketizer } from '../../../src/codecs/jpeg/packetizer.js'
import { CodecError, LimitError, ProtocolError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { hex } from '../../helpers/split.js'
import { ffmpegDecode, ffmpegMakeJpeg, yuv420pSize } from './ffmpeg-helper.js'
import { FLAT16_PACKET, FLAT32_RESTART_PACKETS, Q50_TABLES_HEX, flat16Jpeg, flat32RestartJpeg, flatI420, noiseRgb, vec } from './vectors.js'

/** Pushes every packet; returns the frames completed, checking that no input buffer changed. */
function pushAll(d: JpegDepacketizer, packets: readonly Buffer[]): Buffer[] {
  const frames: Buffer[] = []
  for (const buf of packets) {
    const before = Buffer.from(buf)
    const pkt = RtpPacket.parse(buf)
    const payload = Buffer.from(pkt.payload)
    const out = d.push(pkt)
    assert.deepEqual(buf, before, 'input packet bytes unchanged')
    assert.deepEqual(pkt.payload, payload, 'payload view unchanged')
    if (out) frames.push(out)
  }
  return frames
}

/** An RTP/JPEG packet from header fields and payload hex. */
function rtp(opts: { seq: number; ts?: number; marker?: boolean }, payloadHex: string): Buffer {
  return new RtpPacket({
    payloadType: 26,
    sequenceNumber: opts.seq,
    timestamp: opts.ts ?? 1000,
    ssrc: 7,
    marker: opts.marker ?? false,
    payload: vec(payloadHex),
  }).serialize()
}

const packetize = (jpeg: Buffer, maxPacketSize = 1400, ts = 0): Buffer[] =>
  new JpegPacketizer({ ssrc: 1, initialSequence: 100, maxPacketSize }).packetize(jpeg, ts)

describe('JpegDepacketizer', () => {
  it('rebuilds the 16x16 vector frame byte for byte', () => {
    const frames = pushAll(new JpegDepacketizer(), [FLAT16_PACKET])
    assert.equal(frames.length, 1)
    // Same header writer on both sides: the JFIF is identical to what the encoder produced.
    assert.deepEqual(frames[0], flat16Jpeg())
  })

  it('rebuilds the restart vector frame (DRI included)', () => {
    const frames = pushAll(new JpegDepacketizer(), FLAT32_RESTART_PACKETS)
    assert.equal(frames.length, 1)
    assert.deepEqual(frames[0], flat32RestartJpeg())
    assert.equal(parseJfif(frames[0]).restartInterval, 1)
  })

  it('round-trips packetizer → depacketizer for many packet sizes and restart intervals', () => {
    const d = new JpegDepacketizer()
    for (const ri of [0, 1, 3, 40]) {
      const jpeg = encodeJpeg(noiseRgb(120, 72, ri + 1), { quality: 85, restartInterval: ri })
      const original = parseJfif(jpeg)
      for (const max of [157, 200, 333, 1400, 9000]) {
        const frames = pushAll(d, packetize(jpeg, max))
        assert.equal(frames.length, 1, `ri ${ri} max ${max}`)
        const got = parseJfif(frames[0]!)
        assert.deepEqual(got.scan, original.scan)
        assert.deepEqual(got.quantTables, original.quantTables)
        assert.equal(got.restartInterval, ri)
        assert.equal(got.type, original.type)
        assert.deepEqual(frames[0], jpeg)
      }
    }
  })

  it('ffmpeg decodes a depacketized frame from an ffmpeg-made JPEG', () => {
    const source = ffmpegMakeJpeg(96, 64, ['-huffman', 'default', '-pix_fmt', 'yuvj420p', '-q:v', '3'])
    const frames = pushAll(new JpegDepacketizer(), packetize(source, 300))
    assert.equal(frames.length, 1)
    assert.deepEqual(parseJfif(frames[0]!).scan, parseJfif(source).scan)
    assert.equal(ffmpegDecode(frames[0]!, 'yuv420p').length, yuv420pSize(96, 64))
    // Pixel-identical to decoding the source directly.
    assert.deepEqual(ffmpegDecode(frames[0]!, 'rgb24'), ffmpegDecode(source, 'rgb24'))
  })

  it('accepts a frame cut anywhere: one-byte slices, inside 0xFF 0x00 and inside RSTn', () => {
    const jpeg = encodeJpeg(noiseRgb(48, 32, 6), { quality: 97, restartInterval: 1 })
    const info = parseJfif(jpeg)
    const scan = info.scan
    const stuffed = scan.indexOf(hex('ff00'))
    const rst = scan.indexOf(hex('ffd0'))
    assert.ok(stuffed > 0 && rst > 0)
    const cutSets = [
      Array.from({ length: scan.length - 1 }, (_, i) => i + 1), // every byte its own packet
      [stuffed + 1, rst + 1].sort((x, y) => x - y), // between FF and 00, between FF and D0
      [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, scan.length - 1],
    ]
    for (const cuts of cutSets) {
      const bounds = [0, ...cuts, scan.length]
      const packets = bounds.slice(0, -1).map((start, i) => {
        const end = bounds[i + 1]!
        // Hand-built, not from our packetizer: F = L = 1, count 0x3FFF ("not aligned", 3.1.7).
        const head = `00 ${start.toString(16).padStart(6, '0')} 41 ff 06 04 0001 ffff`
        const tables = start === 0 ? ` 00 00 0080 ${Buffer.concat(info.quantTables).toString('hex')}` : ''
        return rtp({ seq: i, marker: end === scan.length }, `${head}${tables} ${scan.subarray(start, end).toString('hex')}`)
      })
      const frames = pushAll(new JpegDepacketizer(), packets)
      assert.equal(frames.length, 1)
      assert.deepEqual(frames[0], jpeg)
    }
  })

  it('derives tables from Q 1..99 (RFC 2435 Appendix A)', () => {
    // Q 50 selects the Annex K tables, which is what our encoder uses at quality 50.
    const frames = pushAll(new JpegDepacketizer(), [rtp({ seq: 1, marker: true }, '00 000000 01 32 02 02 28a28a00')])
    assert.deepEqual(frames[0], flat16Jpeg())
    const q80 = pushAll(new JpegDepacketizer(), [rtp({ seq: 1, marker: true }, '00 000000 01 50 02 02 28a28a00')])
    assert.deepEqual(parseJfif(q80[0]!).quantTables, parseJfif(encodeJpeg(flatI420(16, 16), { quality: 80 })).quantTables)
  })

  it('reuses tables of Q 128..254 sent earlier, and refuses Q 255 without tables', () => {
    const d = new JpegDepacketizer()
    const withTables = pushAll(d, [rtp({ seq: 1, ts: 1, marker: true }, `00 000000 01 80 02 02 00 00 0080 ${Q50_TABLES_HEX} 28a28a00`)])
    const reused = pushAll(d, [rtp({ seq: 2, ts: 2, marker: true }, '00 000000 01 80 02 02 00 00 0000 28a28a00')])
    assert.deepEqual(reused[0], withTables[0])
    assert.throws(
      () => d.push(RtpPacket.parse(rtp({ seq: 3, marker: true }, '00 000000 01 81 02 02 00 00 0000 28a28a00'))),
      (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_JPEG_QTABLE_MISSING',
    )
    assert.throws(() => d.push(RtpPacket.parse(rtp({ seq: 4, marker: true }, '00 000000 01 ff 02 02 00 00 0000 28a28a00'))), ProtocolError)
  })

  it('uses a single in-band table for both components', () => {
    const frames = pushAll(new JpegDepacketizer(), [
      rtp({ seq: 1, marker: true }, `00 000000 01 ff 02 02 00 00 0040 ${Q50_TABLES_HEX.slice(0, 128)} 28a28a00`),
    ])
    const t = parseJfif(frames[0]!).quantTables
    assert.deepEqual(t[0], t[1])
  })

  it('does not repeat an EOI the sender included', () => {
    const frames = pushAll(new JpegDepacketizer(), [
      rtp({ seq: 1, marker: true }, `00 000000 01 ff 02 02 00 00 0080 ${Q50_TABLES_HEX} 28a28a00 ffd9`),
    ])
    assert.deepEqual(frames[0], flat16Jpeg())
  })

  it('throws and resets on a lost or reordered packet, then decodes the next frame', () => {
    const jpeg = encodeJpeg(noiseRgb(64, 48, 3), { quality: 80 })
    const packets = packetize(jpeg, 300)
    assert.ok(packets.length >= 4)
    const d = new JpegDepacketizer()
    // Lost packet 2.
    pushAll(d, packets.slice(0, 2))
    assert.throws(
      () => d.push(RtpPacket.parse(packets[3]!)),
      (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_JPEG_FRAGMENT_OFFSET',
    )
    // The rest of that frame is ignored (no frame in progress), not an error.
    assert.equal(d.push(RtpPacket.parse(packets[packets.length - 1]!)), undefined)
    assert.deepEqual(pushAll(d, packets), [jpeg])
    // Reordered.
    pushAll(d, packets.slice(0, 1))
    assert.throws(() => d.push(RtpPacket.parse(packets[2]!)), ProtocolError)
    assert.deepEqual(pushAll(d, packets), [jpeg])
  })

  it('ignores packets until a frame starts, and drops a frame whose end was lost', () => {
    const a = encodeJpeg(noiseRgb(64, 48, 1))
    const b = encodeJpeg(noiseRgb(64, 48, 2))
    const pa = packetize(a, 400, 1000)
    const pb = packetize(b, 400, 4000)
    const d = new JpegDepacketizer()
    assert.deepEqual(pushAll(d, pa.slice(1)), [], 'joined mid-frame')
    assert.deepEqual(pushAll(d, [...pa.slice(0, -1), ...pb]), [b], 'end of a lost, b complete')
    assert.equal(d.framesDropped, 1)
  })

  it('throws when a continuation has another timestamp or header', () => {
    const d = new JpegDepacketizer()
    const start = rtp({ seq: 1, ts: 5 }, `00 000000 01 ff 02 02 00 00 0080 ${Q50_TABLES_HEX} 28a2`)
    pushAll(d, [start])
    assert.throws(
      () => d.push(RtpPacket.parse(rtp({ seq: 2, ts: 6, marker: true }, '00 000002 01 ff 02 02 8a00'))),
      (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_JPEG_TIMESTAMP',
    )
    pushAll(d, [start])
    assert.throws(
      () => d.push(RtpPacket.parse(rtp({ seq: 2, ts: 5, marker: true }, '00 000002 01 ff 04 02 8a00'))),
      (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_JPEG_HEADER_CHANGED',
    )
    pushAll(d, [start])
    assert.throws(
      () => d.push(RtpPacket.parse(rtp({ seq: 2, ts: 5, marker: true }, '00 000002 41 ff 02 02 0001 c000 8a00'))),
      ProtocolError,
    )
  })

  it('rejects unsupported types, reserved Q, zero sizes and restart interval 0', () => {
    const d = new JpegDepacketizer()
    const cases: Array<[string, string, (e: unknown) => boolean]> = [
      ['type 2', '00 000000 02 32 02 02 00', (e) => e instanceof CodecError],
      ['type 66', '00 000000 42 32 02 02 0001 c000 00', (e) => e instanceof CodecError],
      ['type 128', '00 000000 80 32 02 02 00', (e) => e instanceof CodecError],
      ['Q 0', '00 000000 01 00 02 02 00', (e) => e instanceof CodecError],
      ['Q 100', '00 000000 01 64 02 02 00', (e) => e instanceof CodecError],
      ['width 0', '00 000000 01 32 00 02 00', (e) => e instanceof CodecError],
      ['16-bit tables', `00 000000 01 ff 02 02 00 01 0080 ${Q50_TABLES_HEX}`, (e) => e instanceof CodecError],
      ['table length 65', `00 000000 01 ff 02 02 00 00 0041 ${Q50_TABLES_HEX.slice(0, 130)}`, (e) => e instanceof ProtocolError],
      ['restart interval 0', '00 000000 41 32 02 02 0000 c000 00', (e) => e instanceof ProtocolError],
      ['short main header', '00 000000 01 32 02', (e) => e instanceof Error && (e as { code?: string }).code === 'ERR_JPEG_RTP_SHORT'],
      ['table past the end', '00 000000 01 ff 02 02 00 00 0080 0102', (e) => (e as { code?: string }).code === 'ERR_JPEG_RTP_SHORT'],
    ]
    for (const [name, payload, check] of cases) {
      assert.throws(() => d.push(RtpPacket.parse(rtp({ seq: 1, marker: true }, payload))), check, name)
    }
  })

  it('caps the frame size before appending', () => {
    const jpeg = encodeJpeg(noiseRgb(64, 64, 4), { quality: 95 })
    const d = new JpegDepacketizer({ maxFrameSize: 1000 })
    assert.throws(
      () => pushAll(d, packetize(jpeg, 300)),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_JPEG_FRAME_TOO_LARGE',
    )
    // Reset after the error: a small frame still works.
    assert.deepEqual(pushAll(d, [FLAT16_PACKET]), [flat16Jpeg()])
  })

  it('keeps no reference to packet memory', () => {
    const d = new JpegDepacketizer()
    const packets = packetize(encodeJpeg(noiseRgb(64, 48, 8)), 300)
    const copies = packets.map((b) => Buffer.from(b))
    for (let i = 0; i < packets.length - 1; i++) {
      d.push(RtpPacket.parse(packets[i]!))
      packets[i]!.fill(0) // the caller reuses its buffer
    }
    const out = d.push(RtpPacket.parse(packets[packets.length - 1]!))
    assert.deepEqual(out, pushAll(new JpegDepacketizer(), copies)[0])
  })
})
