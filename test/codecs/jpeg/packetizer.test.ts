import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeJpeg } from '../../../src/codecs/jpeg/encoder.js'
import { parseJfif } from '../../../src/codecs/jpeg/jfif.js'
import { JPEG_MIN_PACKET_SIZE, JpegPacketizer } from '../../../src/codecs/jpeg/packetizer.js'
import { parseJpegPayload } from '../../../src/codecs/jpeg/payload-header.js'
import { ConfigError } from '../../../src/errors.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { vec } from './vectors.js'
import {
  FLAT16_PACKET,
  FLAT32_RESTART_MAX_PACKET,
  FLAT32_RESTART_PACKETS,
  VECTOR_SEQUENCE,
  VECTOR_SSRC,
  VECTOR_TIMESTAMP,
  flat16Jpeg,
  flat32RestartJpeg,
  noiseRgb,
} from './vectors.js'

const packetizer = (maxPacketSize?: number, initialSequence = VECTOR_SEQUENCE): JpegPacketizer =>
  new JpegPacketizer({ ssrc: VECTOR_SSRC, initialSequence, maxPacketSize })

describe('JpegPacketizer', () => {
  it('packetizes a 16x16 frame into the vector packet', () => {
    const p = packetizer()
    const packets = p.packetize(flat16Jpeg(), VECTOR_TIMESTAMP)
    assert.equal(packets.length, 1)
    assert.deepEqual(packets[0], FLAT16_PACKET)
    assert.equal(p.nextSequence, VECTOR_SEQUENCE + 1)
    assert.equal(p.ssrc, VECTOR_SSRC)
  })

  it('splits a frame without restart markers at maxPacketSize', () => {
    const jpeg = encodeJpeg(noiseRgb(32, 32, 5), { quality: 90 })
    const scan = parseJfif(jpeg).scan
    const max = 170
    const packets = packetizer(max).packetize(jpeg, VECTOR_TIMESTAMP)
    // First packet: 12 RTP + 8 main + 4 + 128 tables = 152 bytes of headers, so 18 bytes of scan.
    assert.deepEqual(
      packets[0]!.subarray(0, 12 + 8 + 4),
      vec(`
      80 1a            // V=2; M=0, PT=26
      1234             // sequence
      aabbccdd         // timestamp
      11223344         // SSRC
      00 000000        // type-specific 0, fragment offset 0
      01 ff 04 04      // type 1, Q 255, 32x32
      00 00 0080       // table header: 8-bit, 128 bytes
    `),
    )
    const info = parseJfif(jpeg)
    assert.deepEqual(packets[0]!.subarray(24, 152), Buffer.concat(info.quantTables), 'quality 90 tables')
    assert.deepEqual(packets[0]!.subarray(152), scan.subarray(0, 18))
    let offset = 0
    packets.forEach((buf, i) => {
      assert.ok(buf.length <= max)
      const rtp = RtpPacket.parse(buf)
      assert.equal(rtp.sequenceNumber, VECTOR_SEQUENCE + i)
      assert.equal(rtp.timestamp, VECTOR_TIMESTAMP)
      assert.equal(rtp.marker, i === packets.length - 1, 'marker only on the last packet')
      const h = parseJpegPayload(rtp.payload)
      assert.equal(h.main.fragmentOffset, offset)
      assert.equal(h.main.type, 1)
      assert.equal(h.main.q, 255)
      assert.equal(h.restart, undefined)
      assert.equal(h.qtables !== undefined, i === 0, 'tables only in the packet at offset 0')
      if (i > 0 && i < packets.length - 1) assert.equal(buf.length, max, 'middle packets are full')
      assert.deepEqual(h.data, scan.subarray(offset, offset + h.data.length))
      offset += h.data.length
    })
    assert.equal(offset, scan.length)
    assert.ok(packets.length > 3)
  })

  it('aligns packets to restart intervals (vector)', () => {
    const packets = packetizer(FLAT32_RESTART_MAX_PACKET).packetize(flat32RestartJpeg(), VECTOR_TIMESTAMP)
    assert.deepEqual(packets, FLAT32_RESTART_PACKETS)
  })

  it('spreads an interval larger than a packet with F on its first and L on its last packet', () => {
    const jpeg = encodeJpeg(noiseRgb(64, 32, 11), { quality: 90, restartInterval: 2 })
    const info = parseJfif(jpeg)
    const packets = packetizer(300).packetize(jpeg, 0)
    const headers = packets.map((b) => parseJpegPayload(RtpPacket.parse(b).payload))
    // Intervals: 8 MCUs / 2 = 4, each several hundred bytes.
    const starts = [0]
    for (let i = 1; i < info.scan.length; i++)
      if (info.scan[i - 1] === 0xff && info.scan[i]! >= 0xd0 && info.scan[i]! <= 0xd7) starts.push(i + 1)
    assert.equal(starts.length, 4)
    for (const h of headers) {
      assert.equal(h.main.type, 65)
      assert.equal(h.restart!.restartInterval, 2)
      const k = h.restart!.restartCount
      const end: number = k + 1 < starts.length ? starts[k + 1]! : info.scan.length
      assert.ok(
        h.main.fragmentOffset >= starts[k]! && h.main.fragmentOffset + h.data.length <= end,
        'each packet stays inside its interval',
      )
      assert.equal(h.restart!.first, h.main.fragmentOffset === starts[k], 'F marks the start of the chunk')
      assert.equal(h.restart!.last, h.main.fragmentOffset + h.data.length === end, 'L marks its end')
    }
    assert.deepEqual([...new Set(headers.map((h) => h.restart!.restartCount))], [0, 1, 2, 3])
    assert.deepEqual(Buffer.concat(headers.map((h) => h.data)), info.scan)
  })

  it('packs several small intervals per packet and never splits one that fits', () => {
    const jpeg = encodeJpeg(noiseRgb(160, 48, 2), { quality: 30, restartInterval: 1 })
    const packets = packetizer(400).packetize(jpeg, 0)
    const headers = packets.map((b) => parseJpegPayload(RtpPacket.parse(b).payload))
    assert.ok(headers.some((h) => h.restart!.first && h.restart!.last && h.data.length > 0))
    let next = 0
    for (const h of headers) {
      assert.ok(h.restart!.restartCount >= next - 1)
      next = h.restart!.restartCount + 1
      if (h.restart!.first && h.restart!.last) {
        // A whole chunk ends with an RST marker unless it is the end of the frame.
        const d = h.data
        const endsWithRst = d.length >= 2 && d[d.length - 2] === 0xff && d[d.length - 1]! >= 0xd0 && d[d.length - 1]! <= 0xd7
        assert.ok(endsWithRst || h === headers[headers.length - 1])
      }
    }
  })

  it('wraps the sequence number and rounds odd sizes up to 8-pixel units', () => {
    const p = packetizer(undefined, 0xffff)
    const packets = p.packetize(encodeJpeg(noiseRgb(33, 17, 1)), 90000)
    assert.equal(RtpPacket.parse(packets[0]!).sequenceNumber, 0xffff)
    assert.equal(p.nextSequence, packets.length - 1)
    const h = parseJpegPayload(RtpPacket.parse(packets[0]!).payload)
    assert.equal(h.main.width, 5) // ceil(33 / 8)
    assert.equal(h.main.height, 3) // ceil(17 / 8)
  })

  it('uses the payload type it is given and a random initial sequence by default', () => {
    const p = new JpegPacketizer({ ssrc: 1, payloadType: 96, random: { u16: () => 4242, u32: () => 0, digits: () => '' } })
    assert.equal(p.nextSequence, 4242)
    assert.equal(RtpPacket.parse(p.packetize(flat16Jpeg(), 0)[0]!).payloadType, 96)
  })

  it('validates options', () => {
    assert.throws(
      () => new JpegPacketizer({ ssrc: 1, maxPacketSize: JPEG_MIN_PACKET_SIZE - 1 }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_MAX_PACKET_SIZE',
    )
    assert.throws(() => new JpegPacketizer({ ssrc: 1, payloadType: 128 }), ConfigError)
    // The smallest allowed size still works, also with restart markers.
    const tiny = new JpegPacketizer({ ssrc: 1, initialSequence: 0, maxPacketSize: JPEG_MIN_PACKET_SIZE })
    const packets = tiny.packetize(flat32RestartJpeg(), 0)
    assert.ok(packets.every((b) => b.length <= JPEG_MIN_PACKET_SIZE))
  })
})
