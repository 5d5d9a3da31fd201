/**
 * The floor of `npm run bench:handshakes` (`BENCH_SERVERS=...,floor`): a bare Node `net` server that
 * answers the bench's handshake with canned RTSP/1.0 answers (RFC 2326) and does nothing else — no
 * paths, no streams, no session table, no logging. What it costs per handshake is what Node's socket
 * life (accept, reads, five answers' writes, close) costs on this machine, the least any Node server
 * can spend on a handshake; rtspkit's and gst-rtsp-server's rows are read against it.
 *
 * Answers, each echoing the request's CSeq: OPTIONS (Public), DESCRIBE (an SDP with one H.264 track,
 * control `trackID=0`, under Content-Base = the request URL + '/'), SETUP of that track (a Session,
 * and the requested Transport echoed: interleaved channels over TCP, client_port with the server_port
 * of one UDP pair bound at start over UDP), PLAY (Session, Range, RTP-Info), TEARDOWN,
 * GET_PARAMETER/SET_PARAMETER (keep-alives). Another method is 501, a SETUP of another track 404, a
 * PLAY or TEARDOWN without this connection's session 454, a SETUP with no usable transport 461.
 * A request that does not parse (request line, header lines, CSeq, Content-Length) gets 400 and the
 * connection is closed; the server goes on serving the others.
 *
 * After PLAY over TCP it writes `--keyframe-bytes` (default 60,000) bytes on the RTP channel, in one
 * write with PLAY's answer, as interleaved frames (RFC 2326 section 10.12) of at most 65,535 bytes,
 * each an RTP header and filler: it stands for the keyframe that rtspkit's instant start sends every
 * new TCP reader (the bench fixture's IDR pictures are of that order). Over UDP it sends nothing: the
 * bench's load client binds no UDP port, so datagrams would only come back as ICMP port-unreachable;
 * the UDP row is the handshake alone, where rtspkit's also sends its keyframe as datagrams.
 *
 * Run: node dist/bench/handshake-floor.js --port N [--host 127.0.0.1] [--keyframe-bytes B]
 * It prints `handshake-floor: listening on rtsp://HOST:PORT/bench …` once it accepts connections (the
 * line ServerProcess.ready() waits for) and stops on SIGTERM.
 */
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../src/errors.js'
import { allocateUdpPair, type UdpPair } from '../src/transport/udp-pair.js'
import { HOST, MOUNT, ServerProcess } from './server-process.js'

export const FLOOR_LABEL = 'bare Node (floor)'
/** The keyframe written after PLAY over TCP when none is given: about an IDR picture of the bench fixture. */
export const DEFAULT_KEYFRAME_BYTES = 60_000
const FLOOR_SCRIPT = fileURLToPath(import.meta.url)

/** RFC 2326 section 10.12: '$', channel, 16-bit big-endian length, then that many bytes. */
const INTERLEAVED_MAGIC = 0x24
const INTERLEAVED_HEADER = 4
const MAX_FRAME_PAYLOAD = 0xffff
/** RFC 3550 section 5.1: version 2, no padding, extension or CSRC; marker bit on the last packet. */
const RTP_HEADER = 12
const RTP_VERSION_BYTE = 0x80
const RTP_MARKER = 0x80
const PAYLOAD_TYPE = 96
const SSRC = 0x466c6f72 // 'Flor'
const FILLER = 0x55
const HEADER_END = '\r\n\r\n'
/** A header block longer than this without its empty line is not a request of the bench. */
const MAX_HEAD_BYTES = 8192
const MAX_BODY_BYTES = 65_536
/** A reader that stopped reading: its connection is dropped instead of buffering its keyframes forever. */
const MAX_WRITE_BACKLOG = 4 * 1024 * 1024
const SESSION_TIMEOUT_S = 60
const TRACK_CONTROL = 'trackID=0'
const PUBLIC = 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER'
const MAX_KEYFRAME_BYTES = 16 * 1024 * 1024

