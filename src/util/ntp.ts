/**
 * NTP timestamps as used by RTCP, RFC 3550 section 4 and RFC 5905 section 6.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 seconds since 1900-01-01 00:00 UTC            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 fraction of a second (1/2^32 s)               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The 64-bit value is kept as two u32 numbers (no BigInt: this runs for every SR and RR).
 * The "middle 32 bits" (low 16 bits of seconds, high 16 bits of fraction) are the LSR field of a
 * reception report; DLSR counts the same 1/65536 s units (RFC 3550 section 6.4.1).
 *
 * Era: the seconds field wraps on 2036-02-07. Following RFC 4330 section 3, a seconds value with
 * its top bit clear is read as era 1 (2036..2104), so conversions work from 1968 to 2104.
 */

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800
const TWO_POW_32 = 0x1_0000_0000
const TWO_POW_16 = 0x1_0000
const ERA_BIT = 0x8000_0000
const MS_PER_SECOND = 1000

export interface NtpTimestamp {
  seconds: number
  fraction: number
}

/** Unix milliseconds (may be fractional) → NTP seconds and fraction. */
export function msToNtp(ms: number): NtpTimestamp {
  const unixSeconds = Math.floor(ms / MS_PER_SECOND)
  const remMs = ms - unixSeconds * MS_PER_SECOND
  // Floor, never round: rounding 999.9999999 ms would give a fraction of 2^32.
  const fraction = Math.min(Math.floor((remMs * TWO_POW_32) / MS_PER_SECOND), TWO_POW_32 - 1)
  return { seconds: (unixSeconds + NTP_UNIX_OFFSET_SECONDS) >>> 0, fraction: fraction >>> 0 }
}

/** NTP seconds and fraction → Unix milliseconds (fractional). */
export function ntpToMs(seconds: number, fraction: number): number {
  const s = seconds >>> 0
  const era = (s & ERA_BIT) === 0 ? TWO_POW_32 : 0
  return (s + era - NTP_UNIX_OFFSET_SECONDS) * MS_PER_SECOND + ((fraction >>> 0) * MS_PER_SECOND) / TWO_POW_32
}

/** The middle 32 bits of an NTP timestamp: the LSR value a receiver echoes for this SR. */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0
}

/** Milliseconds → NTP short format (1/65536 s units), as in DLSR. Clamped to u32. */
export function msToNtpShort(ms: number): number {
  if (!(ms > 0)) return 0
  return Math.min(Math.floor((ms * TWO_POW_16) / MS_PER_SECOND), TWO_POW_32 - 1) >>> 0
}

/** NTP short format (1/65536 s units, as in LSR/DLSR differences) → milliseconds. */
export function ntpShortToMs(value: number): number {
  return ((value >>> 0) * MS_PER_SECOND) / TWO_POW_16
}
