/**
 * RFC 7798 packet vectors shared by the packetizer test, the depacketizer test and the fuzzer.
 * Every vector: SSRC 0x9dbb7812, payload type 96, first sequence 0x1234, timestamp 0x00aabbcc.
 *
 * H.265 NAL unit header (2 bytes): F(1) Type(6) LayerId(6) TID(3). For LayerId 0 and TID 1 the
 * first byte is type << 1 and the second 0x01: VPS 40 01, SPS 42 01, PPS 44 01, AUD 46 01,
 * prefix SEI 4e 01, IDR_W_RADL 26 01, TRAIL_R 02 01, TRAIL_N 00 01.
 */
import { hex } from '../../helpers/split.js'

export const VECTOR_SSRC = 0x9dbb7812
export const VECTOR_SEQUENCE = 0x1234
export const VECTOR_TIMESTAMP = 0x00aabbcc

/** Parameter sets written by libx265 (ffmpeg 5.1) for testsrc2 640x360 at 25 fps, Main profile, level 2.1. */
export const X265_VPS = hex('4001 0c01ffff01600000030090000003000003003f959809')
export const X265_SPS = hex('4201 0101600000030090000003000003003fa00502016965959a4932bc05a02000000300200000030321')
export const X265_PPS = hex('4401 c172b46240')

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
    nalus: [hex('2601 af1d30c6')],
    keyframe: true,
    packets: [
      hex(
        `80 | e0 | 1234 | 00aabbcc | 9dbb7812` + // V=2; M=1, PT=96; seq; timestamp; SSRC
          `2601 | af1d30c6`,
      ), // the NAL unit as is: F=0 Type=19 (IDR_W_RADL) LayerId=0 TID=1; slice data
    ],
  },
  {
    name: 'AP of VPS, SPS and PPS, then a single NAL unit that no longer fits',
    maxPacketSize: 93, // 81-byte payloads: the AP of the three parameter sets takes exactly 81
    nalus: [X265_VPS, X265_SPS, X265_PPS, Buffer.concat([hex('2601 af1d'), Buffer.alloc(36, 0x5a)])],
    keyframe: true,
    packets: [
      hex(
        `80 | 60 | 1234 | 00aabbcc | 9dbb7812` + // M=0
          `6001` + // PayloadHdr: F=0, Type=48 (AP), LayerId=0, TID=1
          `0018 | 40010c01ffff01600000030090000003000003003f959809` + // size 24, VPS
          `002a | 42010101600000030090000003000003003fa00502016965959a4932bc05a02000000300200000030321` + // size 42, SPS
          `0007 | 4401c172b46240`,
      ), // size 7, PPS
      hex(
        `80 | e0 | 1235 | 00aabbcc | 9dbb7812` + // M=1, next sequence
          `2601af1d ${'5a'.repeat(36)}`,
      ), // IDR as a single NAL unit packet (40 bytes)
    ],
  },
  {
    name: 'AP PayloadHdr takes the lowest LayerId and TID',
    nalus: [hex('0413 01'), hex('020a 02')],
    keyframe: false,
    packets: [
      hex(
        `80 | e0 | 1234 | 00aabbcc | 9dbb7812` +
          `600a` + // PayloadHdr: Type=48, LayerId=1 (lowest of 2 and 1), TID=2 (lowest of 3 and 2)
          `0003 | 0413 01` + // size 3, TSA_N (type 2), LayerId=2, TID=3
          `0003 | 020a 02`,
      ), // size 3, TRAIL_R (type 1), LayerId=1, TID=2
    ],
  },
  {
    name: 'AP F bit is the OR of the aggregated F bits',
    nalus: [hex('8001 aa'), hex('0201 bb')],
    keyframe: false,
    packets: [
      hex(
        `80 | e0 | 1234 | 00aabbcc | 9dbb7812` +
          `e001` + // PayloadHdr: F=1 (set on the first NAL unit), Type=48, LayerId=0, TID=1
          `0003 | 8001aa` + // size 3, F=1 TRAIL_N
          `0003 | 0201bb`,
      ), // size 3, TRAIL_R
    ],
  },
  {
    name: 'FU start, middle and end',
    maxPacketSize: 19, // 7-byte payloads: PayloadHdr + FU header + 4 bytes of NAL unit
    nalus: [hex('2601 01020304 05060708 09')],
    keyframe: true,
    packets: [
      hex(
        `80 | 60 | 1234 | 00aabbcc | 9dbb7812` +
          `6201` + // PayloadHdr: F=0, Type=49 (FU), LayerId=0, TID=1 (those of the NAL unit)
          `93` + // FU header: S=1, E=0, FuType=19
          `01020304`,
      ), // first fragment (the 2-byte NAL header itself is not sent)
      hex(`80 | 60 | 1235 | 00aabbcc | 9dbb7812` + `6201 | 13 | 05060708`), // S=0, E=0
      hex(
        `80 | e0 | 1236 | 00aabbcc | 9dbb7812` + // M=1 on the last fragment
          `6201 | 53 | 09`,
      ), // S=0, E=1
    ],
  },
  {
    name: 'FU keeps the LayerId and TID of the NAL unit',
    maxPacketSize: 20, // 8-byte payloads: 5 bytes of NAL unit per fragment
    nalus: [hex('030a 0102030405 060708')],
    keyframe: false,
    packets: [
      hex(
        `80 | 60 | 1234 | 00aabbcc | 9dbb7812` +
          `630a` + // PayloadHdr: Type=49, LayerId=33 (high bit in byte 0), TID=2
          `81 | 0102030405`,
      ), // S=1, FuType=1 (TRAIL_R)
      hex(`80 | e0 | 1235 | 00aabbcc | 9dbb7812` + `630a | 41 | 060708`), // E=1
    ],
  },
  {
    name: 'aggregation restarts after a fragmented NAL unit',
    maxPacketSize: 24, // 12-byte payloads: 9 bytes of NAL unit per FU
    nalus: [hex('4601 50'), hex('0201 0102030405060708090a0b0c'), hex('0201 aa'), hex('0201 bb')],
    keyframe: false,
    packets: [
      hex(`80 | 60 | 1234 | 00aabbcc | 9dbb7812` + `4601 50`), // AUD alone: the next NAL unit is fragmented, so nothing to aggregate with
      hex(`80 | 60 | 1235 | 00aabbcc | 9dbb7812` + `6201 | 81 | 010203040506070809`), // FU of TRAIL_R, S=1: 9 bytes
      hex(`80 | 60 | 1236 | 00aabbcc | 9dbb7812` + `6201 | 41 | 0a0b0c`), // E=1
      hex(`80 | e0 | 1237 | 00aabbcc | 9dbb7812` + `6001 | 0003 0201aa | 0003 0201bb`), // AP of two 3-byte NAL units (12 bytes)
    ],
  },
]
