/**
 * Opus in MP4, "Encapsulation of Opus in ISO Base Media File Format" section 4.3: the `Opus` sample
 * entry with its `dOps` box, a 48 kHz timescale whatever the input rate (RFC 7587 4.1), and each
 * packet's duration read from its TOC byte (RFC 6716 3.1).
 */
import { RtspkitError } from '../../errors.js'
import { audioSampleEntry } from '../../formats/mp4/sample-entry-box.js'
import { requireConfig, type CodecSampleEntry } from '../../formats/mp4/sample-entry-fields.js'
import type { CodecMp4 } from '../codec-mp4.js'
import { audioOf } from '../format-helpers.js'
import { dOpsBox, parseDOps } from './dops.js'
import { OPUS_CLOCK_RATE, parseOpusPacket } from './packet.js'

export interface OpusSampleEntry extends CodecSampleEntry {
  codec: 'opus'
  sampleRate: number
  channels: number
  preSkip: number
}

export const OPUS_MP4: CodecMp4<OpusSampleEntry> = {
  sampleEntry(track) {
    const t = audioOf(track)
    const channels = t?.channels ?? 1
    return audioSampleEntry('Opus', channels, OPUS_CLOCK_RATE, dOpsBox({ channels, inputSampleRate: t?.sampleRate }))
  },
  timescale: () => OPUS_CLOCK_RATE,
  // "Encapsulation of Opus in ISO Base Media File Format" 4.1 (RFC 6381 names the sample entry in lower case).
  codecsString: () => 'opus',
  frameDuration(_track, frame) {
    try {
      return parseOpusPacket(frame).samples
    } catch (err) {
      if (err instanceof RtspkitError) return undefined
      throw err
    }
  },
  reader: {
    entryTypes: ['Opus'],
    readEntry(entry, f) {
      const c = parseDOps(requireConfig(f.boxes, 'dOps', entry.type).body)
      return { codec: 'opus', fourcc: entry.type, sampleRate: OPUS_CLOCK_RATE, channels: c.channels, preSkip: c.preSkip }
    },
    trackInfo: (e) => ({ kind: 'audio', codec: 'opus', sampleRate: e.sampleRate, channels: e.channels }),
  },
}
