import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { H264RtpDepacketizer } from '../../src/codecs/h264/codec-adapter.js'
import { H264Packetizer } from '../../src/codecs/h264/packetizer.js'
import { PassthroughDepacketizer } from '../../src/codecs/passthrough/depacketizer.js'
import { RtcpSenderReport } from '../../src/rtcp/sender-report.js'
import { RtpReceiver, type RtpFrame } from '../../src/rtp/receiver.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import type { Clock } from '../../src/util/clock.js'
import { msToNtp } from '../../src/util/ntp.js'

/** A clock the test moves by hand. */
class ManualClock implements Clock {
  mono = 0
  wall = 1_700_000_000_000
  monoMs(): number {
    return this.mono
  }
  wallMs(): number {
    return this.wall
  }
}

const SSRC = 0x1234_5678

/** A packet whose payload is its sequence number (2 bytes), so delivered order is visible. */
function pkt(seq: number, timestamp = seq * 100, opts: { ssrc?: number; pt?: number; marker?: boolean } = {}): RtpPacket {
  const payload = Buffer.alloc(2)
  payload.writeUInt16BE(seq & 0xffff)
  return new RtpPacket({
    sequenceNumber: seq & 0xffff,
    timestamp: timestamp >>> 0,
    ssrc: opts.ssrc ?? SSRC,
    payloadType: opts.pt ?? 96,
    marker: opts.marker ?? true,
    payload,
  })
}

const seqs = (frames: RtpFrame[]): number[] => frames.map((f) => f.data.readUInt16BE(0))

function receiver(opts: Partial<ConstructorParameters<typeof RtpReceiver>[0]> = {}, clock = new ManualClock()): RtpReceiver {
  return new RtpReceiver({ clockRate: 90000, depacketizer: new PassthroughDepacketizer(), clock, ...opts })
}

describe('RtpReceiver: order, duplicates, loss', () => {
  it('delivers in-order packets at once', () => {
    const r = receiver()
    const out = [1, 2, 3].flatMap((s) => r.push(pkt(s)))
    assert.deepEqual(seqs(out), [1, 2, 3])
    const s = r.stats
    assert.equal(s.packets, 3)
    assert.equal(s.bytes, 6)
    assert.equal(s.lost, 0)
    assert.equal(s.expected, 3)
    assert.equal(s.frames, 3)
  })

  it('puts packets reordered within the window back in order', () => {
    const r = receiver()
    const out: RtpFrame[] = []
    for (const s of [10, 12, 13, 11, 14]) out.push(...r.push(pkt(s)))
    assert.deepEqual(seqs(out), [10, 11, 12, 13, 14])
    assert.equal(r.stats.reordered, 1)
    assert.equal(r.stats.lost, 0)
  })

  it('drops duplicates, held or already delivered', () => {
    const r = receiver()
    const out: RtpFrame[] = []
    for (const s of [1, 2, 2, 4, 4, 3, 1]) out.push(...r.push(pkt(s)))
    assert.deepEqual(seqs(out), [1, 2, 3, 4])
    assert.equal(r.stats.duplicates, 3)
    assert.equal(r.stats.packets, 4)
    assert.equal(r.stats.lost, 0)
  })

  it('counts a loss across the 65535 → 0 wrap and extends the highest sequence', () => {
    const r = receiver({ reorderWindow: 4 })
    const out: RtpFrame[] = []
    for (const s of [65533, 65534, 65535, 1, 2, 3, 4]) out.push(...r.push(pkt(s)))
    // 0 is given up when 4 arrives (4 - 0 >= window 4).
    assert.deepEqual(seqs(out), [65533, 65534, 65535, 1, 2, 3, 4])
    const s = r.stats
    assert.equal(s.expected, 8)
    assert.equal(s.lost, 1)
    assert.equal(r.highestSequence, 0x1_0004, 'one cycle plus sequence 4')
    assert.equal(r.receptionReport()!.highestSequence, 0x1_0004)
  })

  it('a packet arriving after its gap was given up is late: counted as received, not delivered', () => {
    const r = receiver({ reorderWindow: 2 })
    const out: RtpFrame[] = []
    for (const s of [1, 3, 4, 2]) out.push(...r.push(pkt(s)))
    assert.deepEqual(seqs(out), [1, 3, 4])
    assert.equal(r.stats.late, 1)
    assert.equal(r.stats.lost, 0, 'the late packet was received after all')
    r.push(pkt(2))
    assert.equal(r.stats.duplicates, 1, 'a second copy of a late packet is a duplicate')
  })

  it('gives up a gap after the maximum delay', () => {
    const clock = new ManualClock()
    const r = receiver({ maxDelayMs: 200 }, clock)
    assert.deepEqual(seqs(r.push(pkt(1))), [1])
    clock.mono = 10
    assert.deepEqual(r.push(pkt(3)), [])
    clock.mono = 50
    assert.deepEqual(r.push(pkt(4)), [])
    assert.equal(r.nextDeadline(), 210)
    assert.deepEqual(r.releaseDue(209), [])
    assert.deepEqual(seqs(r.releaseDue(210)), [3, 4])
    assert.equal(r.nextDeadline(), undefined)
    assert.equal(r.stats.lost, 1)
  })

  it('flush releases everything held at end of stream', () => {
    const r = receiver()
    r.push(pkt(1))
    r.push(pkt(5))
    r.push(pkt(3))
    assert.deepEqual(seqs(r.flush()), [3, 5])
    assert.equal(r.stats.lost, 2)
  })

  it('resynchronises when the sender restarts its sequence (A.1 bad_seq)', () => {
    const r = receiver()
    const out: RtpFrame[] = []
    for (const s of [100, 101, 20000]) out.push(...r.push(pkt(s)))
    assert.deepEqual(seqs(out), [100, 101])
    assert.equal(r.stats.discarded, 1, 'a single far packet is dropped')
    for (const s of [20001, 20002]) out.push(...r.push(pkt(s)))
    assert.deepEqual(seqs(out), [100, 101, 20001, 20002])
    assert.equal(r.stats.resyncs, 1)
    assert.equal(r.stats.lost, 0)
    assert.equal(r.receptionReport()!.highestSequence, 20002)
  })

  it('filters by payload type and locks onto one SSRC until it falls silent', () => {
    const clock = new ManualClock()
    const r = receiver({ payloadType: 96, sourceTimeoutMs: 1000 }, clock)
    assert.equal(r.push(pkt(1, 0, { pt: 97 })).length, 0)
    assert.equal(r.push(pkt(1)).length, 1)
    clock.mono = 500
    assert.equal(r.push(pkt(7, 0, { ssrc: 99 })).length, 0, 'another sender while ours is active')
    assert.equal(r.stats.discarded, 2)
    clock.mono = 1600
    assert.equal(r.push(pkt(8, 0, { ssrc: 99 })).length, 1, 'takes over after the timeout')
    assert.equal(r.ssrc, 99)
    assert.equal(r.stats.resyncs, 1)
  })
})

