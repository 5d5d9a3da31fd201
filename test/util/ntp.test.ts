import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { NTP_UNIX_OFFSET_SECONDS, msToNtp, msToNtpShort, ntpMiddle32, ntpShortToMs, ntpToMs } from '../../src/util/ntp.js'

const JAN_1_2026_MS = Date.UTC(2026, 0, 1) // 1767225600000
const JAN_1_2026_NTP = 3976214400 // 0xED003780

test('NTP: the Unix epoch is NTP second 2208988800', () => {
  assert.deepEqual(msToNtp(0), { seconds: NTP_UNIX_OFFSET_SECONDS, fraction: 0 })
  assert.equal(ntpToMs(NTP_UNIX_OFFSET_SECONDS, 0), 0)
})

test('NTP: 2026-01-01T00:00:00Z ↔ 3976214400', () => {
  assert.equal(JAN_1_2026_MS, 1767225600000)
  assert.deepEqual(msToNtp(JAN_1_2026_MS), { seconds: JAN_1_2026_NTP, fraction: 0 })
  assert.equal(ntpToMs(JAN_1_2026_NTP, 0), JAN_1_2026_MS)
  assert.equal(new Date(ntpToMs(0xed003780, 0)).toISOString(), '2026-01-01T00:00:00.000Z')
})

test('NTP: fractions of a second', () => {
  assert.deepEqual(msToNtp(JAN_1_2026_MS + 500), { seconds: JAN_1_2026_NTP, fraction: 0x8000_0000 })
  assert.deepEqual(msToNtp(JAN_1_2026_MS + 250), { seconds: JAN_1_2026_NTP, fraction: 0x4000_0000 })
  assert.equal(ntpToMs(JAN_1_2026_NTP, 0xc000_0000), JAN_1_2026_MS + 750)
  // Floor, never 2^32: 999.9999999 ms stays in the same second.
  const t = msToNtp(999.9999999999)
  assert.equal(t.seconds, NTP_UNIX_OFFSET_SECONDS)
  assert.ok(t.fraction <= 0xffff_ffff)
  // Sub-millisecond input (performance.timeOrigin + performance.now()) keeps its precision.
  assert.equal(msToNtp(JAN_1_2026_MS + 0.5).fraction, 2147483) // floor(2^32 / 2000)
})

test('NTP: middle 32 bits are the LSR value', () => {
  // seconds 0xED00_3780, fraction 0x8000_0000 → 0x3780 | 0x8000
  assert.equal(ntpMiddle32(0xed003780, 0x80000000), 0x37808000)
  assert.equal(ntpMiddle32(0xffffffff, 0xffffffff), 0xffffffff)
  assert.equal(ntpMiddle32(0x0001_0000, 0x0000_ffff), 0)
  const { seconds, fraction } = msToNtp(JAN_1_2026_MS + 500)
  assert.equal(ntpMiddle32(seconds, fraction), 0x37808000)
})

test('NTP: short format (DLSR units of 1/65536 s)', () => {
  assert.equal(msToNtpShort(1000), 0x10000)
  assert.equal(msToNtpShort(500), 0x8000)
  assert.equal(msToNtpShort(-5), 0)
  assert.equal(msToNtpShort(Number.NaN), 0)
  assert.equal(ntpShortToMs(0x10000), 1000)
  assert.equal(ntpShortToMs(0x18000), 1500)
  // RTT = now - LSR - DLSR, all in middle-32 units, with u32 wrap.
  const lsr = 0x37808000
  const dlsr = msToNtpShort(250)
  const arrival = ntpMiddle32(JAN_1_2026_NTP + 1, 0) // 0.5 s after the SR
  assert.equal(ntpShortToMs((arrival - lsr - dlsr) >>> 0), 250)
})

test('NTP: era 1 (after 2036-02-07) wraps the seconds and converts back', () => {
  const ms = Date.UTC(2040, 0, 1)
  const t = msToNtp(ms)
  assert.ok(t.seconds < 0x8000_0000)
  assert.equal(ntpToMs(t.seconds, t.fraction), ms)
  const rollover = Date.UTC(2036, 1, 7, 6, 28, 16) // NTP seconds 2^32
  assert.deepEqual(msToNtp(rollover), { seconds: 0, fraction: 0 })
  assert.equal(ntpToMs(0, 0), rollover)
})

test('NTP: ms → NTP → ms round-trips within one fraction unit (1968..2104)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(1968, 0, 21), max: Date.UTC(2104, 0, 1) }),
      fc.integer({ min: 0, max: 999_999 }),
      (msInt, micro) => {
        const ms = msInt + micro / 1e6
        const t = msToNtp(ms)
        assert.ok(Number.isInteger(t.seconds) && t.seconds >= 0 && t.seconds <= 0xffff_ffff)
        assert.ok(Number.isInteger(t.fraction) && t.fraction >= 0 && t.fraction <= 0xffff_ffff)
        assert.ok(Math.abs(ntpToMs(t.seconds, t.fraction) - ms) < 0.001)
      },
    ),
  )
})
