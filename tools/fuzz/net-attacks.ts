/**
 * The network fuzzer's attacks, one function each. Every attack opens its own connections, sends a
 * bounded number of mutated messages, tallies the replies by class and closes what it opened, so the
 * server's descriptors and memory can be compared before and after. Each returns how many messages
 * (requests, datagrams, TLS records) it sent.
 */
import { createSocket } from 'node:dgram'
import { sdpControls, resolveControl } from '../../bench/load-client.js'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import { serializeInterleaved } from '../../src/rtsp/interleaved.js'
import { Conversation, statusClass, type Tally } from './conversation.js'
import { METHODS, requestText, rtcpSample, rtpSample, SDP_BODIES, webrtcOffer, type RequestContext } from './corpus.js'
import { mutateBytes, mutateText, type Rng } from './mutate.js'
import { rtmp } from './rtmp-attack.js'
import { PUBLISH_MOUNT, type Target } from './target.js'

const REPLY_WAIT_MS = 400
const HTTP_TIMEOUT_MS = 3000

export interface AttackContext {
  target: Target
  rng: Rng
  tally: Tally
}

export type Attack = (ctx: AttackContext) => Promise<number>

const base = (ctx: AttackContext, mount?: string): string =>
  `rtsp://${ctx.target.host}:${ctx.target.ports.rtsp}/${mount ?? ctx.rng.pick(['bench', 'bench', PUBLISH_MOUNT, 'nope', 'bench/trackID=0', ''])}`

/** A request, mutated with probability `p`. */
function fuzzRequest(ctx: AttackContext, method: string, rc: RequestContext, p = 0.8): string {
  const text = requestText(ctx.rng, method, rc)
  return ctx.rng.chance(p) ? mutateText(ctx.rng, text) : text
}

/** Sends `text` and waits for its reply; the reply, or undefined. */
async function exchange(conv: Conversation, text: string): Promise<ReturnType<Conversation['responses']['at']>> {
  const before = conv.responses.length
  conv.write(text)
  await conv.waitResponses(before + 1, REPLY_WAIT_MS * 5)
  return conv.responses[before]
}

/** DESCRIBE then SETUP of the first track over `transport`; the session id and the SETUP reply. */
async function openSession(conv: Conversation, ctx: AttackContext, url: string, transport: string) {
  const described = await exchange(conv, `DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`)
  if (described?.statusCode !== 200) return undefined
  const controls = sdpControls(described.body.toString('utf8'))
  const contentBase = described.headers.get('Content-Base') ?? url
  const track = resolveControl(contentBase, controls.tracks[0] ?? '')
  const setup = await exchange(conv, `SETUP ${track} RTSP/1.0\r\nCSeq: 2\r\nTransport: ${transport}\r\n\r\n`)
  const session = setup?.headers.get('Session')?.split(';')[0]
  if (setup?.statusCode !== 200 || session === undefined) return undefined
  return { session, setup, aggregate: resolveControl(contentBase, controls.session) }
}

/** Mutated requests pipelined on one connection, with interleaved $-frames between them; half the time inside a real session. */
export const rtspBurst: Attack = async (ctx) => {
  const conv = await Conversation.open(ctx.target.ports.rtsp, ctx.target.host)
  let sent = 0
  try {
    const rc: RequestContext = { url: base(ctx), cseq: 10 }
    if (ctx.rng.chance(0.5)) {
      const s = await openSession(conv, ctx, base(ctx, 'bench'), 'RTP/AVP/TCP;unicast;interleaved=0-1')
      sent += 2
      if (s) rc.session = s.session
    }
    const start = conv.responses.length
    const n = 1 + ctx.rng.int(12)
    for (let i = 0; i < n; i++) {
      rc.cseq++
      if (ctx.rng.chance(0.2)) rc.url = base(ctx)
      conv.write(fuzzRequest(ctx, ctx.rng.pick(METHODS), rc))
      if (ctx.rng.chance(0.3)) conv.write(interleavedFrame(ctx))
    }
    sent += n
    await conv.waitResponses(start + n, REPLY_WAIT_MS)
    conv.tally(ctx.tally, sent)
  } finally {
    conv.close()
  }
  return sent
}

