import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ParseError } from '../../src/errors.js'
import { createRtcpApp, readRtcpApp } from '../../src/rtcp/app.js'
import { PsfbFormat, RtpfbFormat, createPictureLossIndication, isRtcpFeedback, readRtcpFeedback } from '../../src/rtcp/feedback.js'
import { parseRtcp, serializeRtcp, marshalRtcpTo, rtcpMarshalSize } from '../../src/rtcp/compound.js'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RtcpRawPacket } from '../../src/rtcp/raw-packet.js'
import { RtcpReceiverReport } from '../../src/rtcp/receiver-report.js'
import { RtcpSenderReport } from '../../src/rtcp/sender-report.js'
import { RtcpSourceDescription, SdesItemType } from '../../src/rtcp/source-description.js'
import { msToNtp, ntpMiddle32 } from '../../src/util/ntp.js'
import { hex } from '../helpers/split.js'

interface CompoundVector {
  name: string
  bytes: Buffer
  /** Byte offsets where one packet ends and the next begins. */
  boundaries: number[]
  expected: ReturnType<typeof parseRtcp>
}

/** What an rtspkit server sends every few seconds per track: SR + SDES CNAME (RFC 3550 6.1). */
const SERVER_SR_SDES = hex(
  '80' + // SR: V=2 P=0 RC=0
    'c8' + // PT=200
    '00 06' + // length 6 → 28 bytes
    '12 34 56 78' + // SSRC of sender
    'ed 00 37 80' + // NTP seconds (2026-01-01T00:00:00Z)
    '80 00 00 00' + // NTP fraction 0.5 s
    '00 01 5f 90' + // RTP timestamp 90000
    '00 00 00 64' + // packet count 100
    '00 01 86 a0' + // octet count 100000
    '81' + // SDES: V=2 P=0 SC=1
    'ca' + // PT=202
    '00 04' + // length 4 → 20 bytes
    '12 34 56 78' + // chunk SSRC
    '01 07' + // CNAME, length 7
    '72 74 73 70 6b 69 74' + // "rtspkit"
    '00' + // end of items
    '00 00', // padding
)

/**
 * What ffmpeg's RTSP client sends back (libavformat/rtpdec.c ff_rtp_check_and_send_back_rr):
 * RR with one block, its own SSRC = sender SSRC + 1, then SDES CNAME = hostname, null-padded.
 */
const FFMPEG_RR_SDES = hex(
  '81' + // RR: V=2 P=0 RC=1
    'c9' + // PT=201
    '00 07' + // length 7 → 32 bytes
    '12 34 56 79' + // SSRC of packet sender (server SSRC + 1)
    '12 34 56 78' + // report: source SSRC
    '00' + // fraction lost 0
    '00 00 00' + // cumulative lost 0
    '00 00 1f 40' + // extended highest sequence 8000
    '00 00 00 10' + // jitter 16
    '37 80 80 00' + // LSR from the SR above
    '00 00 40 00' + // DLSR 0.25 s
    '81' + // SDES: V=2 P=0 SC=1
    'ca' + // PT=202
    '00 04' + // length 4 → 20 bytes ((7 + len + 3) / 4 in ffmpeg)
    '12 34 56 79' + // chunk SSRC
    '01 06' + // CNAME, length 6
    '6d 79 68 6f 73 74' + // "myhost"
    '00' + // end of items
    '00 00 00', // padding
)

/** What GStreamer's rtpsession sends as a receiver: RR + SDES with CNAME and TOOL. */
const GSTREAMER_RR_SDES = hex(
  '81' + // RR: V=2 P=0 RC=1
    'c9' + // PT=201
    '00 07' + // length 7 → 32 bytes
    '5e 1f 2a 3b' + // SSRC of packet sender (random)
    '12 34 56 78' + // report: source SSRC
    '05' + // fraction lost 5/256
    '00 00 02' + // cumulative lost 2
    '00 01 00 2a' + // extended highest sequence: 1 cycle, seq 42
    '00 00 01 2c' + // jitter 300
    '37 80 80 00' + // LSR
    '00 00 80 00' + // DLSR 0.5 s
    '81' + // SDES: V=2 P=0 SC=1
    'ca' + // PT=202
    '00 09' + // length 9 → 40 bytes
    '5e 1f 2a 3b' + // chunk SSRC
    '01 12' + // CNAME, length 18
    '75 73 65 72 31 30 30 30 40 68 6f 73 74 2d 34 66 32 61' + // "user1000@host-4f2a"
    '06 09' + // TOOL, length 9
    '47 53 74 72 65 61 6d 65 72' + // "GStreamer"
    '00', // end of items, already aligned
)