describe('RtpReceiver: jitter (RFC 3550 A.8)', () => {
  it('matches a hand-computed value', () => {
    // Clock rate 8000: 8 timestamp units per ms. Packets every 20 ms of media (160 units).
    // arrivals (ms)  0     20    45    58
    // arrivals (u)   0     160   360   464
    // D              -     0     40    -56
    // J              0     0     2.5   2.5 + (56 - 2.5)/16 = 5.84375
    const clock = new ManualClock()
    const r = new RtpReceiver({ clockRate: 8000, clock })
    const arrivals = [0, 20, 45, 58]
    arrivals.forEach((t, i) => r.push(pkt(i, i * 160), t))
    assert.equal(r.stats.jitter, 5)
    assert.equal(r.stats.jitterMs, 5.84375 / 8)
    assert.equal(r.receptionReport()!.jitter, 5)
  })

  it('does not jump when the RTP timestamp wraps', () => {
    const r = new RtpReceiver({ clockRate: 90000 })
    const base = 0xffff_ff00
    for (let i = 0; i < 10; i++) r.push(pkt(i, base + i * 3000), i * (3000 / 90))
    assert.ok(r.stats.jitter < 1, `jitter ${r.stats.jitter}`)
  })
})

describe('RtpReceiver: RTCP', () => {
  it('builds reception reports per A.3: fraction over the interval, cumulative loss, LSR and DLSR', () => {
    const clock = new ManualClock()
    const r = receiver({ reorderWindow: 1 }, clock)
    assert.equal(r.receptionReport(), undefined, 'nothing to report before the first packet')
    // 10 expected (0..9), 0 and 9 are received, 1..8 without 3 and 6: 2 lost.
    for (const s of [0, 1, 2, 4, 5, 7, 8, 9]) r.push(pkt(s))
    const sr = new RtcpSenderReport({ ssrc: SSRC, ntpSeconds: 0xaabb_ccdd, ntpFraction: 0x1122_3344, rtpTimestamp: 0 })
    clock.mono = 1000
    assert.equal(r.handleSenderReport(sr), true)
    clock.mono = 1500
    const rr1 = r.receptionReport()!
    assert.deepEqual(rr1, {
      ssrc: SSRC,
      fractionLost: Math.floor((2 * 256) / 10), // 51
      totalLost: 2,
      highestSequence: 9,
      jitter: rr1.jitter,
      lastSenderReport: 0xccdd_1122, // middle 32 bits of the SR's NTP timestamp
      delaySinceLastSenderReport: 32768, // 0.5 s in 1/65536 s
    })
    // Next interval: 10..13 all arrive, so nothing lost in it; the cumulative count stays.
    for (const s of [10, 11, 12, 13]) r.push(pkt(s))
    const rr2 = r.receptionReport()!
    assert.equal(rr2.fractionLost, 0)
    assert.equal(rr2.totalLost, 2)
    assert.equal(rr2.highestSequence, 13)
    // An interval with more received than expected (late packets) reports 0, not a negative fraction.
    assert.equal(r.receptionReport()!.fractionLost, 0)
  })

  it('ignores sender reports of another SSRC', () => {
    const r = receiver()
    r.push(pkt(1))
    assert.equal(r.handleSenderReport(new RtcpSenderReport({ ssrc: 42 })), false)
    assert.equal(r.receptionReport()!.lastSenderReport, 0)
  })

  it('maps RTP time to the sender wall clock once a sender report arrived', () => {
    const r = receiver()
    const f1 = r.push(pkt(1, 90000))
    assert.equal(f1[0]!.ntpMs, undefined)
    assert.equal(f1[0]!.ptsMs, 0)
    const wall = 1_700_000_000_000
    const ntp = msToNtp(wall)
    r.handleSenderReport(new RtcpSenderReport({ ssrc: SSRC, ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: 90000 }))
    const f2 = r.push(pkt(2, 90000 + 45000))[0]!
    assert.equal(f2.ptsMs, 500)
    assert.ok(Math.abs(f2.ntpMs! - (wall + 500)) < 0.001, `ntpMs ${f2.ntpMs}`)
    // Across the 32-bit wrap of the RTP clock too.
    const r2 = receiver()
    r2.handleSenderReport(
      new RtcpSenderReport({ ssrc: SSRC, ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: 0xffff_ff00 }),
    )
    const f3 = r2.push(pkt(1, 0xffff_ff00 + 9000))[0]!
    assert.ok(Math.abs(f3.ntpMs! - (wall + 100)) < 0.001, `ntpMs ${f3.ntpMs}`)
  })

  it('unwraps timestamps for ptsMs', () => {
    const r = receiver()
    const a = r.push(pkt(1, 0xffff_fc18))[0]! // 1000 units before the wrap
    const b = r.push(pkt(2, 0x0000_0bb8))[0]! // 3000 units after it
    assert.equal(a.ptsMs, 0)
    assert.equal(b.ptsMs, (4000 / 90000) * 1000)
  })
})

