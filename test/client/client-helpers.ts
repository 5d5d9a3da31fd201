/** Shared by the client tests: wait for frames or events with a bound, and a scripted fake RTSP server. */
import net from 'node:net'
import type { RtspClient } from '../../src/client/rtsp-client.js'
import type { ClientFrame } from '../../src/client/track-receiver.js'
import { RtspHeaders } from '../../src/rtsp/headers.js'
import type { RtspRequest } from '../../src/rtsp/message.js'
import { RtspReader } from '../../src/rtsp/reader.js'

/** Resolves with the first `count` frames (of `track` when given); rejects after `timeoutMs`. */
export function collectFrames(client: RtspClient, count: number, timeoutMs = 10_000, track?: number): Promise<ClientFrame[]> {
  return new Promise((resolve, reject) => {
    const frames: ClientFrame[] = []
    const onFrame = (f: ClientFrame) => {
      if (track !== undefined && f.track !== track) return
      frames.push(f)
      if (frames.length >= count) done()
    }
    const timer = setTimeout(() => {
      client.off('frame', onFrame)
      reject(new Error(`only ${frames.length} of ${count} frames within ${timeoutMs} ms`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      client.off('frame', onFrame)
      resolve(frames)
    }
    client.on('frame', onFrame)
  })
}

/** Resolves when `emitter` emits `event`; rejects after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(
  emitter: { once(e: string, f: (...a: T) => void): unknown; off(e: string, f: (...a: T) => void): unknown },
  event: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (...args: T) => {
      clearTimeout(timer)
      resolve(args)
    }
    const timer = setTimeout(() => {
      emitter.off(event, onEvent)
      reject(new Error(`no '${event}' within ${timeoutMs} ms`))
    }, timeoutMs)
    emitter.once(event, onEvent)
  })
}

export interface FakeReply {
  status?: number
  reason?: string
  headers?: Record<string, string>
  body?: string
  /** Line end to write (default CRLF): some servers answer with LF only. */
  eol?: string
}

export interface FakeServer {
  port: number
  /** Every request received, in order. */
  requests: RtspRequest[]
  /** Sends raw bytes to every open connection (interleaved frames, say). */
  broadcast(data: Buffer): void
  close(): Promise<void>
}

/** A raw TCP server answering each request with what `handler` returns (CSeq echoed). */
export async function startFakeServer(handler: (req: RtspRequest, port: number) => FakeReply): Promise<FakeServer> {
  const requests: RtspRequest[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const reader = new RtspReader()
    socket.on('data', (chunk) => {
      let events
      try {
        events = reader.push(chunk)
      } catch {
        socket.destroy()
        return
      }
      for (const ev of events) {
        if (ev.kind !== 'request') continue
        requests.push(ev.request)
        const r = handler(ev.request, port)
        const eol = r.eol ?? '\r\n'
        const h = new RtspHeaders([['CSeq', ev.request.headers.get('CSeq') ?? '0'], ...Object.entries(r.headers ?? {})])
        const body = Buffer.from(r.body ?? '')
        if (body.length > 0) h.set('Content-Length', String(body.length))
        let head = `RTSP/1.0 ${r.status ?? 200} ${r.reason ?? 'OK'}${eol}`
        for (const [k, v] of h) head += `${k}: ${v}${eol}`
        socket.write(Buffer.concat([Buffer.from(head + eol), body]))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    requests,
    broadcast: (data) => sockets.forEach((s) => s.write(data)),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy())
        server.close(() => resolve())
      }),
  }
}

export const isJpeg = (b: Buffer): boolean =>
  b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9
