// A WHEP session as a stream output, with werift's peer connection and senders replaced by fakes:
// nothing leaves before DTLS is up, the cached GOP goes first (pulled together in time), packets are
// renumbered without touching the shared ones, a viewer that cannot keep up drops whole GOPs (counted)
// while the stream goes on, and kick / never-connected end everything.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Event, type RtpPacket } from 'werift'
import type { ExternalReader } from '../../src/server/external-sessions.js'
import { Stream } from '../../src/stream/stream.js'
import { systemClock } from '../../src/util/clock.js'
import { cryptoRandom } from '../../src/util/random.js'
import { DEFAULT_LIFETIME } from '../../src/webrtc/lifetime.js'
import { WhepSession, type WhepTrack } from '../../src/webrtc/whep-session.js'
import type { RTCPeerConnection } from 'werift'
import { hex } from '../helpers/split.js'

// x264 baseline 320x240 parameter sets.
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(3000, 0x11)])
const P_SLICE = Buffer.concat([hex('41 9a 02'), Buffer.alloc(500, 0x22)])

class FakeSender {
  readonly onPictureLossIndication = new Event<[]>()
  readonly onRtcp = new Event<[unknown]>()
  readonly sent: RtpPacket[] = []
  stalled = false
  private readonly pending: (() => void)[] = []
  sendRtp(p: RtpPacket): Promise<void> {
    this.sent.push(p)
    if (!this.stalled) return Promise.resolve()
    return new Promise((resolve) => this.pending.push(resolve))
  }
  release(): void {
    this.stalled = false
    for (const r of this.pending.splice(0)) r()
  }
}

class FakePeer {
  readonly connectionStateChange = new Event<[string]>()
  closed = false
  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }
}

function fakeReader(stream: Stream): ExternalReader & { closedWith?: string } {
  const r = {
    id: '1',
    path: stream.name,
    stream,
    counted: true,
    bytesSent: 0,
    isClosed: false,
    onClose: undefined as ((reason: string) => void) | undefined,
    closedWith: undefined as string | undefined,
    close(reason = 'closed') {
      if (r.isClosed) return
      r.isClosed = true
      r.closedWith = reason
      r.onClose?.(reason)
    },
  }
  return r as unknown as ExternalReader & { closedWith?: string }
}

function setup(maxQueueBytes = 20_000, lifetime = DEFAULT_LIFETIME) {
  const stream = new Stream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS } }, { clock: systemClock, random: cryptoRandom })
  const sender = new FakeSender()
  const pc = new FakePeer()
  const reader = fakeReader(stream)
  const ended: string[] = []
  const session = new WhepSession(
    'id',
    reader,
    pc as unknown as RTCPeerConnection,
    [{ track: stream.video!, sender } as unknown as WhepTrack],
    { maxQueueBytes, lifetime, clock: systemClock, random: () => 0.5, onClosed: (_s, reason) => ended.push(reason) },
  )
  return { stream, sender, pc, reader, session, ended }
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('WhepSession', () => {
  it('sends nothing before DTLS is up, then the cached GOP first, pulled together just before its newest unit', async () => {
    const { stream, sender, pc, session } = setup(1 << 20)
    for (let i = 0; i < 5; i++) stream.pushVideo(i === 0 ? [IDR] : [P_SLICE], i * 40)
    await tick()
    assert.equal(sender.sent.length, 0)
    const shared = stream.startUnits(stream.video!).flatMap((u) => u.packets.map((p) => Buffer.from(p)))
    pc.connectionStateChange.execute('connected')
    await tick(50)
    assert.equal(sender.sent.length, shared.length)
    const seqs = sender.sent.map((p) => p.header.sequenceNumber)
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => (0x8000 + i) & 0xffff),
      'numbered from the session start, contiguous',
    )
    const times = [...new Set(sender.sent.map((p) => p.header.timestamp))]
    const newest = stream.video!.rtpTimestampFor(4 * 40)
    assert.deepEqual(times, [newest - 4, newest - 3, newest - 2, newest - 1, newest])
    const again = stream.startUnits(stream.video!).flatMap((u) => u.packets)
    assert.deepEqual(again, shared, 'the shared packets are unchanged')
    stream.pushVideo([P_SLICE], 5 * 40)
    await tick()
    assert.equal(sender.sent.at(-1)!.header.timestamp, stream.video!.rtpTimestampFor(200), 'live units keep their own time')
    assert.ok(session.packetsSent > shared.length)
    session.close('deleted')
  })

  it('a viewer that cannot keep up drops whole GOPs, counted, and resumes at a keyframe; the stream never waits', async () => {
    const { stream, sender, pc, session, reader } = setup(20_000)
    pc.connectionStateChange.execute('connected')
    await tick()
    sender.stalled = true
    const started = performance.now()
    for (let i = 0; i < 1000; i++) stream.pushVideo(i % 25 === 0 ? [IDR] : [P_SLICE], i * 40)
    assert.ok(performance.now() - started < 1000, 'pushing is not held up')
    assert.ok(session.framesDropped > 0, `dropped ${session.framesDropped}`)
    assert.ok(session.slowEpisodes >= 1, 'each GOP that overflows is an episode')
    const before = sender.sent.length
    sender.release()
    await tick(20)
    // A P picture after the episode is still skipped; the next IDR starts again.
    stream.pushVideo([P_SLICE], 1000 * 40)
    await tick()
    assert.equal(sender.sent.length, before)
    stream.pushVideo([IDR], 1001 * 40)
    await tick(20)
    assert.ok(sender.sent.length > before)
    const seqs = sender.sent.map((p) => p.header.sequenceNumber)
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1]! + 1) & 0xffff, 'no gap where GOPs were dropped')
    assert.ok(reader.bytesSent > 0)
    session.close('deleted')
  })

  it('a kick ends it: it leaves the stream and closes the peer connection', async () => {
    const { stream, pc, reader, session, ended } = setup()
    pc.connectionStateChange.execute('connected')
    await tick()
    assert.equal(stream.readerCount, 1)
    reader.close('kicked')
    assert.equal(session.isClosed, true)
    assert.equal(stream.readerCount, 0)
    assert.equal(pc.closed, true)
    assert.deepEqual(ended, ['kicked'])
  })

  it('an answer never connected ends after connectMs; a failed connection at once', async () => {
    const a = setup(20_000, { ...DEFAULT_LIFETIME, connectMs: 50 })
    await tick(700)
    assert.deepEqual(a.ended, ['never connected'])
    assert.equal(a.reader.closedWith, 'never connected')
    assert.equal(a.pc.closed, true)
    const b = setup()
    b.pc.connectionStateChange.execute('connected')
    b.pc.connectionStateChange.execute('failed')
    assert.deepEqual(b.ended, ['connection failed'])
    assert.equal(b.stream.readerCount, 0)
  })

  it('a connected viewer that goes silent (no RTCP) is released after silenceMs; RTCP keeps it', async () => {
    const { pc, sender, session, ended, stream } = setup(20_000, { ...DEFAULT_LIFETIME, silenceMs: 400 })
    pc.connectionStateChange.execute('connected')
    for (let i = 0; i < 6; i++) {
      await tick(100)
      sender.onRtcp.execute({})
    }
    assert.equal(session.isClosed, false, 'receiver reports keep it alive')
    await tick(1000)
    assert.deepEqual(ended, ['peer went silent'])
    assert.equal(stream.readerCount, 0)
  })
})