function interleavedFrame(ctx: AttackContext): Buffer {
  const { rng } = ctx
  const payload = rng.chance(0.5) ? mutateBytes(rng, rtcpSample(rng, rng.int(0x100000000))) : rtpSample(rng, rng.int(0x10000), 1)
  const frame = serializeInterleaved(rng.pick([0, 1, 2, 3, 255]), payload.subarray(0, 0xffff))
  return rng.chance(0.3) ? mutateBytes(rng, frame, 2) : frame
}

/** ANNOUNCE a mutated SDP to the publish path; when accepted, SETUP (record), RECORD and mutated media over TCP. */
export const announce: Attack = async (ctx) => {
  const { rng } = ctx
  const conv = await Conversation.open(ctx.target.ports.rtsp, ctx.target.host)
  let sent = 0
  try {
    const url = base(ctx, PUBLISH_MOUNT)
    const sdp = rng.chance(0.85) ? mutateText(rng, rng.pick(SDP_BODIES)) : rng.pick(SDP_BODIES)
    const body = Buffer.from(sdp, 'latin1')
    const head = `ANNOUNCE ${url} RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n`
    const announced = await exchange(conv, Buffer.concat([Buffer.from(head, 'latin1'), body]).toString('latin1'))
    sent++
    if (announced?.statusCode === 200) {
      const control = sdpControls(sdp).tracks[0] ?? ''
      const setup = await exchange(
        conv,
        `SETUP ${resolveControl(url, control)} RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n`,
      )
      sent++
      const session = setup?.headers.get('Session')?.split(';')[0]
      if (session !== undefined) {
        await exchange(conv, `RECORD ${url} RTSP/1.0\r\nCSeq: 3\r\nSession: ${session}\r\nRange: npt=0.000-\r\n\r\n`)
        sent++
        const ssrc = rng.int(0x100000000)
        const seq0 = rng.int(0x10000)
        const frames = 20 + rng.int(60)
        for (let i = 0; i < frames; i++) {
          const pkt = rtpSample(rng, seq0 + i, ssrc)
          conv.write(serializeInterleaved(rng.chance(0.9) ? 0 : 1, rng.chance(0.4) ? mutateBytes(rng, pkt).subarray(0, 0xffff) : pkt))
        }
        sent += frames
        conv.write(`TEARDOWN ${url} RTSP/1.0\r\nCSeq: 4\r\nSession: ${session}\r\n\r\n`)
        sent++
        await conv.waitResponses(4, REPLY_WAIT_MS)
        conv.tally(ctx.tally, 4)
        return sent
      }
    }
    conv.tally(ctx.tally, conv.responses.length === 0 ? 1 : conv.responses.length)
  } finally {
    conv.close()
  }
  return sent
}

