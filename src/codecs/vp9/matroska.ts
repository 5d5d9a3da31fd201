/** VP9 in Matroska: V_VP9, one frame (superframe) per block; CodecPrivate is optional. */
import type { CodecMatroska } from '../codec-matroska.js'

export const VP9_MATROSKA: CodecMatroska = { codecId: 'V_VP9' }
