/**
 * Opus in Matroska: A_OPUS with an OpusHead (RFC 7845 5.1) as CodecPrivate: magic, version 1, channels,
 * pre-skip (0: RTP carries none), input rate, gain 0, mapping family 0.
 */
import type { CodecMatroska } from '../codec-matroska.js'
import { audioOf } from '../format-helpers.js'

const MAGIC = 'OpusHead'
const VERSION = 1
const HEAD_SIZE = 19

export const OPUS_MATROSKA: CodecMatroska = {
  codecId: 'A_OPUS',
  codecPrivate(t) {
    const a = audioOf(t)
    const out = Buffer.alloc(HEAD_SIZE)
    let off = out.write(MAGIC, 0, 'latin1')
    off = out.writeUInt8(VERSION, off)
    off = out.writeUInt8(a?.channels ?? 1, off)
    off = out.writeUInt16LE(0, off) // pre-skip
    off = out.writeUInt32LE(a?.sampleRate ?? 0, off)
    off = out.writeInt16LE(0, off) // output gain
    out.writeUInt8(0, off) // channel mapping family
    return out
  },
}
