/**
 * L16 in MP4 as the QuickTime `twos` sound description: signed 16-bit big-endian samples, exactly RFC
 * 3551 L16. Written only: files are not played back from it.
 */
import { audioSampleEntry } from '../../formats/mp4/sample-entry-box.js'
import type { CodecMp4 } from '../codec-mp4.js'
import { audioOf } from '../format-helpers.js'
import { L16_BYTES_PER_SAMPLE, L16_STATIC_RATE } from './format.js'

export const L16_MP4: CodecMp4 = {
  sampleEntry: (track) => {
    const t = audioOf(track)
    return audioSampleEntry('twos', t?.channels ?? 1, t?.sampleRate ?? L16_STATIC_RATE)
  },
  frameDuration: (track, frame) => Math.floor(frame.length / (L16_BYTES_PER_SAMPLE * (audioOf(track)?.channels ?? 1))),
}
