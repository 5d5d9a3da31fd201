/**
 * The RTCP of one track of a reader's session: sender reports (RFC 3550 §6.4.1) with the SDES CNAME
 * (§6.5.1), the BYE at the end, and the receiver reports the client sends back.
 */
import { RtcpGoodbye } from '../rtcp/goodbye.js'
import { parseRtcp, serializeRtcp } from '../rtcp/compound.js'
import { RtcpReceiverReport } from '../rtcp/receiver-report.js'
import { RtcpSenderReport } from '../rtcp/sender-report.js'
import { RtcpSourceDescription } from '../rtcp/source-description.js'
import { msToNtp } from '../util/ntp.js'
import type { TrackSetup } from './track-setup.js'

/** RFC 3550 §6.4.1: the fraction lost is a fixed-point number with the binary point at its left edge. */
const FRACTION_LOST_SCALE = 256
const SDES_CNAME = 1

/** SR mapping the track's RTP clock to wall-clock capture time `nowMs`, with SDES CNAME; a BYE after them when `bye`. */
export function senderReport(setup: TrackSetup, nowMs: number, cname: string, bye?: string): Buffer {
  const ntp = msToNtp(nowMs)
  const ssrc = setup.track.media.ssrc
  const sr = new RtcpSenderReport({
    ssrc,
    ntpSeconds: ntp.seconds,
    ntpFraction: ntp.fraction,
    rtpTimestamp: setup.track.rtpTimeAt(nowMs),
    packetCount: setup.stats.packetsSent >>> 0,
    octetCount: setup.stats.octetsSent >>> 0,
    reports: [],
  })
  const sdes = new RtcpSourceDescription({ chunks: [{ ssrc, items: [{ type: SDES_CNAME, text: cname }] }] })
  return serializeRtcp(bye === undefined ? [sr, sdes] : [sr, sdes, new RtcpGoodbye({ sources: [ssrc], reason: bye })])
}

/** Sends one RTCP compound on the track's transport (SRTCP-protected when the track is SRTP). */
export function sendTrackRtcp(setup: TrackSetup, buf: Buffer): void {
  if (setup.srtp) buf = setup.srtp.out.protectRtcp(buf)
  const t = setup.transport
  if (t.kind === 'tcp') {
    if (!t.sink.closed) t.sink.writeInterleaved(t.rtcpChannel, [buf])
  } else if (t.kind === 'udp') {
    t.link.sendRtcp(buf)
  }
}

/**
 * RTCP from the client (UDP or interleaved): its receiver reports about this track go into the
 * track's counters. False when the compound was unreadable (malformed, or SRTCP without the key).
 */
export function takeReceiverReports(setup: TrackSetup, msg: Buffer): boolean {
  let packets
  try {
    // SRTCP: checked and decrypted with the client's key; without one (no KeyMgmt) it is unreadable.
    if (setup.srtp) msg = setup.srtp.in ? setup.srtp.in.unprotectRtcp(msg) : Buffer.alloc(0)
    packets = parseRtcp(msg)
  } catch {
    return false
  }
  for (const p of packets) {
    if (!(p instanceof RtcpReceiverReport)) continue
    setup.stats.receiverReports++
    const block = p.reports.find((r) => r.ssrc === setup.track.media.ssrc)
    if (block) {
      setup.stats.fractionLost = block.fractionLost / FRACTION_LOST_SCALE
      setup.stats.cumulativeLost = block.totalLost
    }
  }
  return true
}