/** A UDP session (play, or record on rtspkit's publish path), then mutated RTP and RTCP at the server's ports. */
export const datagrams: Attack = async (ctx) => {
  const { rng } = ctx
  const local = createSocket('udp4')
  const localRtcp = createSocket('udp4')
  await new Promise<void>((r) => local.bind(0, ctx.target.host, r))
  const port = local.address().port
  await new Promise<void>((r) => localRtcp.bind(0, ctx.target.host, r))
  local.on('message', () => {})
  localRtcp.on('message', () => {})
  const conv = await Conversation.open(ctx.target.ports.rtsp, ctx.target.host)
  let sent = 0
  try {
    const s = await openSession(conv, ctx, base(ctx, 'bench'), `RTP/AVP;unicast;client_port=${port}-${port + 1}`)
    sent += 2
    const server = parseTransport(s?.setup.headers.get('Transport') ?? '')[0]?.serverPort
    if (!s || !server) {
      conv.tally(ctx.tally, 2)
      return sent
    }
    await exchange(conv, `PLAY ${s.aggregate} RTSP/1.0\r\nCSeq: 3\r\nSession: ${s.session}\r\n\r\n`)
    const n = 10 + rng.int(100)
    const ssrc = rng.int(0x100000000)
    for (let i = 0; i < n; i++) {
      const rtcp = rng.chance(0.6)
      const pkt = rtcp ? rtcpSample(rng, ssrc) : rtpSample(rng, i, ssrc)
      const data = rng.chance(0.1) ? rng.bytes(rng.int(1500)) : mutateBytes(rng, pkt)
      local.send(data, rtcp ? (server[1] ?? server[0] + 1) : server[0], ctx.target.host)
    }
    sent += n + 2
    await exchange(conv, `TEARDOWN ${s.aggregate} RTSP/1.0\r\nCSeq: 4\r\nSession: ${s.session}\r\n\r\n`)
    conv.tally(ctx.tally, 4)
  } finally {
    conv.close()
    local.close()
    localRtcp.close()
  }
  return sent
}

/** Garbage (or a mutated TLS record) at the RTSPS port; or a real TLS session carrying mutated RTSP. */
export const tls: Attack = async (ctx) => {
  const { rng } = ctx
  const port = ctx.target.ports.rtsps
  if (port === undefined) return 0
  if (rng.chance(0.5)) {
    const conv = await Conversation.open(port, ctx.target.host)
    // A TLS 1.2 handshake record header (content type 22, version 3.1) over random bytes.
    const hello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x80, 0x01, 0x00, 0x00, 0x7c, 0x03, 0x03]), rng.bytes(rng.int(300))])
    conv.write(rng.chance(0.5) ? mutateBytes(rng, hello) : rng.bytes(1 + rng.int(600)))
    await conv.waitResponses(1, REPLY_WAIT_MS)
    ctx.tally(conv.closed ? 'TLS: closed by server' : conv.unreadable ? 'TLS: alert or handshake bytes' : 'TLS: server waits')
    conv.close()
    return 1
  }
  const conv = await Conversation.open(port, ctx.target.host, true)
  const rc: RequestContext = { url: `rtsps://${ctx.target.host}:${port}/bench`, cseq: 1 }
  const n = 1 + rng.int(6)
  for (let i = 0; i < n; i++) {
    rc.cseq++
    conv.write(fuzzRequest(ctx, rng.pick(METHODS), rc))
  }
  await conv.waitResponses(n, REPLY_WAIT_MS)
  conv.tally((cls, k) => ctx.tally(`TLS: ${cls}`, k), n)
  conv.close()
  return n
}

/** RTSP-over-HTTP tunnels (QuickTime): mutated GET/POST heads, or a real pair with mutated base64 requests. */
export const tunnel: Attack = async (ctx) => {
  const { rng } = ctx
  const cookie = rng.bytes(8).toString('hex')
  const head = (method: string) =>
    `${method} /bench HTTP/1.0\r\nx-sessioncookie: ${cookie}\r\nAccept: application/x-rtsp-tunnelled\r\nContent-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n`
  const get = await Conversation.open(ctx.target.ports.rtsp, ctx.target.host)
  try {
    if (rng.chance(0.4)) {
      get.write(mutateText(rng, head(rng.pick(['GET', 'POST']))))
      await get.waitResponses(1, REPLY_WAIT_MS)
      get.tally((cls, k) => ctx.tally(`tunnel: ${cls}`, k), 1)
      return 1
    }
    get.write(head('GET'))
    await get.waitResponses(1, REPLY_WAIT_MS)
    const post = await Conversation.open(ctx.target.ports.rtsp, ctx.target.host)
    post.write(head('POST'))
    const rc: RequestContext = { url: base(ctx, 'bench'), cseq: 1 }
    const n = 1 + rng.int(5)
    for (let i = 0; i < n; i++) {
      rc.cseq++
      let b64 = Buffer.from(fuzzRequest(ctx, rng.pick(METHODS), rc, 0.5), 'latin1').toString('base64')
      if (rng.chance(0.2)) b64 = mutateText(rng, b64, 1)
      post.write(b64)
    }
    await get.waitResponses(1 + n, REPLY_WAIT_MS)
    get.tally((cls, k) => ctx.tally(`tunnel: ${cls}`, k), 1 + n)
    post.close()
    return 2 + n
  } finally {
    get.close()
  }
}

