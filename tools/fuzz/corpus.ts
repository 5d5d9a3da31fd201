/**
 * Valid starting points for the mutations: RTSP requests (RFC 2326 / 7826 methods), SDP bodies for
 * ANNOUNCE (one per codec family rtspkit depacketizes), RTP packets with H.264 payloads (single NAL,
 * STAP-A, FU-A: RFC 6184 section 5), RTCP (SR, RR, SDES, BYE: RFC 3550 section 6), a Chromium-like
 * WebRTC offer and a MIKEY message (RFC 3830).
 */
import { buildMikey } from '../../src/srtp/mikey.js'
import { AES_CM_128_HMAC_SHA1_80 } from '../../src/srtp/srtp-profile.js'
import type { Rng } from './mutate.js'

export interface RequestContext {
  url: string
  cseq: number
  session?: string
  clientPort?: number
}

const TRANSPORTS = [
  'RTP/AVP;unicast;client_port={port}-{port1}',
  'RTP/AVP/TCP;unicast;interleaved=0-1',
  'RTP/AVP;multicast',
  'RTP/AVP/UDP;unicast;client_port={port}-{port1};mode=record',
  'RTP/AVP/TCP;unicast;interleaved=2-3;mode="RECORD"',
  'RTP/SAVP;unicast;client_port={port}-{port1}',
  'RTP/AVP;unicast;client_port={port}',
  'RTP/AVP;unicast;destination=127.0.0.1;client_port={port}-{port1};ssrc=DEADBEEF;ttl=3',
]

export const SDP_BODIES = [
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg==;profile-level-id=42C01E\r\na=control:streamid=0\r\n',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\na=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAQEAAAAMAQAAAAwDIQA==;sprop-pps=RAHBcrRiQA==\r\na=control:trackID=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\na=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190\r\na=control:trackID=1\r\n',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\na=control:a\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 sprop-stereo=1\r\na=control:b\r\n',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\na=control:0\r\nm=audio 0 RTP/AVP 96\r\na=rtpmap:96 L16/44100/2\r\na=control:1\r\n',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=pub\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=control:0\r\nm=video 0 RTP/AVP 97\r\na=rtpmap:97 VP9/90000\r\na=control:1\r\nm=video 0 RTP/AVP 98\r\na=rtpmap:98 AV1/90000\r\na=control:2\r\n',
]

