/** VP9 RTP payload descriptors (RFC 9628) and frames with a comment per field, shared by the VP9 tests. */
import { annotatedHex as hex } from '../../helpers/annotated-hex.js'

/** A profile 0 key frame of 320x240: uncompressed header up to the size, then stand-in bytes. */
export const KEY_FRAME = hex(`
  82 | frame_marker 2, profile 0 (low 0, high 0), show_existing_frame 0, frame_type 0 (KEY), show_frame 1, error_resilient 0
  49 83 42 | frame_sync_code
  00 | color_space 0 (4 bits with color_range 0), then width-1 high nibble 0
  13 f0 | frame_width_minus_1 319 continues (0x013f), frame_height_minus_1 starts
  0e f0 | frame_height_minus_1 239 (0x00ef), then 4 bits of what follows
  11 22 33 44 | the rest of the frame (stand-in)
`)

/** An inter frame: frame_type 1. */
export const INTER_FRAME = hex(`
  86 | frame_marker 2, profile 0, show_existing_frame 0, frame_type 1 (NON_KEY), show_frame 1, error_resilient 0
  55 66 77 | the rest (stand-in)
`)

export interface Vp9DescriptorVector {
  name: string
  descriptor: Buffer
  expected: Record<string, unknown>
}

export const DESCRIPTOR_VECTORS: Vp9DescriptorVector[] = [
  {
    name: "ffmpeg's: B and E only",
    descriptor: hex('0c | I=0 P=0 L=0 F=0 B=1 E=1 V=0 Z=0'),
    expected: { size: 1, interPicture: false, flexible: false, start: true, end: true, notReferencedByUpperLayers: false },
  },
  {
    name: 'ours on a key frame: 15-bit picture ID and an SS with the size',
    descriptor: hex(`
      8e | I=1 P=0 L=0 F=0 B=1 E=1 V=1 Z=0
      81 | M=1, picture ID high 7 bits 0x01
      23 | picture ID low octet: 0x0123
      10 | SS: N_S=0 (one spatial layer) Y=1 G=0
      01 40 | WIDTH 320
      00 f0 | HEIGHT 240
    `),
    expected: {
      size: 8,
      interPicture: false,
      flexible: false,
      start: true,
      end: true,
      notReferencedByUpperLayers: false,
      pictureId: 0x123,
      pictureIdLong: true,
      ss: { spatialLayers: 1, sizes: [{ width: 320, height: 240 }] },
    },
  },
  {
    name: 'non-flexible mode with layer indices and TL0PICIDX',
    descriptor: hex(`
      ad | I=1 P=0 L=1 F=0 B=1 E=1 V=0 Z=1
      05 | M=0 picture ID 5
      53 | TID=2 U=1 SID=1 D=1
      07 | TL0PICIDX 7
    `),
    expected: {
      size: 4,
      interPicture: false,
      flexible: false,
      start: true,
      end: true,
      notReferencedByUpperLayers: true,
      pictureId: 5,
      pictureIdLong: false,
      temporalLayer: 2,
      switchingUp: true,
      spatialLayer: 1,
      interLayerDependency: true,
      tl0PicIdx: 7,
    },
  },
  {
    name: 'flexible mode with two references',
    descriptor: hex(`
      fc | I=1 P=1 L=1 F=1 B=1 E=1 V=0 Z=0
      80 01 | M=1 picture ID 1
      00 | TID=0 U=0 SID=0 D=0 (no TL0PICIDX in flexible mode)
      03 | P_DIFF=1 N=1 (another follows)
      04 | P_DIFF=2 N=0
    `),
    expected: {
      size: 6,
      interPicture: true,
      flexible: true,
      start: true,
      end: true,
      notReferencedByUpperLayers: false,
      pictureId: 1,
      pictureIdLong: true,
      temporalLayer: 0,
      switchingUp: false,
      spatialLayer: 0,
      interLayerDependency: false,
      referenceDiffs: [1, 2],
    },
  },
  {
    name: 'an SS of two spatial layers with a picture group',
    descriptor: hex(`
      0e | I=0 P=0 L=0 F=0 B=1 E=1 V=1 Z=0
      38 | SS: N_S=1 (two spatial layers) Y=1 G=1
      00 a0 00 78 | layer 0: 160x120
      01 40 00 f0 | layer 1: 320x240
      02 | N_G=2
      04 | entry 0: TID=0 U=0 R=1
      01 | its P_DIFF 1
      38 | entry 1: TID=1 U=1 R=2
      01 02 | its P_DIFFs 1, 2
    `),
    expected: {
      size: 16,
      interPicture: false,
      flexible: false,
      start: true,
      end: true,
      notReferencedByUpperLayers: false,
      ss: {
        spatialLayers: 2,
        sizes: [
          { width: 160, height: 120 },
          { width: 320, height: 240 },
        ],
        pictureGroup: [
          { temporalLayer: 0, switchingUp: false, referenceDiffs: [1] },
          { temporalLayer: 1, switchingUp: true, referenceDiffs: [1, 2] },
        ],
      },
    },
  },
]
