/** L16 in Matroska: A_PCM/INT/BIG (16-bit big-endian samples, RFC 3551 4.5.11). */
import type { CodecMatroska } from '../codec-matroska.js'

export const L16_MATROSKA: CodecMatroska = { codecId: 'A_PCM/INT/BIG', bitDepth: 16 }
