/** Named caps for AAC over RTP and in ADTS files, checked before appending. */

/** AAC-hbr carries the AU size in 13 bits (RFC 3640 3.3.6), so no AU in that mode is larger. */
export const AAC_HBR_MAX_AU_SIZE = 0x1fff
/**
 * Largest access unit the depacketizer reassembles. ISO/IEC 14496-3 4.5.3.1 bounds an AAC raw data block
 * to 6144 bits per channel; 48 channels (the most a program config element can name) fit in 36 KiB.
 */
export const MAX_AAC_AU_SIZE = 64 * 1024
/** Most AU-headers read from one RTP packet (a 1400-byte packet of 6-byte silence frames holds ~200). */
export const MAX_AUS_PER_PACKET = 1024
/** Most ADTS frames read from one file (about 6 hours at 48 kHz). */
export const MAX_ADTS_FRAMES = 1_000_000