// x264 baseline 320x240 parameter sets (the bench's test/bench/rtsp-handshakes.test.ts uses the same).
const SPS = Buffer.from('6742c00dd90141fb011000000300100000030320f142a480', 'hex')
const PPS = Buffer.from('68cb83cb20', 'hex')
const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=handshake floor',
  'c=IN IP4 0.0.0.0',
  't=0 0',
  'a=control:*',
  'a=range:npt=0-',
  `m=video 0 RTP/AVP ${PAYLOAD_TYPE}`,
  `a=rtpmap:${PAYLOAD_TYPE} H264/90000`,
  `a=fmtp:${PAYLOAD_TYPE} packetization-mode=1;profile-level-id=42c00d;sprop-parameter-sets=${SPS.toString('base64')},${PPS.toString('base64')}`,
  `a=control:${TRACK_CONTROL}`,
  '',
].join('\r\n')

const REQUEST_LINE = /^([A-Z][A-Z_]*) (\S+) RTSP\/1\.0$/
const DIGITS = /^\d{1,9}$/

export interface FloorOptions {
  port: number
  host: string
  keyframeBytes: number
}

/** One parsed request head: what the canned answers need. */
interface Request {
  method: string
  url: string
  cseq: string
  session: string | undefined
  transport: string | undefined
  contentLength: number
}

/** The head (before the empty line) as a request, or a reason it is not one. */
function parseHead(head: string): Request | string {
  const lines = head.split('\r\n')
  const m = REQUEST_LINE.exec(lines[0]!)
  if (!m) return 'bad request line'
  const req: Request = { method: m[1]!, url: m[2]!, cseq: '', session: undefined, transport: undefined, contentLength: 0 }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    if (colon <= 0) return 'bad header line'
    const value = line.slice(colon + 1).trim()
    switch (line.slice(0, colon).trim().toLowerCase()) {
      case 'cseq':
        req.cseq = value
        break
      case 'session':
        req.session = value.split(';')[0]!.trim()
        break
      case 'transport':
        req.transport = value
        break
      case 'content-length':
        if (!DIGITS.test(value) || Number(value) > MAX_BODY_BYTES) return 'bad Content-Length'
        req.contentLength = Number(value)
        break
    }
  }
  if (!DIGITS.test(req.cseq)) return 'bad or missing CSeq'
  return req
}

/**
 * The keyframe as interleaved frames on `channel`: payloads of at most 65,535 bytes, each an RTP
 * packet (sequence 0, 1, …; marker on the last) carrying filler. Empty for 0 bytes.
 */
export function keyframeFrames(bytes: number, channel: number): Buffer {
  const count = Math.ceil(bytes / MAX_FRAME_PAYLOAD)
  const out = Buffer.alloc(bytes + count * INTERLEAVED_HEADER, FILLER)
  for (let i = 0, off = 0, left = bytes; i < count; i++) {
    const len = Math.min(left, MAX_FRAME_PAYLOAD)
    out[off] = INTERLEAVED_MAGIC
    out[off + 1] = channel
    out.writeUInt16BE(len, off + 2)
    if (len >= RTP_HEADER) {
      const rtp = off + INTERLEAVED_HEADER
      out[rtp] = RTP_VERSION_BYTE
      out[rtp + 1] = PAYLOAD_TYPE | (i === count - 1 ? RTP_MARKER : 0)
      out.writeUInt16BE(i & 0xffff, rtp + 2)
      out.writeUInt32BE(0, rtp + 4)
      out.writeUInt32BE(SSRC, rtp + 8)
    }
    off += INTERLEAVED_HEADER + len
    left -= len
  }
  return out
}

/** What every connection shares: the UDP pair named in server_port, the keyframe per channel. */
interface Shared {
  keyframeBytes: number
  keyframes: Map<number, Buffer>
  udp: UdpPair
  nextSession: number
}

/** One connection's requests, read from chunks that may hold several requests or part of one. */
class FloorConnection {
  /** Bytes of an incomplete request (or frame header) kept until the rest arrives. */
  private pending: Buffer | undefined
  /** Bytes of a client's interleaved frame (e.g. RTCP over TCP) still to discard. */
  private skip = 0
  private session: string | undefined
  private setupUrl = ''
  /** The RTP channel of a TCP setup; undefined for UDP (nothing is sent). */
  private channel: number | undefined
  private closed = false