/** A receiver leaving: RR + SDES + BYE, then an APP we do not model (kept raw). */
const RR_SDES_BYE_APP = Buffer.concat([
  hex(
    '80' + // RR: RC=0
      'c9' + // PT=201
      '00 01' + // length 1 → 8 bytes
      '5e 1f 2a 3b', // SSRC
  ),
  hex(
    '81 ca 00 02' + // SDES SC=1, 12 bytes
      '5e 1f 2a 3b' + // chunk SSRC
      '01 01 78 00', // CNAME "x", end
  ),
  hex(
    '81 cb 00 01' + // BYE SC=1, 8 bytes
      '5e 1f 2a 3b', // SSRC
  ),
  hex(
    '80 cc 00 02' + // APP subtype 0, 12 bytes
      '5e 1f 2a 3b' + // SSRC
      '74 65 73 74', // name "test", no data
  ),
])

const VECTORS: CompoundVector[] = [
  {
    name: 'server SR + SDES',
    bytes: SERVER_SR_SDES,
    boundaries: [28],
    expected: [
      new RtcpSenderReport({
        ssrc: 0x12345678,
        ntpSeconds: 3976214400,
        ntpFraction: 0x80000000,
        rtpTimestamp: 90000,
        packetCount: 100,
        octetCount: 100000,
      }),
      RtcpSourceDescription.cname(0x12345678, 'rtspkit'),
    ],
  },
  {
    name: 'ffmpeg RR + SDES',
    bytes: FFMPEG_RR_SDES,
    boundaries: [32],
    expected: [
      new RtcpReceiverReport({
        ssrc: 0x12345679,
        reports: [
          {
            ssrc: 0x12345678,
            fractionLost: 0,
            totalLost: 0,
            highestSequence: 8000,
            jitter: 16,
            lastSenderReport: 0x37808000,
            delaySinceLastSenderReport: 0x4000,
          },
        ],
      }),
      RtcpSourceDescription.cname(0x12345679, 'myhost'),
    ],
  },
  {
    name: 'GStreamer RR + SDES (CNAME, TOOL)',
    bytes: GSTREAMER_RR_SDES,
    boundaries: [32],
    expected: [
      new RtcpReceiverReport({
        ssrc: 0x5e1f2a3b,
        reports: [
          {
            ssrc: 0x12345678,
            fractionLost: 5,
            totalLost: 2,
            highestSequence: 0x1002a,
            jitter: 300,
            lastSenderReport: 0x37808000,
            delaySinceLastSenderReport: 0x8000,
          },
        ],
      }),
      new RtcpSourceDescription({
        chunks: [
          {
            ssrc: 0x5e1f2a3b,
            items: [
              { type: SdesItemType.CNAME, text: 'user1000@host-4f2a' },
              { type: SdesItemType.TOOL, text: 'GStreamer' },
            ],
          },
        ],
      }),
    ],
  },
  {
    name: 'RR + SDES + BYE + APP',
    bytes: RR_SDES_BYE_APP,
    boundaries: [8, 20, 28],
    expected: [
      new RtcpReceiverReport({ ssrc: 0x5e1f2a3b }),
      RtcpSourceDescription.cname(0x5e1f2a3b, 'x'),
      new RtcpGoodbye({ sources: [0x5e1f2a3b] }),
      new RtcpRawPacket({ packetType: 204, count: 0, payload: hex('5e 1f 2a 3b 74 65 73 74') }),
    ],
  },
]

for (const v of VECTORS) {
  test(`RTCP compound: ${v.name} — parse`, () => {
    assert.deepEqual(parseRtcp(v.bytes), v.expected)
  })

  test(`RTCP compound: ${v.name} — serialize and round trip`, () => {
    assert.deepEqual(serializeRtcp(v.expected), v.bytes)
    assert.deepEqual(serializeRtcp(parseRtcp(v.bytes)), v.bytes)
    assert.equal(rtcpMarshalSize(v.expected), v.bytes.length)
    const out = Buffer.alloc(v.bytes.length + 2)
    assert.equal(marshalRtcpTo(v.expected, out, 1), v.bytes.length)
    assert.deepEqual(out.subarray(1, 1 + v.bytes.length), v.bytes)
  })

  test(`RTCP compound: ${v.name} — every truncation is a ParseError except at packet boundaries`, () => {
    for (let n = 0; n < v.bytes.length; n++) {
      const cut = v.bytes.subarray(0, n)
      const k = v.boundaries.indexOf(n)
      if (k >= 0) {
        // A cut between packets is a shorter, valid compound.
        assert.deepEqual(parseRtcp(cut), v.expected.slice(0, k + 1), `length ${n}`)
      } else {
        assert.throws(() => parseRtcp(cut), ParseError, `length ${n}`)
      }
    }
  })
}

