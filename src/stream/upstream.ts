/**
 * An upstream: another server's stream pulled into one of ours (a relay). The client side makes one
 * (client/relay-upstream.ts) and the server side feeds a stream from it (server/relay.ts); this is
 * the shape they agree on, so neither imports the other. Packets arrive parsed, once.
 */
import type { RtpPacket } from '../rtp/rtp-packet.js'

export interface Upstream {
  /** The upstream's SDP (DESCRIBE body). */
  readonly sdp: Buffer
  /** RTP packets of SDP media section `mediaIndex`, as received (parsed by the client, not again). */
  onRtp(cb: (mediaIndex: number, packet: RtpPacket) => void): void
  /** The upstream ended or failed. */
  onEnd(cb: (reason: string) => void): void
  close(): Promise<void>
}

export type UpstreamConnector = (url: string) => Promise<Upstream>
