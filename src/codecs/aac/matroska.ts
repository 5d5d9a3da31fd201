/** AAC in Matroska: A_AAC with the AudioSpecificConfig as CodecPrivate, one raw frame per block. */
import type { CodecMatroska } from '../codec-matroska.js'
import { audioOf } from '../format-helpers.js'

export const AAC_MATROSKA: CodecMatroska = {
  codecId: 'A_AAC',
  isConfigured: (t) => audioOf(t)?.config !== undefined,
  codecPrivate: (t) => audioOf(t)?.config,
}