test('RTCP compound: the LSR a receiver echoes is the middle of the SR NTP time', () => {
  const [sr] = parseRtcp(SERVER_SR_SDES) as [RtcpSenderReport]
  const [rr] = parseRtcp(FFMPEG_RR_SDES) as [RtcpReceiverReport]
  assert.equal(rr.reports[0]!.lastSenderReport, ntpMiddle32(sr.ntpSeconds, sr.ntpFraction))
  const t = msToNtp(Date.UTC(2026, 0, 1) + 500)
  assert.deepEqual([sr.ntpSeconds, sr.ntpFraction], [t.seconds, t.fraction])
})

test('RTCP compound: one allocation for the whole compound', () => {
  const packets = [new RtcpSenderReport({ ssrc: 1 }), RtcpSourceDescription.cname(1, 'a'), new RtcpGoodbye({ sources: [1] })]
  const out = serializeRtcp(packets)
  assert.equal(out.length, 28 + 12 + 8)
  assert.deepEqual(parseRtcp(out), packets)
})

test('RTCP APP: lenient field reader and builder', () => {
  const [app] = parseRtcp(RR_SDES_BYE_APP).slice(3) as [RtcpRawPacket]
  assert.deepEqual(readRtcpApp(app), { subtype: 0, ssrc: 0x5e1f2a3b, name: 'test', data: Buffer.alloc(0) })
  const built = createRtcpApp({ subtype: 5, ssrc: 7, name: 'abcd', data: hex('01 02 03 04') })
  assert.deepEqual(
    built.serialize(),
    hex(
      '85' + // V=2 P=0 subtype 5
        'cc' + // PT=204
        '00 03' + // length 3
        '00 00 00 07' + // SSRC
        '61 62 63 64' + // name "abcd"
        '01 02 03 04', // data
    ),
  )
  assert.throws(() => readRtcpApp(new RtcpRawPacket({ packetType: 204, payload: hex('00 00 00 01') })), { code: 'ERR_RTCP_SHORT' })
  assert.throws(() => createRtcpApp({ subtype: 0, ssrc: 0, name: 'toolong', data: Buffer.alloc(0) }), { code: 'ERR_RTCP_APP_NAME' })
})

test('RTCP feedback: PLI and NACK are kept raw and readable', () => {
  const pli = hex(
    '81' + // V=2 P=0 FMT=1 (PLI)
      'ce' + // PT=206 PSFB
      '00 02' + // length 2
      '9a bc de f1' + // sender SSRC
      '12 34 56 78', // media SSRC
  )
  const nack = hex(
    '81' + // V=2 P=0 FMT=1 (NACK)
      'cd' + // PT=205 RTPFB
      '00 03' + // length 3
      '9a bc de f1' + // sender SSRC
      '12 34 56 78' + // media SSRC
      '00 10 00 03', // PID 16, BLP 3
  )
  const [p, n] = parseRtcp(Buffer.concat([pli, nack])) as [RtcpRawPacket, RtcpRawPacket]
  assert.ok(isRtcpFeedback(p) && isRtcpFeedback(n))
  assert.deepEqual(readRtcpFeedback(p), { format: PsfbFormat.PLI, senderSsrc: 0x9abcdef1, mediaSsrc: 0x12345678, fci: Buffer.alloc(0) })
  assert.deepEqual(readRtcpFeedback(n), {
    format: RtpfbFormat.NACK,
    senderSsrc: 0x9abcdef1,
    mediaSsrc: 0x12345678,
    fci: hex('00 10 00 03'),
  })
  assert.deepEqual(createPictureLossIndication(0x9abcdef1, 0x12345678).serialize(), pli)
  assert.ok(!isRtcpFeedback(new RtcpRawPacket({ packetType: 204 })))
  assert.throws(() => readRtcpFeedback(new RtcpRawPacket({ packetType: 206, payload: hex('00 00 00 01') })), { code: 'ERR_RTCP_SHORT' })
})
