/**
 * G.711 in MP4 as QuickTime sound sample descriptions, which ffmpeg and GStreamer read in MP4 too:
 * `ulaw` / `alaw`, 8-bit codes, one sample per sampling instant. Read back, samples are grouped into
 * blocks so a file does not become thousands of one-byte frames per second.
 */
import { audioSampleEntry } from '../../formats/mp4/sample-entry-box.js'
import type { CodecSampleEntry } from '../../formats/mp4/sample-entry-fields.js'
import type { CodecMp4 } from '../codec-mp4.js'
import { audioOf } from '../format-helpers.js'
import { G711_CLOCK_RATE, type G711Law } from './format.js'

export interface G711SampleEntry extends CodecSampleEntry {
  codec: G711Law
  sampleRate: number
  channels: number
  bytesPerSample: number
}

/** Frames of 20 ms: the usual RTP packet time. */
const PCM_BLOCKS_PER_SECOND = 50

export function g711Mp4(law: G711Law): CodecMp4<G711SampleEntry> {
  const fourcc = law === 'pcmu' ? 'ulaw' : 'alaw'
  return {
    sampleEntry: (track) => {
      const t = audioOf(track)
      return audioSampleEntry(fourcc, t?.channels ?? 1, t?.sampleRate ?? G711_CLOCK_RATE)
    },
    frameDuration: (track, frame) => Math.floor(frame.length / (audioOf(track)?.channels ?? 1)),
    reader: {
      entryTypes: [fourcc],
      requirement: `at ${G711_CLOCK_RATE} Hz`,
      readEntry: (entry, f) => ({
        codec: law,
        fourcc: entry.type,
        sampleRate: f.sampleRate,
        channels: f.channels,
        bytesPerSample: f.channels,
      }),
      // G.711 over RTP is 8000 Hz.
      trackInfo: (e) =>
        e.sampleRate === G711_CLOCK_RATE ? { kind: 'audio', codec: law, sampleRate: e.sampleRate, channels: e.channels } : undefined,
      blockSamples: (e) => Math.max(1, Math.round(e.sampleRate / PCM_BLOCKS_PER_SECOND)),
    },
  }
}
