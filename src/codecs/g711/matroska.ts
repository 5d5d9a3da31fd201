/**
 * G.711 in Matroska: A_MS/ACM with a WAVEFORMATEX (the codec mapping Matroska keeps for formats without
 * their own ID): format tag 7 (mu-law) or 6 (A-law), 8 bits a sample.
 */
import type { CodecMatroska } from '../codec-matroska.js'
import { audioOf } from '../format-helpers.js'
import type { G711Law } from './format.js'

const WAVE_FORMAT_ALAW = 6
const WAVE_FORMAT_MULAW = 7
const WAVEFORMATEX_SIZE = 18
const BITS_PER_SAMPLE = 8

export function g711Matroska(law: G711Law): CodecMatroska {
  return {
    codecId: 'A_MS/ACM',
    codecPrivate(t) {
      const a = audioOf(t)
      const channels = a?.channels ?? 1
      const rate = a?.sampleRate ?? 8000
      const out = Buffer.alloc(WAVEFORMATEX_SIZE)
      let off = out.writeUInt16LE(law === 'pcmu' ? WAVE_FORMAT_MULAW : WAVE_FORMAT_ALAW, 0)
      off = out.writeUInt16LE(channels, off)
      off = out.writeUInt32LE(rate, off)
      off = out.writeUInt32LE(rate * channels, off) // bytes a second
      off = out.writeUInt16LE(channels, off) // block align
      off = out.writeUInt16LE(BITS_PER_SAMPLE, off)
      out.writeUInt16LE(0, off) // no extra bytes
      return out
    },
  }
}
