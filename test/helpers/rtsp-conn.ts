/** A bare RTSP connection for protocol tests: send exact bytes, read parsed responses and interleaved frames. */
import net from 'node:net'
import { RtspHeaders } from '../../src/rtsp/headers.js'
import { serializeRequest, type RtspResponse } from '../../src/rtsp/message.js'
import { RtspReader } from '../../src/rtsp/reader.js'

export class RawRtspConnection {
  readonly socket: net.Socket
  private readonly reader = new RtspReader()
  private readonly responses: RtspResponse[] = []
  readonly interleaved: { channel: number; payload: Buffer }[] = []
  private waiters: (() => void)[] = []
  private cseq = 0
  closed = false
  rawText = ''

  private constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', (d) => {
      this.rawText += d.subarray(0, 2000).toString('latin1')
      for (const ev of this.reader.push(d)) {
        if (ev.kind === 'response') this.responses.push(ev.response)
        else if (ev.kind === 'interleaved') this.interleaved.push({ channel: ev.channel, payload: Buffer.from(ev.payload) })
      }
      this.wake()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
    socket.on('error', () => {})
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    w.forEach((f) => f())
  }

  /** `localAddress`: the source address (e.g. 127.0.0.2, to act as another client on loopback). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawRtspConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host, ...(localAddress !== undefined ? { localAddress } : {}) }, () =>
        resolve(new RawRtspConnection(s)),
      )
      s.once('error', reject)
    })
  }

  write(data: string | Buffer): void {
    this.socket.write(data)
  }

  /** Sends a request with the next CSeq (unless headers give one) and waits for its response. */
  async request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<RtspResponse> {
    const h = new RtspHeaders()
    if (!('CSeq' in headers)) h.set('CSeq', String(++this.cseq))
    for (const [k, v] of Object.entries(headers)) h.set(k, v)
    this.write(serializeRequest({ method, uri, version: 'RTSP/1.0', headers: h, body: Buffer.from(body) }))
    return this.nextResponse()
  }

  async nextResponse(timeoutMs = 5000): Promise<RtspResponse> {
    await this.waitFor(() => this.responses.length > 0 || this.closed, timeoutMs)
    const r = this.responses.shift()
    if (!r) throw new Error('connection closed before a response')
    return r
  }

  async waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('timed out waiting')
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 50)
      })
    }
  }

  close(): void {
    this.socket.destroy()
  }
}