  constructor(
    private readonly socket: net.Socket,
    private readonly shared: Shared,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => {}) // a client that resets is no news here
  }

  private onData(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = undefined
    while (buf.length > 0 && !this.closed) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length)
        this.skip -= n
        buf = buf.subarray(n)
        continue
      }
      if (buf[0] === INTERLEAVED_MAGIC) {
        if (buf.length < INTERLEAVED_HEADER) break
        this.skip = INTERLEAVED_HEADER + buf.readUInt16BE(2)
        continue
      }
      const end = buf.indexOf(HEADER_END)
      if (end < 0 || end > MAX_HEAD_BYTES) {
        // Garbage is turned away as soon as its first line is whole, not after MAX_HEAD_BYTES of it.
        const eol = buf.indexOf('\r\n')
        const badLine = eol >= 0 && !REQUEST_LINE.test(buf.toString('latin1', 0, eol))
        if (badLine || end > MAX_HEAD_BYTES || buf.length > MAX_HEAD_BYTES) this.reject(undefined)
        break
      }
      const req = parseHead(buf.toString('latin1', 0, end))
      if (typeof req === 'string') {
        this.reject(/\r\ncseq:[ \t]*(\d{1,9})\r\n/i.exec(buf.toString('latin1', 0, end + 2))?.[1])
        break
      }
      const total = end + HEADER_END.length + req.contentLength
      if (buf.length < total) break
      this.answer(req)
      buf = buf.subarray(total)
    }
    if (buf.length > 0 && !this.closed) this.pending = buf
  }

  /** 400, then close: after a request that does not parse, where the next one starts is unknown. */
  private reject(cseq: string | undefined): void {
    this.closed = true
    const cseqLine = cseq === undefined ? '' : `CSeq: ${cseq}\r\n`
    this.socket.end(`RTSP/1.0 400 Bad Request\r\n${cseqLine}Connection: close\r\nContent-Length: 0\r\n\r\n`)
  }

  private send(req: Request, status: string, headers = '', body = ''): void {
    this.socket.write(`RTSP/1.0 ${status}\r\nCSeq: ${req.cseq}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }

  private answer(req: Request): void {
    const needsSession = req.method === 'PLAY' || req.method === 'TEARDOWN'
    if (needsSession && (this.session === undefined || req.session !== this.session)) return this.send(req, '454 Session Not Found')
    switch (req.method) {
      case 'OPTIONS':
        return this.send(req, '200 OK', `Public: ${PUBLIC}\r\n`)
      case 'DESCRIBE': {
        const base = req.url.endsWith('/') ? req.url : `${req.url}/`
        return this.send(req, '200 OK', `Content-Base: ${base}\r\nContent-Type: application/sdp\r\n`, SDP)
      }
      case 'SETUP':
        return this.setup(req)
      case 'PLAY':
        return this.play(req)
      case 'TEARDOWN':
        this.session = undefined
        this.channel = undefined
        return this.send(req, '200 OK', `Session: ${req.session}\r\n`)
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return this.send(req, '200 OK', req.session ? `Session: ${req.session}\r\n` : '')
      default:
        return this.send(req, '501 Not Implemented')
    }
  }

  private setup(req: Request): void {
    if (!req.url.endsWith(`/${TRACK_CONTROL}`)) return this.send(req, '404 Not Found')
    const t = req.transport ?? ''
    let transport: string
    if (/^RTP\/AVP\/TCP\b/i.test(t)) {
      const [a, b] = (/interleaved=(\d{1,3})-(\d{1,3})/.exec(t) ?? ['', '0', '1']).slice(1).map(Number) as [number, number]
      if (a > 255 || b > 255) return this.send(req, '461 Unsupported Transport')
      this.channel = a
      transport = `RTP/AVP/TCP;unicast;interleaved=${a}-${b}`
    } else {
      const ports = /client_port=(\d{1,5})-(\d{1,5})/.exec(t)
      if (!/^RTP\/AVP(\/UDP)?;/i.test(t) || !ports) return this.send(req, '461 Unsupported Transport')
      this.channel = undefined
      const { rtpPort, rtcpPort } = this.shared.udp
      transport = `RTP/AVP;unicast;client_port=${ports[1]}-${ports[2]};server_port=${rtpPort}-${rtcpPort}`
    }
    this.session ??= (this.shared.nextSession++ >>> 0).toString(16).padStart(8, '0')
    this.setupUrl = req.url
    this.send(req, '200 OK', `Session: ${this.session};timeout=${SESSION_TIMEOUT_S}\r\nTransport: ${transport}\r\n`)
  }

  private play(req: Request): void {
    const info = `Session: ${this.session}\r\nRange: npt=0.000-\r\nRTP-Info: url=${this.setupUrl};seq=0;rtptime=0\r\n`
    if (this.channel === undefined || this.shared.keyframeBytes === 0) return this.send(req, '200 OK', info)
    if (this.socket.writableLength > MAX_WRITE_BACKLOG) {
      this.closed = true
      this.socket.destroy()
      return
    }
    let keyframe = this.shared.keyframes.get(this.channel)
    if (!keyframe) {
      keyframe = keyframeFrames(this.shared.keyframeBytes, this.channel)
      this.shared.keyframes.set(this.channel, keyframe)
    }
    // The answer and the keyframe in one writev, as a server that starts a reader at once would send them.
    this.socket.cork()
    this.send(req, '200 OK', info)
    this.socket.write(keyframe)
    this.socket.uncork()
  }
}

/** Starts the floor server in this process; resolves once it listens. `close()` is idempotent. */
export async function startFloorServer(opts: FloorOptions): Promise<{ port: number; close: () => Promise<void> }> {
  if (!Number.isInteger(opts.keyframeBytes) || opts.keyframeBytes < 0 || opts.keyframeBytes > MAX_KEYFRAME_BYTES)
    throw new ConfigError('ERR_BENCH_ENV', `keyframe bytes must be an integer from 0 to ${MAX_KEYFRAME_BYTES}`, {
      observed: opts.keyframeBytes,
      allowed: `0-${MAX_KEYFRAME_BYTES}`,
    })
  const udp = await allocateUdpPair('udp4', opts.host, undefined, 0)
  const shared: Shared = { keyframeBytes: opts.keyframeBytes, keyframes: new Map(), udp, nextSession: 0x10000001 }
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    new FloorConnection(socket, shared)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  }).catch((err: unknown) => {
    udp.close()
    throw err
  })
  let closing: Promise<void> | undefined
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        udp.close()
        server.close(() => resolve())
      })),
  }
}

/** The floor as a child process, as the bench runs its other servers: wait for it with ready(). */
export function startFloor(port: number, logPath: string, keyframeBytes = DEFAULT_KEYFRAME_BYTES): ServerProcess {
  const args = [FLOOR_SCRIPT, '--port', String(port), '--host', HOST, '--keyframe-bytes', String(keyframeBytes)]
  return new ServerProcess('floor', process.execPath, args, port, logPath)
}

function argValue(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name)
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : fallback
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const port = Number(argValue(args, '--port', ''))
  if (!Number.isInteger(port) || port < 0 || port > 0xffff)
    throw new ConfigError('ERR_BENCH_ENV', '--port must be a port number', { observed: argValue(args, '--port', ''), allowed: '0-65535' })
  const host = argValue(args, '--host', HOST)
  const keyframeBytes = Number(argValue(args, '--keyframe-bytes', String(DEFAULT_KEYFRAME_BYTES)))
  const floor = await startFloorServer({ port, host, keyframeBytes })
  process.once('SIGTERM', () => void floor.close().then(() => process.exit(0)))
  console.log(`handshake-floor: listening on rtsp://${host}:${floor.port}/${MOUNT} (keyframe after PLAY over TCP: ${keyframeBytes} bytes)`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`handshake-floor: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  })
}
