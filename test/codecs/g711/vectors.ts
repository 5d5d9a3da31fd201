/**
 * RFC 3551 G.711 packet vectors shared by the packetizer test, the depacketizer test and the fuzzer.
 * Every vector: SSRC 0x9dbb7812, first sequence 0x1234, first sample at timestamp 0x00aabbcc.
 */
import { hex } from '../../helpers/split.js'
import type { G711Law } from '../../../src/codecs/g711/format.js'

export const VECTOR_SSRC = 0x9dbb7812
export const VECTOR_SEQUENCE = 0x1234
export const VECTOR_TIMESTAMP = 0x00aabbcc

export interface G711PacketVector {
  name: string
  law: G711Law
  channels?: number
  packetTimeMs?: number
  maxPacketSize?: number
  block: Buffer
  packets: Buffer[]
}

const ramp = (n: number, from = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff))

export const G711_PACKET_VECTORS: G711PacketVector[] = [
  {
    name: 'PCMU mono, 1 ms packets: 8, 8 and 4 samples',
    law: 'pcmu',
    packetTimeMs: 1,
    block: ramp(20),
    packets: [
      hex(
        '80 | 00 | 1234 | 00aabbcc | 9dbb7812' + // V=2; M=0, PT=0 (PCMU); seq; timestamp; SSRC
          '0001020304050607',
      ), // 8 samples of 1 ms at 8000 Hz
      hex(
        '80 | 00 | 1235 | 00aabbd4 | 9dbb7812' + // timestamp + 8
          '08090a0b0c0d0e0f',
      ),
      hex(
        '80 | 00 | 1236 | 00aabbdc | 9dbb7812' + // timestamp + 16: the rest of the block
          '10111213',
      ),
    ],
  },
  {
    name: 'PCMA stereo, 1 ms packets: instants keep both channels together',
    law: 'pcma',
    channels: 2,
    packetTimeMs: 1,
    block: ramp(24, 0xa0),
    packets: [
      hex(
        '80 | 08 | 1234 | 00aabbcc | 9dbb7812' + // PT=8 (PCMA)
          'a0a1 a2a3 a4a5 a6a7 a8a9 aaab acad aeaf',
      ), // 8 instants, left then right
      hex(
        '80 | 08 | 1235 | 00aabbd4 | 9dbb7812' + // timestamp counts instants, not bytes: + 8
          'b0b1 b2b3 b4b5 b6b7',
      ),
    ],
  },
  {
    name: 'PCMU mono, 20 ms packets cut to fit a 17-byte maxPacketSize',
    law: 'pcmu',
    maxPacketSize: 17, // 5 bytes of payload
    block: ramp(7, 0x70),
    packets: [
      hex('80 | 00 | 1234 | 00aabbcc | 9dbb7812 | 7071727374'),
      hex('80 | 00 | 1235 | 00aabbd1 | 9dbb7812 | 7576'), // timestamp + 5
    ],
  },
]
