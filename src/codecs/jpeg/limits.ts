/** Limits of RTP/JPEG (RFC 2435) and baseline JPEG (ITU-T T.81) shared by the codec's files. */

/** RFC 2435 sections 3.1.5 and 3.1.6: width and height travel in 8-pixel units in one byte (255 · 8). */
export const JPEG_MAX_DIMENSION = 2040
/** RFC 2435 section 3.1.5: width/height fields count 8-pixel blocks. */
export const JPEG_DIMENSION_UNIT = 8
/** DRI carries a 16-bit interval (T.81 B.2.4.4), and so does the restart marker header (RFC 2435 3.1.7). */
export const JPEG_MAX_RESTART_INTERVAL = 0xffff
/** RFC 2435 section 3.1.2: the fragment offset is 24 bits, so a frame's scan is shorter than 16 MiB. */
export const JPEG_MAX_SCAN_SIZE = 1 << 24
/** Depacketizer default cap on a reassembled frame's scan (checked before appending). */
export const JPEG_DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024
