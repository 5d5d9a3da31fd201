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
 * Codecs: 'avc1'/'avc3' + 'avcC' (ISO/IEC 14496-15 5.4), 'hvc1'/'hev1' + 'hvcC' (8.4), 'mp4a' + 'esds'
 * (ISO/IEC 14496-14 5.6; QuickTime nests 'esds' in a 'wave' box), 'Opus' + 'dOps', 'ulaw'/'alaw'
 * (QuickTime). Anything else is kept as `unsupported` with its four-character code, for messages.
 */
import { ParseError } from '../../errors.js'
import { BoxFieldReader, children, readBoxes, type Box } from './box-reader.js'
import { parseAvcC, parseDOps, parseHvcC } from './decoder-config.js'
import { ObjectType, parseEsds } from './esds-reader.js'

const SAMPLE_ENTRY_HEADER_SIZE = 8
const VISUAL_WIDTH_OFFSET = SAMPLE_ENTRY_HEADER_SIZE + 16
const VISUAL_ENTRY_SIZE = SAMPLE_ENTRY_HEADER_SIZE + 70

const QT_SOUND_V1_EXTRA = 16
const QT_SOUND_V2_EXTRA = 36
const QT_SOUND_VERSION_1 = 1
const QT_SOUND_VERSION_2 = 2
/** 16.16 fixed point. */
const FIXED_16_16 = 0x10000
const OPUS_RTP_RATE = 48000

export type SampleEntry =
  | { codec: 'h264'; fourcc: string; width: number; height: number; lengthSize: number; sps: Buffer[]; pps: Buffer[] }
  | { codec: 'h265'; fourcc: string; width: number; height: number; lengthSize: number; vps: Buffer[]; sps: Buffer[]; pps: Buffer[] }
  | { codec: 'aac'; fourcc: string; sampleRate: number; channels: number; config: Buffer }
  | { codec: 'opus'; fourcc: string; sampleRate: number; channels: number; preSkip: number }
  | { codec: 'pcmu' | 'pcma'; fourcc: string; sampleRate: number; channels: number; bytesPerSample: number }
  | { codec: 'unsupported'; fourcc: string; name: string }

/** Names for messages about codecs rtspkit does not play (mp4ra.org codec list). */
const KNOWN_NAMES: Readonly<Record<string, string>> = {
  mp4v: 'mp4v (MPEG-4 Part 2)',
  'ac-3': 'ac-3 (Dolby Digital)',
  'ec-3': 'ec-3 (Dolby Digital Plus)',
  av01: 'av01 (AV1)',
  vp08: 'vp08 (VP8)',
  vp09: 'vp09 (VP9)',
  encv: 'encv (encrypted video)',
  enca: 'enca (encrypted audio)',
  '.mp3': '.mp3 (MP3)',
  fLaC: 'fLaC (FLAC)',
  jpeg: 'jpeg (Motion JPEG)',
  mjpa: 'mjpa (Motion JPEG)',
  apch: 'apch (ProRes)',
  apcn: 'apcn (ProRes)',
  lpcm: 'lpcm (PCM)',
  sowt: 'sowt (PCM)',
  twos: 'twos (PCM)',
}

function unsupported(fourcc: string, detail?: string): SampleEntry {
  return { codec: 'unsupported', fourcc, name: detail ? `${fourcc} (${detail})` : (KNOWN_NAMES[fourcc] ?? fourcc) }
}

function childOf(boxes: readonly Box[], type: string): Box | undefined {
  return boxes.find((b) => b.type === type)
}

function requireConfig(boxes: readonly Box[], type: string, fourcc: string): Box {
  const box = childOf(boxes, type)
  if (!box)
    throw new ParseError('ERR_MP4_MISSING_BOX', `MP4 '${fourcc}' sample entry has no '${type}' box`, {
      observed: boxes.map((b) => b.type),
      allowed: type,
    })
  return box
}

