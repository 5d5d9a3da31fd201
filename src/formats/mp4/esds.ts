/**
 * The `esds` box, ISO/IEC 14496-14 section 5.6: a full box holding an ES_Descriptor (ISO/IEC 14496-1
 * section 7.2.6.5). Each descriptor is tag (u8), a size in 7-bit groups with a continuation bit
 * (expandable class, 14496-1 8.3.3), then its body:
 *
 *   ES_Descriptor (tag 3):            ES_ID u16, flags u8 (no dependsOn / URL / OCR stream)
 *     DecoderConfigDescriptor (4):    objectTypeIndication u8, streamType u6 | upStream u1 | reserved 1 u1,
 *                                     bufferSizeDB u24, maxBitrate u32, avgBitrate u32
 *       DecoderSpecificInfo (5):      the codec's configuration (AAC: AudioSpecificConfig)
 *     SLConfigDescriptor (6):         predefined u8 = 2 (reserved for MP4 files)
 */
import { CodecError } from '../../errors.js'
import { fullBox, fields, type Mp4Box } from './box.js'

const ES_DESCRIPTOR_TAG = 3
const DECODER_CONFIG_TAG = 4
const DECODER_SPECIFIC_INFO_TAG = 5
const SL_CONFIG_TAG = 6
const SL_PREDEFINED_MP4 = 2
/** objectTypeIndication values, 14496-1 Table 5 (and the MP4 registration authority). */
export const ObjectTypeIndication = { AAC: 0x40, JPEG: 0x6c } as const
/** streamType values, 14496-1 Table 6. */
export const StreamType = { VISUAL: 0x04, AUDIO: 0x05 } as const
const STREAM_TYPE_SHIFT = 2
const RESERVED_BIT = 0x01
const SIZE_GROUP_BITS = 7
const SIZE_GROUP_MASK = 0x7f
const SIZE_CONTINUES = 0x80
/** Four 7-bit groups: the expandable size limit. */
const MAX_DESCRIPTOR_SIZE = 2 ** 28 - 1

/** tag, expandable size (as few bytes as needed), body. */
function descriptor(tag: number, body: Uint8Array): Buffer {
  if (body.length > MAX_DESCRIPTOR_SIZE)
    throw new CodecError('ERR_MP4_DESCRIPTOR_SIZE', `descriptor of ${body.length} bytes`, {
      observed: body.length,
      allowed: MAX_DESCRIPTOR_SIZE,
    })
  const groups: number[] = []
  let n = body.length
  do {
    groups.unshift(n & SIZE_GROUP_MASK)
    n >>>= SIZE_GROUP_BITS
  } while (n > 0)
  for (let i = 0; i < groups.length - 1; i++) groups[i]! |= SIZE_CONTINUES
  return fields(['u8', tag], Buffer.from(groups), body)
}

export interface EsdsOptions {
  objectType: number
  streamType: number
  /** DecoderSpecificInfo (omitted when empty). */
  specificInfo?: Uint8Array
  /** Bits per second, 0 when unknown. */
  avgBitrate?: number
  maxBitrate?: number
  bufferSizeDB?: number
}

export function esdsBox(o: EsdsOptions): Mp4Box {
  const decoderConfig = descriptor(
    DECODER_CONFIG_TAG,
    fields(
      ['u8', o.objectType],
      ['u8', (o.streamType << STREAM_TYPE_SHIFT) | RESERVED_BIT],
      ['u24', o.bufferSizeDB ?? 0],
      ['u32', o.maxBitrate ?? 0],
      ['u32', o.avgBitrate ?? 0],
      o.specificInfo && o.specificInfo.length > 0 ? descriptor(DECODER_SPECIFIC_INFO_TAG, o.specificInfo) : Buffer.alloc(0),
    ),
  )
  const es = descriptor(
    ES_DESCRIPTOR_TAG,
    fields(['u16', 0], ['u8', 0], decoderConfig, descriptor(SL_CONFIG_TAG, Buffer.from([SL_PREDEFINED_MP4]))),
  )
  return fullBox('esds', 0, 0, es)
}
