/**
 * Bytes sent to viewers, per protocol, as Prometheus counters: the sum over the sessions open now
 * plus what the sessions that left had sent when last seen. Sessions are seen at each bitrate sample
 * (every second) and at each scrape, so a session's last second before it leaves may go uncounted;
 * the totals never go down.
 */
import { READER_PROTOCOLS } from './views.js'
import type { SessionView } from './views.js'

export class ProtocolBytes {
  private readonly retired = new Map<string, number>()
  private readonly open = new Map<string, { protocol: string; bytes: number }>()

  /** Takes the sessions open now; returns bytes sent per protocol since the API started (rtsp, webrtc, hls always present). */
  update(sessions: readonly SessionView[]): Map<string, number> {
    const seen = new Set<string>()
    for (const s of sessions) {
      seen.add(s.id)
      const prev = this.open.get(s.id)
      // A counter that went down is a new session that took an old id: keep what the old one sent.
      if (prev && s.bytesSent < prev.bytes) this.retire(prev)
      this.open.set(s.id, { protocol: s.protocol, bytes: s.bytesSent })
    }
    for (const [id, v] of this.open) {
      if (seen.has(id)) continue
      this.retire(v)
      this.open.delete(id)
    }
    const totals = new Map<string, number>(READER_PROTOCOLS.map((p) => [p, this.retired.get(p) ?? 0]))
    for (const [p, n] of this.retired) totals.set(p, n)
    for (const v of this.open.values()) totals.set(v.protocol, (totals.get(v.protocol) ?? 0) + v.bytes)
    return totals
  }

  private retire(v: { protocol: string; bytes: number }): void {
    this.retired.set(v.protocol, (this.retired.get(v.protocol) ?? 0) + v.bytes)
  }
}
