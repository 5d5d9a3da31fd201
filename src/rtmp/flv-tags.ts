/**
 * FLV tag bodies as RTMP audio (type 8) and video (type 9) messages carry them (Adobe Flash Video
 * File Format Specification 10.1, annex E.4.2/E.4.3; Enhanced RTMP v1, veovera/enhanced-rtmp).
 *
 * Video, legacy:   frameType:4 codecId:4 | AVCPacketType u8 | compositionTime s24 | data
 *                  codecId 7 = AVC; packet type 0 = AVCDecoderConfigurationRecord, 1 = NAL units
 *                  (each prefixed by its length, lengthSizeMinusOne + 1 bytes), 2 = end of sequence.
 * Video, enhanced: isExHeader:1 frameType:3 packetType:4 | FourCC u32 | [compositionTime s24] | data
 *                  FourCC 'hvc1' (H.265) or 'avc1'; packet type 0 = SequenceStart (hvcC/avcC),
 *                  1 = CodedFrames (with composition time), 2 = SequenceEnd, 3 = CodedFramesX
 *                  (composition time 0, absent). Other packet types (metadata, multitrack) are ignored.
 * Audio:           soundFormat:4 rate:2 size:1 type:1 | AACPacketType u8 | data
 *                  soundFormat 10 = AAC; packet type 0 = AudioSpecificConfig, 1 = one raw AAC frame.
 *
 * Parsing returns views into the message; nothing is copied. Frame type 1 is a keyframe.
 */
import { ParseError } from '../errors.js'

const FRAME_TYPE_SHIFT = 4
const LOW_NIBBLE = 0x0f
const EX_HEADER_BIT = 0x80
const EX_FRAME_TYPE_MASK = 0x07
const KEY_FRAME = 1
/** Frame type 5: a video info/command frame, no picture (E.4.3.1). */
const COMMAND_FRAME = 5
const CODEC_AVC = 7
/** Not in the FLV specification; what Chinese CDNs and some encoders use for H.265 before Enhanced RTMP. */
const CODEC_HEVC_LEGACY = 12
const SOUND_FORMAT_AAC = 10
const AVC_SEQUENCE_HEADER = 0
const AVC_NALU = 1
const AVC_END_OF_SEQUENCE = 2
const AAC_SEQUENCE_HEADER = 0
const EX_SEQUENCE_START = 0
const EX_CODED_FRAMES = 1
const EX_SEQUENCE_END = 2
const EX_CODED_FRAMES_X = 3
const LEGACY_VIDEO_HEADER = 5
const EX_VIDEO_HEADER = 5
const COMPOSITION_TIME_SIZE = 3
const AUDIO_HEADER = 2
/** AAC tags: 44 kHz, 16-bit, stereo in the flags (E.4.2.1: always so for AAC; the config says the truth). */
const AAC_FLAGS = (SOUND_FORMAT_AAC << FRAME_TYPE_SHIFT) | 0x0f

export const FOURCC_HEVC = 'hvc1'
export const FOURCC_AVC = 'avc1'

export type FlvVideoCodec = 'H264' | 'H265'

export type FlvVideoTag =
  | {
      kind: 'video'
      codec: FlvVideoCodec
      /** 'config': a decoder configuration record (avcC/hvcC); 'frame': length-prefixed NAL units; 'end': end of sequence. */
      packet: 'config' | 'frame' | 'end'
      keyframe: boolean
      /** PTS - DTS in ms (signed). */
      compositionTime: number
      data: Buffer
    }
  | { kind: 'video'; codec: 'other'; packet: 'ignored'; what: string }

export type FlvAudioTag =
  | { kind: 'audio'; codec: 'AAC'; packet: 'config' | 'frame'; data: Buffer }
  | { kind: 'audio'; codec: 'other'; packet: 'ignored'; what: string }

function need(body: Buffer, n: number, what: string): void {
  if (body.length < n)
    throw new ParseError('ERR_FLV_TAG', `${what} of ${body.length} bytes, needs ${n}`, { observed: body.length, allowed: n })
}

const s24 = (b: Buffer, at: number): number => b.readIntBE(at, COMPOSITION_TIME_SIZE)

