// SRTP (RTP/SAVP) with MIKEY keys, against GStreamer: rtspsrc (which follows the SDP's SAVP) decodes our H.264 over UDP
// and TCP; a tampered KeyMgmt gets 4xx; SRTCP with a bad tag is dropped and counted.
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import tls from 'node:tls'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { H264FileSource } from '../../src/sources/h264-file.js'
import { parseSdp } from '../../src/sdp/sdp.js'
import { formatKeyMgmtHeader, parseKeyMgmtAttribute } from '../../src/srtp/key-mgmt.js'
import { buildMikey } from '../../src/srtp/mikey.js'
import { SrtpContext } from '../../src/srtp/srtp-context.js'
import { AES_CM_128_HMAC_SHA1_80 } from '../../src/srtp/srtp-profile.js'
import { gstDecode, h264File, run, startServer, type TestServer } from './harness.js'
import { makeCert } from './tls-cert.js'

/** One RTSP exchange on a TLS connection: requests written in turn, each answer read whole. */
class RtspsTalk {
  private buf = ''
  private cseq = 0
  private constructor(private readonly socket: tls.TLSSocket) {
    socket.on('data', (c: Buffer) => (this.buf += c.toString('latin1')))
  }
  static open(port: number): Promise<RtspsTalk> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(new RtspsTalk(s)))
      s.once('error', reject)
    })
  }
  async request(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body = '',
  ): Promise<{ status: number; headers: string; body: string }> {
    this.buf = ''
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${++this.cseq}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
    this.socket.write(lines.join('\r\n') + '\r\n\r\n' + body)
    for (let i = 0; i < 200; i++) {
      const end = this.buf.indexOf('\r\n\r\n')
      if (end >= 0) {
        const head = this.buf.slice(0, end)
        const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0)
        if (this.buf.length >= end + 4 + len) {
          return { status: Number(head.split(' ')[1]), headers: head, body: this.buf.slice(end + 4, end + 4 + len) }
        }
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error(`no answer to ${method}`)
  }
  close(): void {
    this.socket.destroy()
  }
}

