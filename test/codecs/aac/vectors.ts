/**
 * RFC 3640 (mpeg4-generic, AAC-hbr) packet vectors shared by the packetizer test, the depacketizer test
 * and the fuzzer. Every vector: SSRC 0x9dbb7812, payload type 97, first sequence 0x1234, first AU at
 * timestamp 0x00aabbcc, 1024 ticks per AU.
 */
import { hex } from '../../helpers/split.js'

export const VECTOR_SSRC = 0x9dbb7812
export const VECTOR_SEQUENCE = 0x1234
export const VECTOR_TIMESTAMP = 0x00aabbcc
export const VECTOR_AU_DURATION = 1024

/** AAC-LC, 48000 Hz, stereo: object type 2 (5 bits), index 3 (4), channels 2 (4), GASpecificConfig 000. */
export const ASC_LC_48K_STEREO = hex('1190')

export interface AacPacketVector {
  name: string
  maxPacketSize?: number
  /** Consecutive AUs given to one `packetize` call. */
  aus: Buffer[]
  packets: Buffer[]
}

export const AAC_PACKET_VECTORS: AacPacketVector[] = [
  {
    name: 'one AU in one packet',
    aus: [hex('21 1b 80 0c')],
    packets: [
      hex(
        '80 | e1 | 1234 | 00aabbcc | 9dbb7812' + // V=2; M=1, PT=97; seq; timestamp; SSRC
          '0010' + // AU-headers-length: 16 bits
          '0020' + // AU-header: AU-size 4 (<< 3), AU-Index 0
          '211b800c',
      ), // the AU
    ],
  },
  {
    name: 'three AUs aggregated in one packet',
    aus: [hex('01 02'), hex('03 04 05'), hex('06')],
    packets: [
      hex(
        '80 | e1 | 1234 | 00aabbcc | 9dbb7812' + // M=1: the packet holds complete AUs
          '0030' + // AU-headers-length: 48 bits, three headers
          '0010 | 0018 | 0008' + // AU-sizes 2, 3, 1; AU-Index 0, then AU-Index-delta 0 (consecutive)
          '0102 | 030405 | 06',
      ), // AU data in order
    ],
  },
  {
    name: 'aggregation limited by the packet size; the next packet has the timestamp of its first AU',
    maxPacketSize: 26, // 14-byte payloads: 2 + 2 * (2 + 4)
    aus: [hex('a1a2a3a4'), hex('b1b2b3b4'), hex('c1c2c3c4')],
    packets: [
      hex(
        '80 | e1 | 1234 | 00aabbcc | 9dbb7812' +
          '0020 | 0020 | 0020' + // 32 bits of headers: two AUs of 4 bytes
          'a1a2a3a4 | b1b2b3b4',
      ),
      hex(
        '80 | e1 | 1235 | 00aac3cc | 9dbb7812' + // timestamp + 2 * 1024
          '0010 | 0020 | c1c2c3c4',
      ),
    ],
  },
  {
    name: 'one AU fragmented over three packets',
    maxPacketSize: 20, // 8-byte payloads: 4 bytes of AU-header section, 4 bytes of AU
    aus: [hex('00 01 02 03 04 05 06 07 08 09')],
    packets: [
      hex(
        '80 | 61 | 1234 | 00aabbcc | 9dbb7812' + // M=0: not the last fragment
          '0010 | 0050' + // one AU-header with the size of the whole AU: 10 (<< 3 = 0x50)
          '00010203',
      ),
      hex(
        '80 | 61 | 1235 | 00aabbcc | 9dbb7812' + // same timestamp for every fragment
          '0010 | 0050 | 04050607',
      ),
      hex(
        '80 | e1 | 1236 | 00aabbcc | 9dbb7812' + // M=1 on the last fragment
          '0010 | 0050 | 0809',
      ),
    ],
  },
  {
    name: 'a fragmented AU between two small ones',
    maxPacketSize: 20,
    aus: [hex('aa bb'), hex('00 01 02 03 04 05'), hex('cc')],
    packets: [
      hex('80 | e1 | 1234 | 00aabbcc | 9dbb7812' + '0010 | 0010 | aabb'), // alone: adding the 6-byte AU would need 2 + 4 + 8 > 8 bytes
      hex(
        '80 | 61 | 1235 | 00aabfcc | 9dbb7812' + // second AU: timestamp + 1024, fragment 1
          '0010 | 0030 | 00010203',
      ), // AU-size 6
      hex('80 | e1 | 1236 | 00aabfcc | 9dbb7812' + '0010 | 0030 | 0405'),
      hex(
        '80 | e1 | 1237 | 00aac3cc | 9dbb7812' + // third AU: timestamp + 2048
          '0010 | 0008 | cc',
      ),
    ],
  },
]