function visualEntry(entry: Box): SampleEntry {
  const r = new BoxFieldReader(entry.body, `'${entry.type}' sample entry`, VISUAL_WIDTH_OFFSET)
  const width = r.u16()
  const height = r.u16()
  r.skip(VISUAL_ENTRY_SIZE - r.offset)
  const boxes = readBoxes(entry.body, VISUAL_ENTRY_SIZE, entry.body.length, entry.start + entry.headerSize)
  switch (entry.type) {
    case 'avc1':
    case 'avc3': {
      const c = parseAvcC(requireConfig(boxes, 'avcC', entry.type).body)
      return { codec: 'h264', fourcc: entry.type, width, height, lengthSize: c.lengthSize, sps: c.sps, pps: c.pps }
    }
    default: {
      const c = parseHvcC(requireConfig(boxes, 'hvcC', entry.type).body)
      return { codec: 'h265', fourcc: entry.type, width, height, lengthSize: c.lengthSize, vps: c.vps, sps: c.sps, pps: c.pps }
    }
  }
}

interface AudioFields {
  channels: number
  sampleSize: number
  sampleRate: number
  boxes: Box[]
}

function audioFields(entry: Box): AudioFields {
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
  return { channels, sampleSize, sampleRate, boxes }
}

function aacEntry(entry: Box, f: AudioFields): SampleEntry {
  // QuickTime files put 'esds' inside a 'wave' box.
  const wave = childOf(f.boxes, 'wave')
  const esdsBox = childOf(f.boxes, 'esds') ?? (wave ? childOf(children(wave), 'esds') : undefined)
  if (!esdsBox)
    throw new ParseError('ERR_MP4_MISSING_BOX', `MP4 '${entry.type}' sample entry has no 'esds' box`, {
      observed: f.boxes.map((b) => b.type),
      allowed: 'esds',
    })
  const es = parseEsds(esdsBox.body)
  const oti = es.objectTypeIndication
  if (oti === ObjectType.MPEG1_AUDIO || oti === ObjectType.MPEG2_AUDIO) return unsupported(entry.type, 'MP3')
  const aac =
    oti === ObjectType.MPEG4_AUDIO ||
    oti === ObjectType.MPEG2_AAC_MAIN ||
    oti === ObjectType.MPEG2_AAC_LC ||
    oti === ObjectType.MPEG2_AAC_SSR
  if (!aac) return unsupported(entry.type, `objectTypeIndication 0x${oti.toString(16)}`)
  if (!es.decoderSpecificInfo || es.decoderSpecificInfo.length === 0) {
    throw new ParseError('ERR_MP4_ESDS', `MP4 '${entry.type}' esds has no DecoderSpecificInfo (AudioSpecificConfig)`, {
      observed: 0,
      allowed: '>= 2 bytes',
    })
  }
  return { codec: 'aac', fourcc: entry.type, sampleRate: f.sampleRate, channels: f.channels, config: es.decoderSpecificInfo }
}

function audioEntry(entry: Box): SampleEntry {
  const f = audioFields(entry)
  switch (entry.type) {
    case 'mp4a':
      return aacEntry(entry, f)
    case 'Opus': {
      const c = parseDOps(requireConfig(f.boxes, 'dOps', entry.type).body)
      return { codec: 'opus', fourcc: entry.type, sampleRate: OPUS_RTP_RATE, channels: c.channels, preSkip: c.preSkip }
    }
    default: // ulaw, alaw: 8-bit samples
      return {
        codec: entry.type === 'ulaw' ? 'pcmu' : 'pcma',
        fourcc: entry.type,
        sampleRate: f.sampleRate,
        channels: f.channels,
        bytesPerSample: f.channels,
      }
  }
}

const VISUAL_TYPES: ReadonlySet<string> = new Set(['avc1', 'avc3', 'hvc1', 'hev1'])
const AUDIO_TYPES: ReadonlySet<string> = new Set(['mp4a', 'Opus', 'ulaw', 'alaw'])

/** Parses the first sample entry of an 'stsd' box body. */
export function parseStsd(body: Buffer, base: number): SampleEntry {
  const r = new BoxFieldReader(body, "'stsd' box")
  r.fullBox()
  const count = r.u32()
  if (count === 0) throw new ParseError('ERR_MP4_MISSING_BOX', "MP4 'stsd' box has no sample entry", { observed: 0, allowed: '>= 1' })
  const [entry] = readBoxes(body, r.offset, body.length, base)
  if (!entry) throw new ParseError('ERR_MP4_MISSING_BOX', "MP4 'stsd' box has no sample entry", { observed: 0, allowed: '>= 1' })
  if (VISUAL_TYPES.has(entry.type)) return visualEntry(entry)
  if (AUDIO_TYPES.has(entry.type)) return audioEntry(entry)
  return unsupported(entry.type)
}
