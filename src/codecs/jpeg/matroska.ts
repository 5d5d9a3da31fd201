/** MJPEG in Matroska: V_MJPEG, one complete JPEG image per block, every one a keyframe. */
import type { CodecMatroska } from '../codec-matroska.js'

export const JPEG_MATROSKA: CodecMatroska = { codecId: 'V_MJPEG' }
