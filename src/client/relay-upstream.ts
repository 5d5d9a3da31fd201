/** The RtspClient as a relay's upstream (see server/relay.ts): DESCRIBE, PLAY, raw RTP per SDP media section. */
import type { RtpPacket } from '../rtp/rtp-packet.js'
import type { Upstream, UpstreamConnector } from '../stream/upstream.js'
import { RtspClient, type RtspClientOptions } from './rtsp-client.js'

export function rtspClientConnector(options: RtspClientOptions = {}): UpstreamConnector {
  return async (url: string): Promise<Upstream> => {
    const client = new RtspClient(url, { ...options, reconnect: false })
    const rtpHandlers: ((mediaIndex: number, packet: RtpPacket) => void)[] = []
    const endHandlers: ((reason: string) => void)[] = []
    let ended = false
    const end = (reason: string) => {
      if (ended) return
      ended = true
      for (const h of endHandlers) h(reason)
    }
    client.on('error', (err) => end(err.message))
    client.on('close', (err) => end(err ? err.message : 'closed'))
    try {
      const d = await client.describe()
      const mediaIndex = d.tracks.map((t) => d.sdp.media.indexOf(t.media))
      client.on('rtp', (track, packet) => {
        const m = mediaIndex[track]
        if (m === undefined || rtpHandlers.length === 0) return
        for (const h of rtpHandlers) h(m, packet)
      })
      await client.play()
      return {
        sdp: Buffer.from(d.sdpText),
        onRtp: (cb) => void rtpHandlers.push(cb),
        onEnd: (cb) => void endHandlers.push(cb),
        close: () => {
          ended = true
          return client.close()
        },
      }
    } catch (err) {
      await client.close()
      throw err
    }
  }
}
