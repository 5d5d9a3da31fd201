/**
 * AAC in MP4, ISO/IEC 14496-14 section 5.6: the `mp4a` sample entry whose `esds` box carries the
 * AudioSpecificConfig as DecoderSpecificInfo (QuickTime files nest `esds` in a `wave` box). An `mp4a`
 * entry holding MP3 or another object type is not played.
 */
import { ParseError, RtspkitError } from '../../errors.js'
import { children } from '../../formats/mp4/box-reader.js'
import { ObjectType, parseEsds } from '../../formats/mp4/esds-reader.js'
import { esdsBox, ObjectTypeIndication, StreamType } from '../../formats/mp4/esds.js'
import { audioSampleEntry, missingConfig } from '../../formats/mp4/sample-entry-box.js'
import { childOf, unsupportedEntry, type CodecSampleEntry } from '../../formats/mp4/sample-entry-fields.js'
import type { CodecMp4 } from '../codec-mp4.js'
import { audioOf } from '../format-helpers.js'
import { auDuration, parseAudioSpecificConfig } from './audio-specific-config.js'

export interface AacSampleEntry extends CodecSampleEntry {
  codec: 'aac'
  sampleRate: number
  channels: number
  /** The AudioSpecificConfig. */
  config: Buffer
}

const AAC_OBJECT_TYPES: ReadonlySet<number> = new Set([
  ObjectType.MPEG4_AUDIO,
  ObjectType.MPEG2_AAC_MAIN,
  ObjectType.MPEG2_AAC_LC,
  ObjectType.MPEG2_AAC_SSR,
])

export const AAC_MP4: CodecMp4<AacSampleEntry> = {
  sampleEntry(track) {
    const t = audioOf(track)
    if (!t?.config) throw missingConfig(track, 'AudioSpecificConfig')
    const asc = parseAudioSpecificConfig(t.config)
    return audioSampleEntry(
      'mp4a',
      t.channels,
      asc.sampleRate,
      esdsBox({ objectType: ObjectTypeIndication.AAC, streamType: StreamType.AUDIO, specificInfo: t.config }),
    )
  },
  frameDuration: (track, _frame, timescale) => {
    const config = audioOf(track)?.config
    return config ? auDuration(parseAudioSpecificConfig(config), timescale) : undefined
  },
  // RFC 6381 3.3: mp4a + the MPEG-4 object type indication (40: audio) + the audio object type.
  codecsString: (track) => {
    const config = audioOf(track)?.config
    if (!config) return undefined
    try {
      return `mp4a.40.${parseAudioSpecificConfig(config).objectType}`
    } catch (err) {
      if (err instanceof RtspkitError) return undefined
      throw err
    }
  },
  reader: {
    entryTypes: ['mp4a'],
    readEntry(entry, f) {
      const wave = childOf(f.boxes, 'wave')
      const esds = childOf(f.boxes, 'esds') ?? (wave ? childOf(children(wave), 'esds') : undefined)
      if (!esds)
        throw new ParseError('ERR_MP4_MISSING_BOX', `MP4 '${entry.type}' sample entry has no 'esds' box`, {
          observed: f.boxes.map((b) => b.type),
          allowed: 'esds',
        })
      const es = parseEsds(esds.body)
      const oti = es.objectTypeIndication
      if (oti === ObjectType.MPEG1_AUDIO || oti === ObjectType.MPEG2_AUDIO) return unsupportedEntry(entry.type, 'MP3')
      if (!AAC_OBJECT_TYPES.has(oti)) return unsupportedEntry(entry.type, `objectTypeIndication 0x${oti.toString(16)}`)
      if (!es.decoderSpecificInfo || es.decoderSpecificInfo.length === 0) {
        throw new ParseError('ERR_MP4_ESDS', `MP4 '${entry.type}' esds has no DecoderSpecificInfo (AudioSpecificConfig)`, {
          observed: 0,
          allowed: '>= 2 bytes',
        })
      }
      return { codec: 'aac', fourcc: entry.type, sampleRate: f.sampleRate, channels: f.channels, config: es.decoderSpecificInfo }
    },
    trackInfo(e) {
      const asc = parseAudioSpecificConfig(e.config)
      return { kind: 'audio', codec: 'aac', sampleRate: asc.sampleRate, channels: asc.channels || e.channels, config: e.config }
    },
  },
}
