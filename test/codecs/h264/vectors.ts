/**
 * RFC 6184 packet vectors shared by the packetizer test, the depacketizer test and the fuzzer.
 * Every vector: SSRC 0x9dbb7812, payload type 96, first sequence 0x1234, timestamp 0x00aabbcc.
 */
import { hex } from '../../helpers/split.js'

export const VECTOR_SSRC = 0x9dbb7812
export const VECTOR_SEQUENCE = 0x1234
export const VECTOR_TIMESTAMP = 0x00aabbcc

/** x264 Baseline 320x240 SPS and its PPS. */
export const BASELINE_SPS = hex('67 42c00d d90141fb011000000300100000030320f142a480')
export const BASELINE_PPS = hex('68 cb83cb20')

export interface PacketVector {
  name: string
  maxPacketSize?: number
  nalus: Buffer[]
  packets: Buffer[]
  keyframe: boolean
}

export const PACKET_VECTORS: PacketVector[] = [
  {
    name: 'single NAL unit packet',
    nalus: [hex('65 888400 21ff')],
    keyframe: true,
    packets: [
      hex(
        `80 | e0 | 1234 | 00aabbcc | 9dbb7812` + // V=2; M=1, PT=96; seq; timestamp; SSRC
          `65 888400 21ff`,
      ), // the NAL unit as is: F=0 NRI=3 type=5 (IDR), slice data
    ],
  },
  {
    name: 'STAP-A of SPS and PPS, then a single NAL unit that no longer fits',
    maxPacketSize: 72, // 60-byte payloads: SPS+PPS in a STAP-A take 34, adding the IDR would take 76
    nalus: [BASELINE_SPS, BASELINE_PPS, Buffer.concat([hex('65 b8 0004'), Buffer.alloc(36, 0x5a)])],
    keyframe: true,
    packets: [
      hex(
        `80 | 60 | 1234 | 00aabbcc | 9dbb7812` + // M=0
          `78` + // STAP-A header: F=0, NRI=3 (highest of SPS/PPS), type=24
          `0018 | 6742c00dd90141fb011000000300100000030320f142a480` + // size 24, SPS
          `0005 | 68cb83cb20`,
      ), // size 5, PPS
      hex(
        `80 | e0 | 1235 | 00aabbcc | 9dbb7812` + // M=1, next sequence
          `65b80004 ${'5a'.repeat(36)}`,
      ), // IDR as a single NAL unit packet (40 bytes)
    ],
  },
  {
    name: 'STAP-A NRI is the highest aggregated NRI',
    nalus: [hex('06 0501 80'), hex('41 9a2021')],
    keyframe: false,
    packets: [
      hex(
        `80 | e0 | 1234 | 00aabbcc | 9dbb7812` +
          `58` + // STAP-A header: F=0, NRI=2 (SEI has 0, the P slice 2), type=24
          `0004 | 06050180` + // size 4, SEI
          `0004 | 419a2021`,
      ), // size 4, non-IDR slice with NRI=2
    ],
  },
  {
    name: 'FU-A start, middle and end',
    maxPacketSize: 18, // 6-byte payloads: FU indicator + FU header + 4 bytes of NAL unit
    nalus: [hex('65 01020304 05060708 09')],
    keyframe: true,
    packets: [
      hex(
        `80 | 60 | 1234 | 00aabbcc | 9dbb7812` +
          `7c` + // FU indicator: F=0, NRI=3 (from the NAL header 0x65), type=28
          `85` + // FU header: S=1, E=0, R=0, type=5
          `01020304`,
      ), // first fragment (the NAL header byte itself is not sent)
      hex(`80 | 60 | 1235 | 00aabbcc | 9dbb7812` + `7c | 05 | 05060708`), // S=0, E=0
      hex(
        `80 | e0 | 1236 | 00aabbcc | 9dbb7812` + // M=1 on the last fragment
          `7c | 45 | 09`,
      ), // S=0, E=1
    ],
  },
  {
    name: 'aggregation restarts after a fragmented NAL unit',
    maxPacketSize: 21, // 9-byte payloads
    nalus: [hex('09 f0'), hex('41 010203040506070809'), hex('01 aa'), hex('01 bb')],
    keyframe: false,
    packets: [
      hex(`80 | 60 | 1234 | 00aabbcc | 9dbb7812` + `09f0`), // AUD alone: the next NAL unit is fragmented, so nothing to aggregate with
      hex(`80 | 60 | 1235 | 00aabbcc | 9dbb7812` + `5c | 81 | 01020304050607`), // FU indicator NRI=2 type 28; FU header S=1 type=1; 7 bytes
      hex(`80 | 60 | 1236 | 00aabbcc | 9dbb7812` + `5c | 41 | 0809`), // E=1
      hex(`80 | e0 | 1237 | 00aabbcc | 9dbb7812` + `18 | 0002 01aa | 0002 01bb`), // STAP-A, NRI=0: two 2-byte NAL units (9 bytes)
    ],
  },
]