/** Reads a video message body. Throws ParseError when it is too short for its own header. */
export function parseVideoTag(body: Buffer): FlvVideoTag {
  need(body, 1, 'video tag')
  const b0 = body[0]!
  if ((b0 & EX_HEADER_BIT) !== 0) {
    need(body, EX_VIDEO_HEADER, 'enhanced video tag')
    const frameType = (b0 >> FRAME_TYPE_SHIFT) & EX_FRAME_TYPE_MASK
    const packetType = b0 & LOW_NIBBLE
    const fourCc = body.toString('latin1', 1, 5)
    const codec = fourCc === FOURCC_HEVC ? 'H265' : fourCc === FOURCC_AVC ? 'H264' : undefined
    if (codec === undefined || frameType === COMMAND_FRAME)
      return { kind: 'video', codec: 'other', packet: 'ignored', what: `FourCC '${fourCc}'` }
    const keyframe = frameType === KEY_FRAME
    if (packetType === EX_SEQUENCE_START)
      return { kind: 'video', codec, packet: 'config', keyframe, compositionTime: 0, data: body.subarray(5) }
    if (packetType === EX_SEQUENCE_END) return { kind: 'video', codec, packet: 'end', keyframe, compositionTime: 0, data: body.subarray(5) }
    if (packetType === EX_CODED_FRAMES_X)
      return { kind: 'video', codec, packet: 'frame', keyframe, compositionTime: 0, data: body.subarray(5) }
    if (packetType === EX_CODED_FRAMES) {
      need(body, EX_VIDEO_HEADER + COMPOSITION_TIME_SIZE, 'enhanced video frame')
      return { kind: 'video', codec, packet: 'frame', keyframe, compositionTime: s24(body, 5), data: body.subarray(8) }
    }
    return { kind: 'video', codec: 'other', packet: 'ignored', what: `enhanced packet type ${packetType}` }
  }
  const frameType = b0 >> FRAME_TYPE_SHIFT
  const codecId = b0 & LOW_NIBBLE
  const codec = codecId === CODEC_AVC ? 'H264' : codecId === CODEC_HEVC_LEGACY ? 'H265' : undefined
  if (codec === undefined || frameType === COMMAND_FRAME)
    return { kind: 'video', codec: 'other', packet: 'ignored', what: `FLV video codec ${codecId}` }
  need(body, LEGACY_VIDEO_HEADER, 'video tag')
  const packetType = body[1]!
  const packet =
    packetType === AVC_SEQUENCE_HEADER
      ? 'config'
      : packetType === AVC_NALU
        ? 'frame'
        : packetType === AVC_END_OF_SEQUENCE
          ? 'end'
          : undefined
  if (packet === undefined) return { kind: 'video', codec: 'other', packet: 'ignored', what: `AVC packet type ${packetType}` }
  return {
    kind: 'video',
    codec,
    packet,
    keyframe: frameType === KEY_FRAME,
    compositionTime: s24(body, 2),
    data: body.subarray(LEGACY_VIDEO_HEADER),
  }
}

/** Reads an audio message body. Throws ParseError when it is too short for its own header. */
export function parseAudioTag(body: Buffer): FlvAudioTag {
  need(body, 1, 'audio tag')
  const format = body[0]! >> FRAME_TYPE_SHIFT
  if (format !== SOUND_FORMAT_AAC) return { kind: 'audio', codec: 'other', packet: 'ignored', what: `FLV sound format ${format}` }
  need(body, AUDIO_HEADER, 'AAC audio tag')
  return { kind: 'audio', codec: 'AAC', packet: body[1] === AAC_SEQUENCE_HEADER ? 'config' : 'frame', data: body.subarray(AUDIO_HEADER) }
}

/**
 * A video message body: the legacy AVC form for H.264 (what every player reads), the enhanced
 * 'hvc1' form for H.265. `data` is a decoder configuration record or length-prefixed NAL units.
 */
export function videoTag(
  codec: FlvVideoCodec,
  packet: 'config' | 'frame',
  keyframe: boolean,
  compositionTime: number,
  data: Buffer,
): Buffer[] {
  const frameType = keyframe || packet === 'config' ? KEY_FRAME : 2
  if (codec === 'H264') {
    const head = Buffer.alloc(LEGACY_VIDEO_HEADER)
    head[0] = (frameType << FRAME_TYPE_SHIFT) | CODEC_AVC
    head[1] = packet === 'config' ? AVC_SEQUENCE_HEADER : AVC_NALU
    head.writeIntBE(packet === 'config' ? 0 : compositionTime, 2, COMPOSITION_TIME_SIZE)
    return [head, data]
  }
  const withCts = packet === 'frame'
  const head = Buffer.alloc(EX_VIDEO_HEADER + (withCts ? COMPOSITION_TIME_SIZE : 0))
  head[0] = EX_HEADER_BIT | (frameType << FRAME_TYPE_SHIFT) | (packet === 'config' ? EX_SEQUENCE_START : EX_CODED_FRAMES)
  head.write(FOURCC_HEVC, 1, 'latin1')
  if (withCts) head.writeIntBE(compositionTime, 5, COMPOSITION_TIME_SIZE)
  return [head, data]
}

/** An AAC audio message body: the AudioSpecificConfig ('config') or one raw frame. */
export function aacTag(packet: 'config' | 'frame', data: Buffer): Buffer[] {
  return [Buffer.from([AAC_FLAGS, packet === 'config' ? AAC_SEQUENCE_HEADER : 1]), data]
}
