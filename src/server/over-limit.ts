/**
 * A connection accepted past a connection cap: it is answered 503 once and closed. An RTSP client is
 * answered in RTSP, echoing the CSeq of its first request (ffmpeg and GStreamer then report "503
 * Service Unavailable" rather than a broken connection); an HTTP tunnel half is answered in HTTP. A
 * client that does not send a request soon is cut, so refused connections cost next to nothing.
 */
import type net from 'node:net'
import { looksLikeTunnel, tunnelErrorResponse } from '../rtsp/http-tunnel.js'
import { RtspReader } from '../rtsp/reader.js'

/** A refused client gets at most this long to send its first request (ms). */
export const REFUSAL_DEADLINE_MS = 2000
/** The refused client's request is read with these small limits: only its CSeq matters. */
const REFUSAL_READER_LIMITS = { maxLineLength: 2048, maxHeaderBytes: 8192, maxHeaderCount: 32, maxBodyLength: 0 }

export function refuseOverLimit(socket: net.Socket, deadlineMs = REFUSAL_DEADLINE_MS): void {
  const timer = setTimeout(() => socket.destroy(), deadlineMs)
  timer.unref()
  socket.on('close', () => clearTimeout(timer))
  socket.on('error', () => socket.destroy())
  const reader = new RtspReader(REFUSAL_READER_LIMITS)
  let first = true
  const finish = (answer: Buffer): void => {
    socket.removeAllListeners('data')
    socket.end(answer)
  }
  socket.on('data', (chunk: Buffer) => {
    if (first) {
      first = false
      if (looksLikeTunnel(chunk) === true) {
        finish(tunnelErrorResponse(503, 'Service Unavailable'))
        return
      }
    }
    let cseq: string | undefined
    try {
      for (const ev of reader.push(chunk)) {
        if (ev.kind === 'request') {
          cseq = ev.request.headers.get('CSeq') ?? ''
          break
        }
      }
    } catch {
      cseq = ''
    }
    if (cseq === undefined) return
    const cseqLine = cseq === '' ? '' : `CSeq: ${cseq}\r\n`
    finish(Buffer.from(`RTSP/1.0 503 Service Unavailable\r\n${cseqLine}Connection: close\r\n\r\n`, 'latin1'))
  })
}
