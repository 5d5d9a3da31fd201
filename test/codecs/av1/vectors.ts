/** AV1 RTP payloads ("RTP Payload Format For AV1" v1.0) with a comment per field, and the temporal units they carry. */
import { annotatedHex as hex } from '../../helpers/annotated-hex.js'

/** The payload of a real sequence header (libaom, 320x240), bit fields across byte boundaries. */
export const SEQUENCE_HEADER_PAYLOAD = hex(`
  00 | seq_profile 0, still_picture 0, reduced_still_picture_header 0, timing_info 0, initial_display_delay 0, operating_points_cnt_minus_1 (first bit)
  00 | operating_points_cnt_minus_1 0, operating_point_idc (first 4 bits)
  00 | operating_point_idc 0
  04 | seq_level_idx 0, frame_width_bits_minus_1 8 (first 3 bits)
  3c | ... frame_height_bits_minus_1 7, max_frame_width_minus_1 (first 3 bits)
  ff | max_frame_width_minus_1 319 (9 bits), max_frame_height_minus_1 (first 2 bits)
  bc | max_frame_height_minus_1 239 (8 bits), then the rest of the header
  da f9 00 40 | the rest of the sequence header
`)

export interface Av1Vector {
  name: string
  /** The payloads of one temporal unit, the last with the marker bit. */
  packets: Buffer[]
  /** What the depacketizer gives: the temporal unit in the low-overhead format. */
  unit: Buffer
  keyframe: boolean
}

export const AV1_VECTORS: Av1Vector[] = [
  {
    name: 'one packet, W=2, N=1: a sequence header and a key frame',
    packets: [
      Buffer.concat([
        hex(`
          28 | Z=0 Y=0 W=2 N=1
          0c | element 1: 12 bytes
          08 | OBU header: type 1 (sequence header), X=0, S=0
        `),
        SEQUENCE_HEADER_PAYLOAD,
        hex(`
          30 | element 2 (the last of W: no length): OBU header type 6 (frame), S=0
          10 | frame header: show_existing_frame 0, frame_type 0 (KEY), show_frame 1
          aa bb | tile data (stand-in)
        `),
      ]),
    ],
    unit: Buffer.concat([
      hex(`
        12 00 | temporal delimiter, obu_size 0
        0a 0b | sequence header, S=1, obu_size 11
      `),
      SEQUENCE_HEADER_PAYLOAD,
      hex('32 03 | frame, S=1, obu_size 3\n10 aa bb | its payload'),
    ]),
    keyframe: true,
  },
  {
    name: 'W=0: every element with its length; an extension header and a kept obu_size; padding',
    packets: [
      hex(`
        00 | Z=0 Y=0 W=0 N=0
        05 | element 1: 5 bytes
        36 | OBU header: type 6 (frame), X=1, S=1
        28 | extension: temporal_id 1, spatial_id 1
        02 | obu_size 2 (the sender kept it)
        30 cc | frame header: show_existing_frame 0, frame_type 1 (INTER), show_frame 1; data
        02 | element 2: 2 bytes
        78 | OBU header: type 15 (padding), S=0
        00 | padding
      `),
    ],
    unit: hex(`
      12 00 | temporal delimiter
      36 28 02 30 cc | the frame as it came
      7a 01 00 | padding, S=1, obu_size 1
    `),
    keyframe: false,
  },
  {
    name: 'an OBU fragmented over three packets (Y, then Z and Y, then Z)',
    packets: [
      hex('50 | Z=0 Y=1 W=1 N=0\n30 | OBU header: frame, S=0\n10 11 | first fragment'),
      hex('d0 | Z=1 Y=1 W=1\n22 33 | middle fragment'),
      hex('90 | Z=1 Y=0 W=1\n44 55 | last fragment'),
    ],
    unit: hex('12 00 | temporal delimiter\n32 06 | frame, obu_size 6\n10 11 22 33 44 55 | payload'),
    // A key frame without its sequence header cannot start a decoder.
    keyframe: false,
  },
  {
    name: 'W=0 with a continued fragment followed by a whole OBU, and a temporal delimiter a sender left in',
    packets: [
      hex('40 | Z=0 Y=1 W=0\n01 | element: 1 byte\n12 | a temporal delimiter, S=1 (its obu_size is in the next element...)'),
      hex(`
        80 | Z=1 Y=0 W=0
        01 | element: 1 byte
        00 | ...obu_size 0: the delimiter is dropped
        03 | element: 3 bytes
        30 aa bb | frame OBU, S=0
      `),
    ],
    unit: hex('12 00 | temporal delimiter\n32 02 aa bb | frame, obu_size 2'),
    keyframe: false,
  },
]