describe('RtpReceiver: with a real depacketizer', () => {
  it('counts depacketizer errors after a lost FU-A fragment and carries on with the next access unit', () => {
    const p = new H264Packetizer({ ssrc: SSRC, initialSequence: 100, maxPacketSize: 200 })
    const idr = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(1000, 0x11)])
    const slice = Buffer.from([0x41, 0x9a, 0x22])
    const au1 = p.packetize([idr], 0).map((b) => RtpPacket.parse(b))
    const au2 = p.packetize([slice], 3000).map((b) => RtpPacket.parse(b))
    const r = new RtpReceiver({ clockRate: 90000, depacketizer: new H264RtpDepacketizer(), reorderWindow: 2 })
    const frames: RtpFrame[] = []
    au1.forEach((pk, i) => {
      if (i !== 2) frames.push(...r.push(pk))
    })
    for (const pk of au2) frames.push(...r.push(pk))
    frames.push(...r.flush())
    assert.equal(r.stats.lost, 1)
    assert.ok(r.stats.depacketizerErrors >= 1)
    assert.equal(frames.length, 1)
    assert.deepEqual(frames[0]!.data, Buffer.concat([Buffer.from([0, 0, 0, 1]), slice]))
    assert.equal(frames[0]!.ptsMs, 0, 'the first frame out sets the origin')
  })
})

describe('RtpReceiver: properties', () => {
  it('delivers each packet once, in order, whatever the arrival order within the window (with duplicates)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (start, n, swaps, dups) => {
          const order = Array.from({ length: n }, (_, i) => i)
          // Bounded displacement keeps every packet inside the 64-packet window.
          for (const [a, b] of swaps) {
            const i = a % n
            const j = Math.min(n - 1, i + (b % 8))
            ;[order[i], order[j]] = [order[j]!, order[i]!]
          }
          const arrivals = [...order]
          for (const d of dups) arrivals.splice(d % (arrivals.length + 1), 0, order[d % n]!)
          // The first arrival defines the start; earlier numbers arriving later are dropped as late.
          const first = arrivals[0]!
          const r = receiver()
          const out: RtpFrame[] = []
          for (const i of arrivals) out.push(...r.push(pkt(start + i)))
          out.push(...r.flush())
          const got = seqs(out)
          const want = Array.from({ length: n - first }, (_, k) => (start + first + k) & 0xffff)
          assert.deepEqual(got, want)
          assert.equal(r.stats.lost, 0)
        },
      ),
      { numRuns: 300 },
    )
  })
})
