/** Named caps for H.265 access units, checked before appending (depacketizer, access-unit splitter, file source). */

/** Largest access unit accepted, in NAL-unit bytes (an 8K intra picture at high quality stays well below). */
export const MAX_ACCESS_UNIT_SIZE = 8 * 1024 * 1024
/**
 * Most NAL units in one access unit: parameter sets, SEI and slice segments (cameras slicing a 4K
 * picture into tiles or wavefront segments use a few dozen).
 */
export const MAX_NALUS_PER_ACCESS_UNIT = 256
