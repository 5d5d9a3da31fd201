/**
 * The 'esds' box of an MPEG-4 audio sample entry (ISO/IEC 14496-14 5.6: a FullBox holding one
 * ES_Descriptor) and the descriptors inside it, ISO/IEC 14496-1:
 *
 *   7.2.2.3 / 8.3.3  descriptor header: bit(8) tag; sizeOfInstance in 1..4 bytes, 7 bits each, the top
 *                    bit of each byte saying another size byte follows
 *   7.2.6.5  ES_Descriptor (tag 0x03): bit(16) ES_ID; bit(1) streamDependenceFlag; bit(1) URL_Flag;
 *            bit(1) OCRstreamFlag; bit(5) streamPriority; [bit(16) dependsOn_ES_ID];
 *            [bit(8) URLlength; bit(8)[URLlength] URLstring]; [bit(16) OCR_ES_Id];
 *            DecoderConfigDescriptor; …
 *   7.2.6.6  DecoderConfigDescriptor (tag 0x04): bit(8) objectTypeIndication; bit(6) streamType;
 *            bit(1) upStream; bit(1) reserved; bit(24) bufferSizeDB; bit(32) maxBitrate;
 *            bit(32) avgBitrate; DecoderSpecificInfo[0..1]; …
 *   7.2.6.7  DecoderSpecificInfo (tag 0x05): the decoder's bytes — for MPEG-4 audio the
 *            AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1).
 */
import { ParseError } from '../../errors.js'
import { BoxFieldReader } from './box-reader.js'

export const ES_DESCRIPTOR_TAG = 0x03
export const DECODER_CONFIG_TAG = 0x04
export const DECODER_SPECIFIC_INFO_TAG = 0x05
const SIZE_BYTES_MAX = 4
const SIZE_MORE = 0x80
const SIZE_BITS = 0x7f
const STREAM_DEPENDENCE_FLAG = 0x80
const URL_FLAG = 0x40
const OCR_STREAM_FLAG = 0x20
/** streamType is the top six bits of its byte. */
const STREAM_TYPE_SHIFT = 2
/** ES_ID, flags: the fixed part of the ES_Descriptor. */
const ES_FIXED_SIZE = 3
/** objectTypeIndication … avgBitrate: the fixed part of the DecoderConfigDescriptor. */
const DECODER_CONFIG_FIXED_SIZE = 13

/** objectTypeIndication values (ISO/IEC 14496-1 Table 5, registered at mp4ra.org). */
export const ObjectType = {
  MPEG4_AUDIO: 0x40,
  MPEG2_AAC_MAIN: 0x66,
  MPEG2_AAC_LC: 0x67,
  MPEG2_AAC_SSR: 0x68,
  MPEG2_AUDIO: 0x69,
  MPEG1_AUDIO: 0x6b,
} as const

export interface EsDescriptor {
  esId: number
  objectTypeIndication: number
  streamType: number
  maxBitrate: number
  avgBitrate: number
  /** The DecoderSpecificInfo bytes (a view), when present. */
  decoderSpecificInfo?: Buffer
}

/** Reads a descriptor's tag and size; the size must fit in what is left. */
function descriptorHeader(r: BoxFieldReader, tag: number, name: string): number {
  const seen = r.u8()
  if (seen !== tag)
    throw new ParseError('ERR_MP4_ESDS', `esds: expected ${name} (tag ${tag}), found tag ${seen}`, { observed: seen, allowed: tag })
  let size = 0
  for (let i = 0; i < SIZE_BYTES_MAX; i++) {
    const b = r.u8()
    size = (size << 7) | (b & SIZE_BITS)
    if (!(b & SIZE_MORE)) break
    if (i === SIZE_BYTES_MAX - 1)
      throw new ParseError('ERR_MP4_ESDS', `esds: ${name} size takes more than ${SIZE_BYTES_MAX} bytes`, {
        observed: SIZE_BYTES_MAX + 1,
        allowed: SIZE_BYTES_MAX,
      })
  }
  if (size > r.remaining)
    throw new ParseError('ERR_MP4_ESDS', `esds: ${name} of ${size} bytes is longer than the ${r.remaining} bytes left`, {
      observed: size,
      allowed: `<= ${r.remaining}`,
    })
  return size
}

/** Parses the body of an 'esds' box (FullBox header included). */
export function parseEsds(body: Buffer): EsDescriptor {
  const top = new BoxFieldReader(body, "'esds' box")
  top.fullBox()
  const esSize = descriptorHeader(top, ES_DESCRIPTOR_TAG, 'ES_Descriptor')
  const es = new BoxFieldReader(top.bytes(esSize), 'ES_Descriptor')
  if (es.remaining < ES_FIXED_SIZE)
    throw new ParseError('ERR_MP4_ESDS', `esds: ES_Descriptor of ${es.remaining} bytes is too short`, {
      observed: es.remaining,
      allowed: `>= ${ES_FIXED_SIZE}`,
    })
  const esId = es.u16()
  const flags = es.u8()
  if (flags & STREAM_DEPENDENCE_FLAG) es.skip(2) // dependsOn_ES_ID
  if (flags & URL_FLAG) es.skip(es.u8()) // URLlength, URLstring
  if (flags & OCR_STREAM_FLAG) es.skip(2) // OCR_ES_Id
  const dcSize = descriptorHeader(es, DECODER_CONFIG_TAG, 'DecoderConfigDescriptor')
  const dc = new BoxFieldReader(es.bytes(dcSize), 'DecoderConfigDescriptor')
  if (dc.remaining < DECODER_CONFIG_FIXED_SIZE) {
    throw new ParseError('ERR_MP4_ESDS', `esds: DecoderConfigDescriptor of ${dc.remaining} bytes is too short`, {
      observed: dc.remaining,
      allowed: `>= ${DECODER_CONFIG_FIXED_SIZE}`,
    })
  }
  const objectTypeIndication = dc.u8()
  const streamType = dc.u8() >>> STREAM_TYPE_SHIFT
  dc.skip(3) // bufferSizeDB
  const maxBitrate = dc.u32()
  const avgBitrate = dc.u32()
  const out: EsDescriptor = { esId, objectTypeIndication, streamType, maxBitrate, avgBitrate }
  // DecoderSpecificInfo is optional; other descriptors (profileLevelIndicationIndex…) may follow instead.
  if (dc.remaining > 0 && dc.buf[dc.offset] === DECODER_SPECIFIC_INFO_TAG) {
    out.decoderSpecificInfo = dc.bytes(descriptorHeader(dc, DECODER_SPECIFIC_INFO_TAG, 'DecoderSpecificInfo'))
  }
  return out
}
