import assert from 'node:assert/strict'
import { createSocket, type Socket } from 'node:dgram'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { TrackStats } from '../../bench/track-stats.js'
import { buildUdpSink, SINK_SOURCE, UdpSinkReceiver } from '../../bench/udp-sink.js'
import { freeRtpPortPair } from '../helpers/audio-interop.js'

const HOST = '127.0.0.1'
const PAYLOAD_TYPE = 96

/** An RTP packet (RFC 3550 section 5.1): V=2, no padding/extension/CSRC, PT 96, `seq`, then `payload`. */
function rtp(seq: number, payload: Buffer = Buffer.alloc(100, 0x41)): Buffer {
  const header = Buffer.alloc(12)
  header[0] = 0x80 // V=2 P=0 X=0 CC=0
  header[1] = PAYLOAD_TYPE // M=0 PT=96
  header.writeUInt16BE(seq & 0xffff, 2) // sequence number
  header.writeUInt32BE(seq * 3000, 4) // timestamp
  header.writeUInt32BE(0x1234, 8) // SSRC
  return Buffer.concat([header, payload])
}

/** RFC 6184 section 5.8: an FU-A indicator (type 28) and an FU header with S=1 and type 5 (IDR). */
const FU_A_IDR_START = Buffer.from([0x7c, 0x85, 0xaa, 0xbb])
/** A STAP-A (type 24) holding an SPS (type 7, 3 bytes) then an IDR slice (type 5, 2 bytes). */
const STAP_A_SPS_IDR = Buffer.from([0x18, 0x00, 0x03, 0x67, 0x42, 0x00, 0x00, 0x02, 0x65, 0x88])

/** A run with a gap (105, 106 missing), a duplicate, a non-RTP datagram, a 3000-byte one and an IDR. */
const SEQUENCE: Buffer[] = [
  ...[100, 101, 102, 103, 104, 107, 108, 109].map((s) => rtp(s)),
  rtp(103), // duplicate: late
  Buffer.from([0x80, 0x60, 0x00]), // shorter than the fixed header: malformed
  Buffer.concat([Buffer.from([0x40]), rtp(200).subarray(1)]), // version 1: malformed
  rtp(110, Buffer.alloc(3000, 0x42)), // longer than the sink keeps: bytes still counted in full
  rtp(111, FU_A_IDR_START),
]
/** A second reader: sequence numbers wrap (65534 → 1) and the IDR comes in a STAP-A. */
const WRAPPING: Buffer[] = [rtp(65534), rtp(65535), rtp(0, STAP_A_SPS_IDR), rtp(1)]

function send(socket: Socket, port: number, packets: Buffer[]): Promise<void> {
  return packets.reduce<Promise<void>>(
    (prev, p) =>
      prev.then(() => new Promise<void>((resolve, reject) => socket.send(p, port, HOST, (err) => (err ? reject(err) : resolve())))),
    Promise.resolve(),
  )
}

function counted(packets: Buffer[]): TrackStats {
  const t = new TrackStats()
  for (const p of packets) t.onPacket(p)
  return t
}

function fields(t: TrackStats) {
  return { packets: t.packets, bytes: t.bytes, malformed: t.malformed, late: t.late, firstSeq: t.firstSeq, highestSeq: t.highestSeq }
}

describe('bench/native/udp-sink.c (the C receive side of the UDP load readers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtspkit-udp-sink-'))
  const binary = join(dir, 'udp-sink')
  let sender: Socket

  before(async () => {
    sender = createSocket('udp4')
    await new Promise<void>((resolve) => sender.bind(0, HOST, resolve))
  })
  after(() => {
    sender.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('compiles with gcc, then reuses the binary while the source is older', () => {
    const first = buildUdpSink(SINK_SOURCE, binary)
    assert.deepEqual(first, { ok: true, binary, compiled: true })
    assert.deepEqual(buildUdpSink(SINK_SOURCE, binary), { ok: true, binary, compiled: false })
  })

  it('counts bytes, packets, gaps, late and malformed datagrams and the first IDR as TrackStats does', async () => {
    const base = await freeRtpPortPair()
    // Held by someone else: the receiver must skip this pair and take a later one.
    const squatter = createSocket('udp4')
    await new Promise<void>((resolve) => squatter.bind(base, HOST, resolve))
    const receiver = new UdpSinkReceiver({ binary, processes: 2, base, host: HOST, rcvbuf: 1 << 20 })
    try {
      const errors: string[] = []
      const a = await receiver.bindPair((m) => errors.push(m))
      const b = await receiver.bindPair((m) => errors.push(m))
      assert.ok(a.port > base && a.port % 2 === 0, `skipped the held pair: ${a.port}`)
      assert.ok(b.port > a.port && b.port % 2 === 0)
      assert.ok(a.rcvbuf >= 1 << 20, `granted ${a.rcvbuf}`)
      assert.equal(receiver.pids.length, 2)

      const sentAt = performance.now()
      await send(sender, a.port, SEQUENCE)
      await send(sender, a.port + 1, [Buffer.from([0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1])]) // an RTCP RR: not RTP
      await send(sender, b.port, WRAPPING)
      const want = [counted(SEQUENCE), counted(WRAPPING)]
      const until = performance.now() + 5000
      do {
        await receiver.refresh()
        await new Promise((r) => setTimeout(r, 10))
      } while ((a.stats.packets < want[0]!.packets || b.stats.packets < want[1]!.packets) && performance.now() < until)

      assert.deepEqual(fields(a.stats), fields(want[0]!))
      assert.deepEqual(fields(a.stats), {
        packets: 11,
        bytes: 8 * 112 + 112 + 3012 + 16,
        malformed: 2,
        late: 1,
        firstSeq: 100,
        highestSeq: 111,
      })
      assert.equal(a.stats.expected, 12) // 100…111: 105 and 106 lost, 103 twice
      assert.deepEqual(fields(b.stats), fields(want[1]!))
      assert.equal(b.stats.expected, 4)
      assert.equal(b.stats.highestSeq, 65537)
      const now = performance.now()
      for (const s of [a.stats, b.stats]) {
        // The sink's CLOCK_MONOTONIC times, converted to performance.now()'s origin.
        assert.ok(s.firstPacketAt >= sentAt - 1 && s.firstPacketAt <= now, `first packet at ${s.firstPacketAt}`)
        assert.ok(s.firstIdrAt >= s.firstPacketAt && s.firstIdrAt <= now, `first IDR at ${s.firstIdrAt}`)
      }
      assert.deepEqual(errors, [])

      // A closed pair's ports are free again.
      a.close()
      await receiver.refresh()
      const again = createSocket('udp4')
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject)
        again.bind(a.port, HOST, resolve)
      })
      again.close()
      b.close()
    } finally {
      squatter.close()
      await receiver.close()
    }
  })

  it('tells the readers when a sink process dies', async () => {
    const receiver = new UdpSinkReceiver({ binary, processes: 1, base: await freeRtpPortPair(), host: HOST })
    const errors: string[] = []
    const pair = await receiver.bindPair((m) => errors.push(m))
    process.kill(receiver.pids[0]!, 'SIGKILL')
    const until = performance.now() + 5000
    while (errors.length === 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10))
    assert.match(errors[0] ?? '', /udp-sink exited \(SIGKILL\)/)
    await assert.rejects(receiver.refresh(), { code: 'ERR_BENCH_SINK' })
    pair.close()
    await receiver.close()
  })
})
