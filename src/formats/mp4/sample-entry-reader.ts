/**
 * The sample description box 'stsd' and the sample entries rtspkit can play, ISO/IEC 14496-12:
 *
 *   8.5.2  SampleDescriptionBox: FullBox; u32 entry_count; SampleEntry[entry_count]
 *          SampleEntry: Box header; u8[6] reserved; u16 data_reference_index            (8 bytes)
 *   12.1.3 VisualSampleEntry: + u16 pre_defined; u16 reserved; u32[3] pre_defined; u16 width;
 *          u16 height; u32 horizresolution; u32 vertresolution; u32 reserved; u16 frame_count;
 *          u8[32] compressorname; u16 depth; s16 pre_defined                           (70 bytes)
 *   12.2.3 AudioSampleEntry: + u32[2] reserved; u16 channelcount; u16 samplesize; u16 pre_defined;
 *          u16 reserved; u32 samplerate (16.16)                                        (20 bytes)
 *          QuickTime (.mov) uses the first reserved u16 as a version: version 1 adds 16 bytes
 *          (samplesPerPacket, bytesPerPacket, bytesPerFrame, bytesPerSample); version 2 adds 36
 *          (sizeOfStructOnly, float64 sampleRate, u32 channels, …) — QuickTime File Format,
 *          "Sound Sample Description (Version 1 / Version 2)".
 *
 * Which entries are played, and what their configuration box says, is the codecs' (`Codec.mp4.reader`,
 * codecs/<name>/mp4.ts); anything else is kept as `unsupported` with its four-character code.
 */
import { codecForSampleEntry } from '../../codecs/registry.js'
import { ParseError } from '../../errors.js'
import { BoxFieldReader, readBoxes, type Box } from './box-reader.js'
import { unsupportedEntry, type SampleEntry, type SampleEntryFields } from './sample-entry-fields.js'

export type { CodecSampleEntry, SampleEntry, UnsupportedSampleEntry } from './sample-entry-fields.js'
export { isUnsupportedEntry } from './sample-entry-fields.js'

const SAMPLE_ENTRY_HEADER_SIZE = 8
const VISUAL_WIDTH_OFFSET = SAMPLE_ENTRY_HEADER_SIZE + 16
const VISUAL_ENTRY_SIZE = SAMPLE_ENTRY_HEADER_SIZE + 70

const QT_SOUND_V1_EXTRA = 16
const QT_SOUND_V2_EXTRA = 36
const QT_SOUND_VERSION_1 = 1
const QT_SOUND_VERSION_2 = 2
/** 16.16 fixed point. */
const FIXED_16_16 = 0x10000

function visualFields(entry: Box): SampleEntryFields {
  const r = new BoxFieldReader(entry.body, `'${entry.type}' sample entry`, VISUAL_WIDTH_OFFSET)
  const width = r.u16()
  const height = r.u16()
  r.skip(VISUAL_ENTRY_SIZE - r.offset)
  const boxes = readBoxes(entry.body, VISUAL_ENTRY_SIZE, entry.body.length, entry.start + entry.headerSize)
  return { width, height, channels: 0, sampleSize: 0, sampleRate: 0, boxes }
}

function audioFields(entry: Box): SampleEntryFields {
  const r = new BoxFieldReader(entry.body, `'${entry.type}' sample entry`, SAMPLE_ENTRY_HEADER_SIZE)
  const qtVersion = r.u16()
  r.skip(6) // QuickTime revision level and vendor, or ISO reserved
  let channels = r.u16()
  const sampleSize = r.u16()
  r.skip(4) // pre_defined, reserved
  let sampleRate = r.u32() / FIXED_16_16
  if (qtVersion === QT_SOUND_VERSION_1) r.skip(QT_SOUND_V1_EXTRA)
  else if (qtVersion === QT_SOUND_VERSION_2) {
    const start = r.offset
    r.skip(4) // sizeOfStructOnly
    sampleRate = r.f64() // audioSampleRate
    channels = r.u32() // numAudioChannels
    r.skip(QT_SOUND_V2_EXTRA - (r.offset - start)) // always7F000000, constBitsPerChannel, flags, packet sizes
  }
  const boxes = readBoxes(entry.body, r.offset, entry.body.length, entry.start + entry.headerSize)
  return { width: 0, height: 0, channels, sampleSize, sampleRate, boxes }
}

/** Parses the first sample entry of an 'stsd' box body. */
export function parseStsd(body: Buffer, base: number): SampleEntry {
  const r = new BoxFieldReader(body, "'stsd' box")
  r.fullBox()
  const count = r.u32()
  if (count === 0) throw new ParseError('ERR_MP4_MISSING_BOX', "MP4 'stsd' box has no sample entry", { observed: 0, allowed: '>= 1' })
  const [entry] = readBoxes(body, r.offset, body.length, base)
  if (!entry) throw new ParseError('ERR_MP4_MISSING_BOX', "MP4 'stsd' box has no sample entry", { observed: 0, allowed: '>= 1' })
  const codec = codecForSampleEntry(entry.type)
  const reader = codec?.mp4?.reader
  if (!codec || !reader) return unsupportedEntry(entry.type)
  return reader.readEntry(entry, codec.kind === 'video' ? visualFields(entry) : audioFields(entry))
}
