/**
 * RFC 7587 packet vectors shared by the packetizer test, the depacketizer test and the fuzzer.
 * Every vector: SSRC 0x9dbb7812, payload type 111, first sequence 0x1234, timestamp 0x00aabbcc.
 */
import { hex } from '../../helpers/split.js'

export const VECTOR_SSRC = 0x9dbb7812
export const VECTOR_SEQUENCE = 0x1234
export const VECTOR_TIMESTAMP = 0x00aabbcc

export interface OpusPacketVector {
  name: string
  /** Consecutive Opus packets given to one `packetize` call. */
  opus: Buffer[]
  packets: Buffer[]
}

export const OPUS_PACKET_VECTORS: OpusPacketVector[] = [
  {
    name: 'one 20 ms CELT packet',
    opus: [hex('fc aabbcc')],
    packets: [
      hex(
        '80 | 6f | 1234 | 00aabbcc | 9dbb7812' + // V=2; M=0, PT=111; seq; timestamp; SSRC
          'fc' + // TOC: config 31 (CELT fullband 20 ms), s=1 (stereo), c=0 (one frame)
          'aabbcc',
      ), // the compressed frame
    ],
  },
  {
    name: 'two packets: the second stamped 960 samples later',
    opus: [hex('fc 0102'), hex('78 0304')],
    packets: [
      hex('80 | 6f | 1234 | 00aabbcc | 9dbb7812 | fc 0102'),
      hex(
        '80 | 6f | 1235 | 00aabf8c | 9dbb7812' + // timestamp + 960 (0x3c0)
          '78 0304',
      ), // TOC: config 15 (Hybrid fullband 20 ms), mono, one frame
    ],
  },
  {
    name: 'a 60 ms code 3 packet, then a SILK packet 2880 samples later',
    opus: [hex('fb 03 0102 0304 0506'), hex('08 ff')],
    packets: [
      hex(
        '80 | 6f | 1234 | 00aabbcc | 9dbb7812' +
          'fb' + // TOC: config 31 (20 ms), mono, c=3 (arbitrary number of frames)
          '03' + // frame count byte: v=0 (CBR), p=0, M=3 → 60 ms
          '0102 | 0304 | 0506',
      ), // three 2-byte frames
      hex(
        '80 | 6f | 1235 | 00aac70c | 9dbb7812' + // timestamp + 2880 (0xb40)
          '08 ff',
      ), // TOC: config 1 (SILK narrowband 20 ms), mono, one frame
    ],
  },
]
