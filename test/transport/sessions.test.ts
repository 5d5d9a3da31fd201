// RtpSendSession → RtpReceiveSession over loopback UDP: frames, sender reports, receiver reports, BYE.
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { afterEach, describe, it } from 'node:test'
import { joinAnnexB } from '../../src/codecs/h264/annexb.js'
import { createCodecRegistry } from '../../src/codecs/registry.js'
import { RtspkitError } from '../../src/errors.js'
import type { RtpFrame } from '../../src/rtp/receiver.js'
import type { FramePush, MediaSource, TrackInfo } from '../../src/sources/source.js'
import { RtpReceiveSession } from '../../src/transport/receive-session.js'
import { RtpSendSession } from '../../src/transport/send-session.js'
import { freeUdpPorts } from '../rtp/udp-ports.js'

/** A source the test drives by hand. */
class ManualSource implements MediaSource {
  readonly description = 'manual'
  push: FramePush | undefined
  stopped = 0
  constructor(readonly tracks: readonly TrackInfo[]) {}
  start(push: FramePush): void {
    this.push = push
  }
  stop(): void {
    this.stopped++
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await sleep(10)
}

const SPS = Buffer.from('6764001facd9405005bb011000000300100000030320f18319a0', 'hex')
const PPS = Buffer.from('68ebe3cb22c0', 'hex')

describe('RtpSendSession → RtpReceiveSession', () => {
  // Sockets left open by a failed assertion would keep the test process alive.
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c()
  })

  it('carries H.264 and PCMU on PORT and PORT+2 with SR, RR and BYE', async () => {
    const port = await freeUdpPorts(4)
    const source = new ManualSource([
      { kind: 'audio', codec: 'pcmu', sampleRate: 8000, channels: 1 },
      { kind: 'video', codec: 'h264', sps: SPS, pps: PPS },
    ])
    const send = new RtpSendSession({ source, host: '127.0.0.1', port })
    const sdp = send.sdp()
    assert.match(sdp, new RegExp(`m=video ${port} RTP/AVP 96\r\n`), 'video first, on PORT')
    assert.match(sdp, new RegExp(`m=audio ${port + 2} RTP/AVP 0\r\n`), 'audio on PORT+2, static PCMU')
    assert.match(sdp, /a=fmtp:96 packetization-mode=1;profile-level-id=64001F;sprop-parameter-sets=/)

    const frames: [number, RtpFrame][] = []
    const byes: number[] = []
    const recv = RtpReceiveSession.fromSdp(sdp, {
      rtcpIntervalMs: 50,
      onFrame: (f, i) => frames.push([i, f]),
      onGoodbye: (i) => byes.push(i),
    })
    assert.deepEqual(
      recv.formats.map((f) => [f.codec.name, f.port]),
      [
        ['h264', port],
        ['pcmu', port + 2],
      ],
    )
    cleanup.push(
      () => send.close(),
      () => recv.close(),
    )
    await recv.start()
    await send.start()
    assert.ok(source.push, 'the source was started')

    const idr = Buffer.concat([Buffer.from([0x65, 0x88]), Buffer.alloc(5000, 0x5a)])
    const video: Buffer[] = []
    const audio: Buffer[] = []
    for (let i = 0; i < 10; i++) {
      const au = i === 0 ? [SPS, PPS, idr] : [Buffer.from([0x41, 0x9a, i])]
      video.push(joinAnnexB(au))
      source.push(1, au, i * 40)
      const samples = Buffer.alloc(320, i)
      audio.push(samples)
      source.push(0, samples, i * 40)
      await sleep(5)
    }
    await until(() => frames.filter(([i]) => i === 0).length >= 9 && frames.filter(([i]) => i === 1).length >= 20)
    // The last access unit completes when its marker arrives; audio packets are 20 ms each.
    const v = frames.filter(([i]) => i === 0).map(([, f]) => f)
    const a = frames.filter(([i]) => i === 1).map(([, f]) => f)
    assert.deepEqual(
      v.map((f) => f.data),
      video.slice(0, v.length),
    )
    assert.equal(v[0]!.keyframe, true)
    assert.deepEqual(
      v.map((f) => f.ptsMs),
      video.slice(0, v.length).map((_, i) => i * 40),
    )
    assert.deepEqual(Buffer.concat(a.map((f) => f.data)), Buffer.concat(audio).subarray(0, a.length * 160))
    // The first SR leaves with the first frame (on another socket, so it may arrive just after it).
    assert.ok(
      v.slice(1).every((f) => f.ntpMs !== undefined && Math.abs(f.ntpMs - Date.now()) < 5000),
      'ntpMs near now',
    )
    const spacing = v[2]!.ntpMs! - v[1]!.ntpMs!
    assert.ok(Math.abs(spacing - 40) < 0.01, `frames 40 ms apart on the sender's clock, got ${spacing}`)

    await until(() => send.stats().every((s) => s.lastReceiverReport !== undefined))
    const st = send.stats()
    assert.equal(st[0]!.lastReceiverReport!.totalLost, 0)
    assert.equal(st[0]!.lastReceiverReport!.ssrc, st[0]!.ssrc)
    assert.equal(st[0]!.frames, 10)

    await send.close()
    await until(() => byes.length === 2)
    assert.deepEqual(byes.sort(), [0, 1])
    const rs = recv.stats()
    assert.deepEqual(
      rs.map((s) => [s.lost, s.duplicates, s.goodbye]),
      [
        [0, 0, true],
        [0, 0, true],
      ],
    )
    assert.ok(rs[0]!.senderReports >= 1)
    await recv.close()
    await recv.close() // idempotent
    await send.close()
    assert.ok(source.stopped >= 1)
  })