describe('SRTP (RTP/SAVP) under encryption strict', () => {
  let srv: TestServer
  before(async () => {
    const cert = await makeCert('srtp')
    const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
    srv = await startServer({ cam: `file:${file}` }, { tls: cert, rtspsPort: 0, port: 0, encryption: 'strict' })
  })
  after(() => srv.stop())

  it('DESCRIBE offers RTP/SAVP with a MIKEY key per media', async () => {
    const talk = await RtspsTalk.open(srv.server.rtspsPort)
    try {
      const r = await talk.request('DESCRIBE', srv.url('cam'), { Accept: 'application/sdp' })
      assert.equal(r.status, 200)
      const sdp = parseSdp(r.body)
      assert.equal(sdp.media[0]!.protocol, 'RTP/SAVP')
      const km = sdp.media[0]!.attributes.find((a) => a.key === 'key-mgmt')
      const mikey = parseKeyMgmtAttribute(km!.value!)
      assert.equal(mikey?.profile, AES_CM_128_HMAC_SHA1_80)
      assert.equal(mikey?.masterKey.key.length, 16)
    } finally {
      talk.close()
    }
  })

  for (const protocol of ['udp', 'tcp']) {
    it(`GStreamer rtspsrc (SAVP from the SDP) protocols=${protocol} decodes the SRTP stream`, async () => {
      const transports: string[] = []
      const onSetup = (e: { transport?: string }): void => void transports.push(e.transport ?? '')
      srv.server.on('setup', onSetup)
      const r = await gstDecode(
        `rtspsrc location=${srv.url('cam')} tls-validation-flags=0 protocols=${protocol} latency=200 ! rtph264depay ! avdec_h264 ! fakesink name=sink`,
        40,
      )
      assert.equal(r.error, null)
      assert.equal(r.frames, 40)
      assert.equal(r.width, 320)
      srv.server.off('setup', onSetup)
      assert.match(transports[0] ?? '', protocol === 'udp' ? /^RTP\/SAVP;unicast/ : /^RTP\/SAVP\/TCP;unicast;interleaved/)
    })
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`rtspkit's RtspClient plays SAVP over ${transport}: SETUP RTP/SAVP with its KeyMgmt, frames decode`, async () => {
      const transports: string[] = []
      const onSetup = (e: { transport?: string }): void => void transports.push(e.transport ?? '')
      srv.server.on('setup', onSetup)
      const client = new RtspClient(srv.url('cam'), { tls: { insecure: true }, transport })
      let n = 0
      let keyframes = 0
      const enough = new Promise<void>((resolve) =>
        client.on('frame', (f) => {
          if (f.keyframe) keyframes++
          if (++n >= 30) resolve()
        }),
      )
      try {
        await client.play()
        await Promise.race([enough, new Promise((r) => setTimeout(r, 10_000))])
      } finally {
        await client.close()
        srv.server.off('setup', onSetup)
      }
      assert.ok(n >= 30, `${n} frames`)
      assert.ok(keyframes >= 1)
      assert.match(transports[0] ?? '', transport === 'udp' ? /^RTP\/SAVP;unicast/ : /^RTP\/SAVP\/TCP;/)
    })
  }

  it('SETUP: plain RTP/AVP over UDP gets 461; a truncated or tampered KeyMgmt gets 400', async () => {
    const talk = await RtspsTalk.open(srv.server.rtspsPort)
    try {
      const url = `${srv.url('cam')}/trackID=0`
      assert.equal((await talk.request('DESCRIBE', srv.url('cam'))).status, 200)
      assert.equal((await talk.request('SETUP', url, { Transport: 'RTP/AVP;unicast;client_port=40000-40001' })).status, 461)
      const mikey = buildMikey({
        masterKey: { key: Buffer.alloc(16, 1), salt: Buffer.alloc(14, 2) },
        profile: AES_CM_128_HMAC_SHA1_80,
        ssrcs: [1234],
        csbId: 1,
        rand: Buffer.alloc(16, 3),
        timestamp: { seconds: 1, fraction: 0 },
      })
      const transport = 'RTP/SAVP;unicast;client_port=40000-40001'
      const truncated = formatKeyMgmtHeader(url, mikey.subarray(0, mikey.length - 20))
      assert.equal((await talk.request('SETUP', url, { Transport: transport, KeyMgmt: truncated })).status, 400)
      const tampered = Buffer.from(mikey)
      tampered[tampered.length - 35] = 0x7f // KEMAC key data length
      assert.equal((await talk.request('SETUP', url, { Transport: transport, KeyMgmt: formatKeyMgmtHeader(url, tampered) })).status, 400)
      assert.equal((await talk.request('SETUP', url, { Transport: transport, KeyMgmt: 'prot=mikey; data="%%%"' })).status, 400)
      // A real client: SETUP with its key, then SRTCP receiver reports, one good and one forged.
      const rtp = dgram.createSocket('udp4')
      const rtcp = dgram.createSocket('udp4')
      await Promise.all([rtp, rtcp].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', r))))
      const ports = `${rtp.address().port}-${rtcp.address().port}`
      let srtpIn = 0
      rtp.on('message', () => srtpIn++)
      try {
        const ok = await talk.request('SETUP', url, {
          Transport: `RTP/SAVP;unicast;client_port=${ports}`,
          KeyMgmt: formatKeyMgmtHeader(url, mikey),
        })
        assert.equal(ok.status, 200)
        assert.match(ok.headers, /Transport: RTP\/SAVP;unicast;client_port=\d+-\d+;server_port=/)
        const session = /Session: ([^;\r\n]+)/.exec(ok.headers)![1]!
        const serverRtcp = Number(/server_port=\d+-(\d+)/.exec(ok.headers)![1])
        assert.equal((await talk.request('PLAY', srv.url('cam'), { Session: session })).status, 200)
        const ours = new SrtpContext({ key: Buffer.alloc(16, 1), salt: Buffer.alloc(14, 2) }, AES_CM_128_HMAC_SHA1_80)
        const rr = Buffer.from('80c9000100000004d2', 'hex').subarray(0, 8) // RR, RC 0, SSRC 1234
        const good = ours.protectRtcp(rr)
        const forged = Buffer.from(ours.protectRtcp(rr))
        forged[forged.length - 1]! ^= 1
        for (const b of [good, forged]) rtcp.send(b, serverRtcp, '127.0.0.1')
        let track: { receiverReports: number; srtpDropped?: number } | undefined
        for (let i = 0; i < 100; i++) {
          await new Promise((r) => setTimeout(r, 50))
          track = srv.server.stats().sessions.find((x) => x.id === session)?.tracks[0]
          if (track && track.receiverReports + (track.srtpDropped ?? 0) >= 2 && srtpIn > 10) break
        }
        assert.equal(track?.receiverReports, 1, 'the good SRTCP report is read')
        assert.equal(track?.srtpDropped, 1, 'the forged one is dropped and counted')
        assert.ok(srtpIn > 10, 'SRTP packets arrive')
      } finally {
        rtp.close()
        rtcp.close()
      }
    } finally {
      talk.close()
    }
  })
})