async function http(ctx: AttackContext, method: string, url: string, body?: string, type?: string): Promise<Response | undefined> {
  try {
    const res = await fetch(url, {
      method,
      body,
      headers: type ? { 'Content-Type': type } : {},
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    })
    ctx.tally(statusClass('HTTP', res.status))
    return res
  } catch {
    ctx.tally('HTTP: no answer or reset')
    return undefined
  }
}

/** WHEP (play) and WHIP (publish) offers with mutated SDP; accepted sessions get a mutated PATCH and a DELETE. */
export const webrtc: Attack = async (ctx) => {
  const { rng } = ctx
  const port = ctx.target.ports.webrtc
  if (port === undefined) return 0
  const whip = rng.chance(0.3)
  const origin = `http://${ctx.target.host}:${port}`
  const offer = webrtcOffer(whip ? 'sendonly' : 'recvonly')
  const url = `${origin}/${whip ? PUBLISH_MOUNT : 'bench'}/${whip ? 'whip' : 'whep'}`
  const res = await http(ctx, 'POST', url, rng.chance(0.85) ? mutateText(rng, offer, 4) : offer, 'application/sdp')
  await res?.arrayBuffer().catch(() => undefined)
  const location = res?.headers.get('location')
  if (res?.status !== 201 || !location) return 1
  const resource = new URL(location, origin).href
  const frag = mutateText(
    rng,
    'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2122260223 127.0.0.1 61764 typ host\r\n',
  )
  await (await http(ctx, 'PATCH', resource, frag, 'application/trickle-ice-sdpfrag'))?.arrayBuffer().catch(() => undefined)
  await (await http(ctx, 'DELETE', resource))?.arrayBuffer().catch(() => undefined)
  return 3
}

/** Mutated HLS playlist and segment requests (blocking-reload parameters included). */
export const hls: Attack = async (ctx) => {
  const port = ctx.target.ports.hls
  if (port === undefined) return 0
  const path = mutateText(
    ctx.rng,
    ctx.rng.pick(['/bench/index.m3u8', '/bench/stream.m3u8?_HLS_msn=5&_HLS_part=1', '/bench/init.mp4', '/bench/seg3.m4s']),
    2,
  )
  const res = await http(ctx, 'GET', `http://${ctx.target.host}:${port}${path.startsWith('/') ? '' : '/'}${encodeURI(path)}`)
  await res?.arrayBuffer().catch(() => undefined)
  return 1
}

/** Attack name → function and weight (how often a worker picks it). */
export const ATTACKS: Record<string, { run: Attack; weight: number; rtspkitOnly?: boolean }> = {
  'rtsp requests + $-frames': { run: rtspBurst, weight: 8 },
  'ANNOUNCE sdp + record': { run: announce, weight: 2 },
  'udp rtp/rtcp datagrams': { run: datagrams, weight: 2 },
  'tls at rtsps port': { run: tls, weight: 2, rtspkitOnly: true },
  'http tunnel': { run: tunnel, weight: 2 },
  'whep/whip offers': { run: webrtc, weight: 1, rtspkitOnly: true },
  'hls requests': { run: hls, weight: 1, rtspkitOnly: true },
  'rtmp handshake + chunks': { run: rtmp, weight: 2, rtspkitOnly: true },
}
