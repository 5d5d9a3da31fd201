/** VP8 in Matroska: V_VP8, one frame per block, no CodecPrivate (keyframes from the stream). */
import type { CodecMatroska } from '../codec-matroska.js'

export const VP8_MATROSKA: CodecMatroska = { codecId: 'V_VP8' }
