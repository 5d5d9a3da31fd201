/** VP8 RTP payloads (RFC 7741) with a comment per field, shared by the depacketizer, packetizer and fuzz tests. */
import { annotatedHex as hex } from '../../helpers/annotated-hex.js'

/** A key frame: frame tag, start code, 320x240, then stand-in partition bytes. */
export const KEY_FRAME = hex(`
  70 24 00   | frame tag LE 0x002470: P=0 (key), version 0, show_frame 1, first partition 0x123 bytes
  9d 01 2a   | start code
  40 01      | width 320, horizontal scale 0
  f0 00      | height 240, vertical scale 0
  de ad be ef 01 02 03 | partition data (stand-in)
`)

/** An inter frame: only its frame tag is parsed. */
export const INTER_FRAME = hex(`
  71 05 00   | frame tag LE 0x000571: P=1 (inter), version 0, show_frame 1
  aa bb cc   | partition data
`)

export interface Vp8DescriptorVector {
  name: string
  descriptor: Buffer
  expected: Record<string, unknown>
}

export const DESCRIPTOR_VECTORS: Vp8DescriptorVector[] = [
  {
    name: 'the one required octet',
    descriptor: hex('10 | X=0 R=0 N=0 S=1 R=0 PID=0'),
    expected: { size: 1, nonReference: false, start: true, partitionIndex: 0 },
  },
  {
    name: 'a 7-bit picture ID',
    descriptor: hex(`
      80 | X=1 S=0 PID=0
      80 | I=1 L=0 T=0 K=0
      17 | M=0 PictureID=0x17
    `),
    expected: { size: 3, nonReference: false, start: false, partitionIndex: 0, pictureId: 0x17, pictureIdLong: false },
  },
  {
    name: 'every extension: 15-bit picture ID, TL0PICIDX, TID/Y/KEYIDX, N and a partition index',
    descriptor: hex(`
      b2 | X=1 R=0 N=1 S=1 R=0 PID=2
      f0 | I=1 L=1 T=1 K=1
      81 | M=1 PictureID high 7 bits 0x01
      23 | PictureID low octet: 0x0123
      05 | TL0PICIDX=5
      65 | TID=1 Y=1 KEYIDX=5
    `),
    expected: {
      size: 6,
      nonReference: true,
      start: true,
      partitionIndex: 2,
      pictureId: 0x123,
      pictureIdLong: true,
      tl0PicIdx: 5,
      temporalLayer: 1,
      layerSync: true,
      keyIndex: 5,
    },
  },
  {
    name: 'K without T: only KEYIDX is read from the shared octet',
    descriptor: hex(`
      90 | X=1 S=1
      10 | K=1
      e3 | TID bits (ignored: T=0) KEYIDX=3
    `),
    expected: { size: 3, nonReference: false, start: true, partitionIndex: 0, keyIndex: 3 },
  },
]
