/**
 * RFC 3551 L16 packet vectors shared by the packetizer test, the depacketizer test and the fuzzer.
 * Every vector: SSRC 0x9dbb7812, first sequence 0x1234, first instant at timestamp 0x00aabbcc.
 */
import { hex } from '../../helpers/split.js'

export const VECTOR_SSRC = 0x9dbb7812
export const VECTOR_SEQUENCE = 0x1234
export const VECTOR_TIMESTAMP = 0x00aabbcc

export interface L16PacketVector {
  name: string
  sampleRate: number
  channels: number
  packetTimeMs?: number
  maxPacketSize?: number
  /** Big-endian samples, interleaved. */
  block: Buffer
  packets: Buffer[]
}

export const L16_PACKET_VECTORS: L16PacketVector[] = [
  {
    name: '48 kHz stereo on dynamic payload type 98, cut to fit a 20-byte maxPacketSize',
    sampleRate: 48000,
    channels: 2,
    maxPacketSize: 20, // 8 bytes of payload: two stereo instants
    block: hex('0001 fffe | 0203 fdfc | 0405 fbfa | 0607 f9f8 | 0809 f7f6'), // 5 instants: left, right
    packets: [
      hex(
        '80 | 62 | 1234 | 00aabbcc | 9dbb7812' + // V=2; M=0, PT=98; seq; timestamp; SSRC
          '0001 fffe | 0203 fdfc',
      ), // instants 0 and 1, big-endian, left then right
      hex(
        '80 | 62 | 1235 | 00aabbce | 9dbb7812' + // timestamp + 2 instants
          '0405 fbfa | 0607 f9f8',
      ),
      hex('80 | 62 | 1236 | 00aabbd0 | 9dbb7812' + '0809 f7f6'),
    ],
  },
  {
    name: '44.1 kHz mono on static payload type 11, 0.1 ms packets (4 instants)',
    sampleRate: 44100,
    channels: 1,
    packetTimeMs: 0.1, // round(4.41) instants
    block: hex('7fff 8000 0000 0001 | 1234 5678'),
    packets: [
      hex('80 | 0b | 1234 | 00aabbcc | 9dbb7812 | 7fff 8000 0000 0001'), // PT=11: L16/44100/1
      hex('80 | 0b | 1235 | 00aabbd0 | 9dbb7812 | 1234 5678'), // timestamp + 4
    ],
  },
  {
    name: '44.1 kHz stereo on static payload type 10',
    sampleRate: 44100,
    channels: 2,
    maxPacketSize: 20,
    block: hex('0102 0304 | 0506 0708 | 090a 0b0c'),
    packets: [
      hex('80 | 0a | 1234 | 00aabbcc | 9dbb7812 | 0102 0304 0506 0708'), // PT=10: L16/44100/2
      hex('80 | 0a | 1235 | 00aabbce | 9dbb7812 | 090a 0b0c'),
    ],
  },
]