  it('through a relay that reorders, drops and duplicates: frames in order, losses and duplicates counted', async () => {
    const base = await freeUdpPorts(4)
    const relayPort = base
    const recvPort = base + 2
    const relay = dgram.createSocket('udp4')
    await new Promise<void>((r) => relay.bind(relayPort, '127.0.0.1', r))
    cleanup.push(() => new Promise<void>((r) => relay.close(() => r())))
    let n = 0
    let held: Buffer | undefined
    const forward = (b: Buffer): void => {
      relay.send(b, recvPort, '127.0.0.1')
    }
    relay.on('message', (msg) => {
      n++
      if (n === 20) return // lost
      if (n === 30) forward(msg) // duplicated
      // The first packet sets where the stream starts; from then on swap every pair: 2 3 4 5 → 3 2 5 4.
      if (n === 1) {
        forward(msg)
        return
      }
      if (held) {
        forward(msg)
        forward(held)
        held = undefined
      } else {
        held = msg
      }
      if (n === 60 && held) forward(held) // the last one, alone
    })
    const source = new ManualSource([{ kind: 'video', codec: 'h264', sps: SPS, pps: PPS }])
    const send = new RtpSendSession({ source, host: '127.0.0.1', port: relayPort, maxPacketSize: 500 })
    const frames: RtpFrame[] = []
    const recv = new RtpReceiveSession({
      streams: [
        {
          port: recvPort,
          codec: createCodecRegistry().byName('h264')!,
          params: { payloadType: 96, encodingName: 'H264', clockRate: 90000, fmtp: new Map() },
        },
      ],
      maxDelayMs: 50,
      onFrame: (f) => frames.push(f),
    })
    cleanup.push(
      () => send.close(),
      () => recv.close(),
    )
    await recv.start()
    await send.start()
    // 20 access units of 3 packets each (single NAL units of ~1000 bytes, FU-A over 500-byte packets).
    for (let i = 0; i < 20; i++) {
      source.push!(0, [Buffer.concat([Buffer.from([i === 0 ? 0x65 : 0x41, i]), Buffer.alloc(1000, i)])], i * 40)
      await sleep(2)
    }
    await until(() => frames.length >= 19)
    await sleep(100)
    const st = recv.stats()[0]!
    assert.deepEqual([st.packets, st.expected, st.lost, st.duplicates, st.late], [59, 60, 1, 1, 0])
    assert.ok(st.reordered >= 25, `reordered ${st.reordered}`)
    // The access unit that lost a fragment is refused by the depacketizer; all others arrive in order.
    assert.equal(frames.length, 19)
    const order = frames.map((f) => f.data[5]!)
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    )
    assert.ok(st.depacketizerErrors >= 1)
  })

  it('start() reports a port in use as a one-line ConfigError and releases what it bound', async () => {
    const port = await freeUdpPorts(2)
    const a = RtpReceiveSession.fromSdp(`v=0\r\nc=IN IP4 127.0.0.1\r\nm=video ${port} RTP/AVP 26\r\n`)
    cleanup.push(() => a.close())
    await a.start()
    const b = RtpReceiveSession.fromSdp(`v=0\r\nc=IN IP4 127.0.0.1\r\nm=video ${port} RTP/AVP 26\r\n`)
    await assert.rejects(b.start(), (e: RtspkitError) => e.code === 'ERR_UDP_BIND' && e.message === `RTP port ${port} is already in use`)
    await a.close()
    const c = RtpReceiveSession.fromSdp(`v=0\r\nc=IN IP4 127.0.0.1\r\nm=video ${port} RTP/AVP 26\r\n`)
    cleanup.push(() => c.close())
    await c.start()
    await c.close()
  })

  it('refuses a track it has no packetizer for', () => {
    const source = new ManualSource([{ kind: 'video', codec: 'vp7' as 'h264' }])
    assert.throws(
      () => new RtpSendSession({ source, host: '127.0.0.1', port: 5000 }),
      (e: RtspkitError) => e.code === 'ERR_RTP_CODEC',
    )
  })
})