async function ffmpegFrames(url: string, frames: number): Promise<number> {
  const r = await run(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-frames:v', String(frames), '-f', 'framemd5', '-'],
    40_000,
  )
  return r.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length
}

describe('SRTP publishers', () => {
  it('ANNOUNCE with a tampered a=key-mgmt gets 400; a SAVP SETUP with no key at all gets 400', async () => {
    const cert = await makeCert('srtp-announce')
    const srv = await startServer({ live: 'publish' }, { tls: cert, rtspsPort: 0, port: 0, encryption: 'strict' })
    const talk = await RtspsTalk.open(srv.server.rtspsPort)
    try {
      const url = srv.server.urlFor('live', '127.0.0.1', true)
      const sdp = (keyMgmt?: string): string =>
        [
          'v=0',
          'o=- 0 0 IN IP4 127.0.0.1',
          's=x',
          't=0 0',
          'm=video 0 RTP/SAVP 96',
          'a=rtpmap:96 H264/90000',
          'a=control:trackID=0',
          ...(keyMgmt ? [`a=key-mgmt:${keyMgmt}`] : []),
          '',
        ].join('\r\n')
      const announce = (body: string) =>
        talk.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp', 'Content-Length': String(body.length) }, body)
      assert.equal((await announce(sdp('mikey AQAFAA=='))).status, 400)
      assert.equal((await announce(sdp())).status, 200)
      const setup = await talk.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/SAVP/TCP;unicast;interleaved=0-1;mode=record' })
      assert.equal(setup.status, 400)
    } finally {
      talk.close()
      await srv.stop()
    }
  })

  for (const transport of ['udp', 'tcp'] as const) {
    it(`RtspClient.record with srtp publishes RTP/SAVP over ${transport} into rtsps://; ffmpeg decodes it`, async () => {
      const cert = await makeCert('srtp-record')
      const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
      const srv = await startServer({ live: 'publish' }, { tls: cert, rtspsPort: 0, port: 0, encryption: 'strict' })
      const url = srv.server.urlFor('live', '127.0.0.1', true)
      const sent: string[] = []
      const client = new RtspClient(url, {
        tls: { insecure: true },
        transport,
        srtp: true,
        onDialogue: (d, t) => d === 'send' && sent.push(t),
      })
      const source = new H264FileSource(file)
      try {
        const pub = await client.record([
          { kind: 'video', codec: 'h264', sps: source.sps, pps: source.pps, width: 320, height: 240, fps: 25 },
        ])
        source.start((nalus, ptsMs) => pub.pushFrame(0, nalus, ptsMs))
        assert.equal(await ffmpegFrames(url, 25), 25)
        const announce = sent.find((t) => t.startsWith('ANNOUNCE')) ?? ''
        assert.match(announce, /m=video 0 RTP\/SAVP 96/)
        assert.match(announce, /a=key-mgmt:mikey /)
        const setup = sent.find((t) => t.startsWith('SETUP')) ?? ''
        assert.match(setup, transport === 'udp' ? /Transport: RTP\/SAVP;unicast/ : /Transport: RTP\/SAVP\/TCP;/)
        assert.match(setup, /KeyMgmt: prot=mikey; uri="/)
      } finally {
        source.stop()
        await client.close()
        await srv.stop()
      }
    })
  }

  for (const protocol of ['udp', 'tcp']) {
    it(`GStreamer rtspclientsink profiles=savp protocols=${protocol} publishes over rtsps:// and ffmpeg decodes it`, async () => {
      const cert = await makeCert('srtp-publish')
      const srv = await startServer({ live: 'publish' }, { tls: cert, rtspsPort: 0, port: 0, encryption: 'strict' })
      const url = srv.server.urlFor('live', '127.0.0.1', true)
      const pub = run(
        'gst-launch-1.0',
        [
          '-q',
          ...`videotestsrc num-buffers=250 is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc tune=zerolatency key-int-max=25 speed-preset=ultrafast ! video/x-h264,profile=baseline ! rtspclientsink location=${url} tls-validation-flags=0 profiles=savp protocols=${protocol}`.split(
            ' ',
          ),
        ],
        30_000,
      )
      try {
        let frames = 0
        for (let i = 0; i < 40 && frames < 25; i++) {
          await new Promise((r) => setTimeout(r, 250))
          if (srv.server.pathStatus().find((p) => p.name === 'live')?.publisher) frames = await ffmpegFrames(url, 25)
        }
        assert.equal(frames, 25)
      } finally {
        await srv.stop()
        await pub
      }
    })
  }
})