/** A request for `method` on ctx.url, valid unless the mutator bends it. */
export function requestText(rng: Rng, method: string, ctx: RequestContext): string {
  const lines = [`${method} ${ctx.url} RTSP/1.0`, `CSeq: ${ctx.cseq}`]
  if (rng.chance(0.7)) lines.push('User-Agent: rtspkit-fuzz')
  if (ctx.session !== undefined && rng.chance(0.8)) lines.push(`Session: ${ctx.session}`)
  let body = ''
  const port = ctx.clientPort ?? 40000 + 2 * rng.int(1000)
  switch (method) {
    case 'DESCRIBE':
      lines.push('Accept: application/sdp')
      break
    case 'SETUP':
      lines.push(
        `Transport: ${rng
          .pick(TRANSPORTS)
          .replaceAll('{port}', String(port))
          .replaceAll('{port1}', String(port + 1))}`,
      )
      if (rng.chance(0.2)) lines.push(`KeyMgmt: prot=mikey; uri="${ctx.url}"; data="${mikeySample(rng).toString('base64')}"`)
      break
    case 'PLAY':
      lines.push(rng.pick(['Range: npt=0.000-', 'Range: npt=now-', 'Range: npt=5-10', 'Range: clock=19961108T143720.25Z-', 'Scale: 2.0']))
      break
    case 'ANNOUNCE':
      body = rng.pick(SDP_BODIES)
      lines.push('Content-Type: application/sdp')
      break
    case 'SET_PARAMETER':
    case 'GET_PARAMETER':
      if (rng.chance(0.5)) body = 'packets_received\r\njitter\r\n'
      if (body) lines.push('Content-Type: text/parameters')
      break
    default:
  }
  if (rng.chance(0.3))
    lines.push(`Authorization: ${rng.pick(['Basic dXNlcjpwYXNz', 'Digest username="u", realm="r", nonce="n", uri="/x", response="00"'])}`)
  if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`)
  return `${lines.join('\r\n')}\r\n\r\n${body}`
}

export const METHODS = [
  'OPTIONS',
  'DESCRIBE',
  'SETUP',
  'PLAY',
  'PAUSE',
  'TEARDOWN',
  'GET_PARAMETER',
  'SET_PARAMETER',
  'ANNOUNCE',
  'RECORD',
  'REDIRECT',
  'FOO',
]

/** An RTP packet carrying an H.264 single NAL, STAP-A or FU-A payload (RFC 6184 section 5). */
export function rtpSample(rng: Rng, seq: number, ssrc: number, pt = 96): Buffer {
  const header = Buffer.alloc(12)
  header[0] = 0x80
  header[1] = (rng.chance(0.3) ? 0x80 : 0) | (pt & 0x7f)
  header.writeUInt16BE(seq & 0xffff, 2)
  header.writeUInt32BE((seq * 3600) >>> 0, 4)
  header.writeUInt32BE(ssrc >>> 0, 8)
  const kind = rng.int(3)
  let payload: Buffer
  if (kind === 0) payload = Buffer.concat([Buffer.from([rng.pick([0x65, 0x41, 0x67, 0x68, 0x06])]), rng.bytes(rng.int(200))])
  else if (kind === 1) payload = Buffer.from([0x18, 0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e, 0x00, 0x02, 0x68, 0xce])
  else payload = Buffer.concat([Buffer.from([0x7c, rng.pick([0x85, 0x05, 0x45])]), rng.bytes(rng.int(1200))])
  return Buffer.concat([header, payload])
}

/** A compound RTCP packet: SR or RR, then SDES or BYE (RFC 3550 section 6.1). */
export function rtcpSample(rng: Rng, ssrc: number): Buffer {
  const rr = Buffer.alloc(32)
  rr.writeUInt8(0x81, 0) // V=2, RC=1
  rr.writeUInt8(201, 1) // RR
  rr.writeUInt16BE(7, 2) // length in words minus one
  rr.writeUInt32BE(ssrc >>> 0, 4)
  rr.writeUInt32BE(0x12345678, 8) // reportee
  rr.writeUInt32BE(0x00000010, 12) // fraction lost, cumulative lost
  rr.writeUInt32BE(0x00010000, 16) // extended highest sequence number
  const sr = Buffer.alloc(28)
  sr.writeUInt8(0x80, 0)
  sr.writeUInt8(200, 1) // SR, no report blocks
  sr.writeUInt16BE(6, 2)
  sr.writeUInt32BE(ssrc >>> 0, 4)
  sr.writeUInt32BE(0xe0000000, 8) // NTP seconds
  const cname = Buffer.from('fuzz@127.0.0.1')
  const sdesLen = 4 + 4 + 2 + cname.length
  // Items end with a null octet and pad to a 32-bit boundary (RFC 3550 section 6.5).
  const sdes = Buffer.alloc(Math.ceil((sdesLen + 1) / 4) * 4)
  sdes.writeUInt8(0x81, 0)
  sdes.writeUInt8(202, 1)
  sdes.writeUInt16BE(sdes.length / 4 - 1, 2)
  sdes.writeUInt32BE(ssrc >>> 0, 4)
  sdes.writeUInt8(1, 8) // CNAME
  sdes.writeUInt8(cname.length, 9)
  cname.copy(sdes, 10)
  const bye = Buffer.from([0x81, 203, 0, 1, 0, 0, 0, 0])
  bye.writeUInt32BE(ssrc >>> 0, 4)
  return Buffer.concat([rng.chance(0.5) ? sr : rr, rng.chance(0.8) ? sdes : bye])
}

export function mikeySample(rng: Rng): Buffer {
  return buildMikey({
    masterKey: { key: rng.bytes(16), salt: rng.bytes(14) },
    profile: AES_CM_128_HMAC_SHA1_80,
    ssrcs: [rng.int(0x100000000)],
    csbId: rng.int(0x100000000),
    rand: rng.bytes(16),
    timestamp: { seconds: rng.int(0x100000000), fraction: 0 },
  })
}

/** The parts of a Chromium offer a WHEP/WHIP endpoint reads (ICE, DTLS fingerprint, codecs). */
export function webrtcOffer(direction: 'recvonly' | 'sendonly'): string {
  return [
    ...['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=msid-semantic: WMS'],
    ...['m=video 9 UDP/TLS/RTP/SAVPF 96 102', 'c=IN IP4 0.0.0.0', 'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx'],
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    ...['a=setup:actpass', 'a=mid:0', `a=${direction}`, 'a=rtcp-mux', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack'],
    ...[
      'a=rtpmap:102 H264/90000',
      'a=rtcp-fb:102 nack pli',
      'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    ],
    ...['m=audio 9 UDP/TLS/RTP/SAVPF 111 0', 'c=IN IP4 0.0.0.0', 'a=mid:1', `a=${direction}`, 'a=rtcp-mux'],
    ...['a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:0 PCMU/8000', ''],
  ].join('\r\n')
}
