/** Named caps for H.264 access units, checked before appending (depacketizer, file and pipe sources). */

/** Largest access unit accepted, in NAL-unit bytes (a 4K intra frame at high quality stays well below). */
export const MAX_ACCESS_UNIT_SIZE = 8 * 1024 * 1024
/** Most NAL units in one access unit (cameras slicing a 4K frame use a few dozen). */
export const MAX_NALUS_PER_ACCESS_UNIT = 256
