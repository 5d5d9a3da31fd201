// The pure parts of the WebRTC room: the trickle-ice-sdpfrag parser, offer parsing and narrowing,
// codec matching for WHEP and WHIP, the publisher SDP, and RTP renumbering.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { LimitError, ParseError } from '../../src/errors.js'
import { parseSdp } from '../../src/sdp/sdp.js'
import { parseOffer, restrictOffer } from '../../src/webrtc/offer.js'
import { publishSdp } from '../../src/webrtc/publish-sdp.js'
import { inPresentationOrder, rewriteRtp, SessionSequencer, startTimestamps } from '../../src/webrtc/rtp-rewrite.js'
import { parseSdpFrag, SDPFRAG_MAX_BYTES } from '../../src/webrtc/sdpfrag.js'
import { chooseIncoming, h264Fit, matchTrack, type TrackFormat } from '../../src/webrtc/webrtc-codecs.js'

/** RFC 8840 section 9's example, as a WHIP client sends it. */
const FRAG = [
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 0',
  'a=mid:0',
  'a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1',
  'a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2',
  'a=end-of-candidates',
  '',
].join('\r\n')

describe('parseSdpFrag', () => {
  it('reads credentials, candidates with their mid and m-line index, and end-of-candidates', () => {
    const f = parseSdpFrag(FRAG)
    assert.equal(f.ufrag, 'EsAw')
    assert.equal(f.pwd, 'P2uYro0UCOQ4zxjKXaWCBui1')
    assert.equal(f.candidates.length, 2)
    assert.deepEqual(f.candidates[0], {
      candidate: 'candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1',
      sdpMid: '0',
      sdpMLineIndex: 0,
    })
    assert.equal(f.endOfCandidates, true)
  })

  it('gives each section its own mid, even when a=mid follows the candidates', () => {
    const f = parseSdpFrag(
      'm=audio 9 UDP/TLS/RTP/SAVPF 0\na=candidate:1 1 udp 1 10.0.0.1 5000 typ host\na=mid:a\nm=video 9 UDP/TLS/RTP/SAVPF 0\na=mid:v\na=candidate:2 1 udp 1 10.0.0.1 5002 typ host\n',
    )
    assert.deepEqual(
      f.candidates.map((c) => [c.sdpMid, c.sdpMLineIndex]),
      [
        ['a', 0],
        ['v', 1],
      ],
    )
  })

  it('refuses malformed lines with ParseError and oversized bodies with LimitError', () => {
    for (const bad of [
      'a=candidate:garbage',
      'a=ice-ufrag:',
      'a=ice-pwd:bad pwd!',
      'a=mid:',
      'm=audio',
      'hello',
      'a=candidate:1 1 udp x 1.2.3.4 5 typ host',
    ]) {
      assert.throws(() => parseSdpFrag(bad), ParseError, bad)
    }
    assert.throws(() => parseSdpFrag('a=x\n'.repeat(SDPFRAG_MAX_BYTES)), LimitError)
    assert.throws(() => parseSdpFrag('a=x\n'.repeat(2000)), LimitError)
  })

  it('gives the same result for the text and its bytes, and for LF and CRLF line ends', () => {
    assert.deepEqual(parseSdpFrag(Buffer.from(FRAG)), parseSdpFrag(FRAG))
    assert.deepEqual(parseSdpFrag(FRAG.replace(/\r\n/g, '\n')), parseSdpFrag(FRAG))
  })

  it('property: any input either parses or throws our errors, never anything else', () => {
    const line = fc.oneof(
      fc.constantFrom(...FRAG.split('\r\n')),
      fc.string({ maxLength: 60 }).map((s) => `a=${s}`),
      fc.string({ maxLength: 60 }).map((s) => `a=candidate:${s}`),
      fc.string({ maxLength: 20 }),
    )
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        try {
          const f = parseSdpFrag(lines.join('\r\n'))
          for (const c of f.candidates) assert.ok(c.candidate.startsWith('candidate:'))
        } catch (err) {
          if (!(err instanceof ParseError) && !(err instanceof LimitError)) throw err
        }
      }),
      { numRuns: 500 },
    )
  })
})

/** The parts of a Chromium recvonly offer that matter here. */
function chromeOffer(direction: 'recvonly' | 'sendonly' = 'recvonly'): string {
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=msid-semantic: WMS',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 106 108 109',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    'a=setup:actpass',
    'a=mid:0',
    `a=${direction}`,
    'a=rtcp-mux',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'a=rtpmap:102 H264/90000',
    'a=rtcp-fb:102 nack pli',
    'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
    'a=rtpmap:103 H264/90000',
    'a=fmtp:103 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f',
    'a=rtpmap:104 H264/90000',
    'a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    'a=rtpmap:106 H264/90000',
    'a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f',
    'a=rtpmap:108 H264/90000',
    'a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f',
    'a=rtpmap:109 H264/90000',
    'a=fmtp:109 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=64001f',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    `a=${direction}`,
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    '',
  ].join('\r\n')
}

const h264 = (pli: string): TrackFormat => ({
  kind: 'video',
  encodingName: 'H264',
  clockRate: 90000,
  fmtp: new Map([
    ['packetization-mode', '1'],
    ['profile-level-id', pli],
  ]),
})

describe('offers and codec matching', () => {
  it('parses a browser offer: sections, directions, codecs with fmtp', () => {
    const o = parseOffer(chromeOffer())
    assert.deepEqual(
      o.media.map((m) => [m.kind, m.mid, m.direction, m.codecs.length]),
      [
        ['video', '0', 'recvonly', 8],
        ['audio', '1', 'recvonly', 5],
      ],
    )
    assert.equal(o.media[0]!.codecs[2]!.fmtp.get('profile-level-id'), '42001f')
  })

  it('refuses what is not a WebRTC offer, with the reason', () => {
    assert.throws(() => parseOffer(''), /empty/)
    assert.throws(() => parseOffer('garbage'), ParseError)
    assert.throws(() => parseOffer(chromeOffer().replace(/a=fingerprint:.*\r\n/, '')), /fingerprint/)
    assert.throws(() => parseOffer(chromeOffer().replace(/a=ice-ufrag:.*\r\n/, '')), /ice-ufrag/)
    assert.throws(() => parseOffer(chromeOffer().replace(/UDP\/TLS\/RTP\/SAVPF/g, 'RTP/AVP')), /SAVPF/)
  })

  it('WHEP H.264: the offered profile of the stream wins, packetization-mode 0 never', () => {
    const o = parseOffer(chromeOffer())
    const pick = (pli: string): number | undefined => {
      const r = matchTrack(h264(pli), o.media)
      return r.ok ? r.match.codec.payloadType : undefined
    }
    assert.equal(pick('640028'), 108) // High
    assert.equal(pick('4d0028'), 106) // Main
    assert.equal(pick('42e01f'), 104) // Constrained Baseline: 104 sets constraint_set1 as the stream does
    assert.equal(pick('42001f'), 102)
    assert.equal(pick('f40028'), 102) // an unknown profile: any packetization-mode=1 format
    assert.equal(h264Fit(new Map([['packetization-mode', '0']]), [0x42, 0]), 0)
  })

  it('WHEP audio: Opus and G.711 pass; AAC cannot; a taken section is not used twice', () => {
    const o = parseOffer(chromeOffer())
    const opus = matchTrack({ kind: 'audio', encodingName: 'opus', clockRate: 48000, channels: 2, fmtp: new Map() }, o.media)
    assert.ok(opus.ok && opus.match.codec.payloadType === 111)
    const pcma = matchTrack({ kind: 'audio', encodingName: 'PCMA', clockRate: 8000, fmtp: new Map() }, o.media)
    assert.ok(pcma.ok && pcma.match.codec.payloadType === 8)
    const aac = matchTrack({ kind: 'audio', encodingName: 'MPEG4-GENERIC', clockRate: 48000, channels: 2, fmtp: new Map() }, o.media)
    assert.ok(!aac.ok && /cannot be sent over WebRTC/.test(aac.reason))
    const taken = matchTrack({ kind: 'audio', encodingName: 'opus', clockRate: 48000, fmtp: new Map() }, o.media, new Set([1]))
    assert.equal(taken.ok, false)
    const h265 = matchTrack({ kind: 'video', encodingName: 'H265', clockRate: 90000, fmtp: new Map() }, o.media)
    assert.ok(!h265.ok && /no H265/.test(h265.reason))
  })

  it('WHIP: H.264 Constrained Baseline first, then VP8 when the registry has no H.264; Opus for audio', () => {
    const o = parseOffer(chromeOffer('sendonly'))
    assert.equal(chooseIncoming(o.media[0]!, () => true)?.payloadType, 104)
    assert.equal(chooseIncoming(o.media[0]!, (n) => n !== 'H264')?.payloadType, 96)
    assert.equal(
      chooseIncoming(o.media[0]!, (n) => n === 'H265'),
      undefined,
    )
    assert.equal(chooseIncoming(o.media[1]!, () => true)?.payloadType, 111)
    assert.equal(
      chooseIncoming(parseOffer(chromeOffer('recvonly')).media[0]!, () => true),
      undefined,
      'a recvonly section publishes nothing',
    )
  })

  it('restrictOffer keeps only the chosen payload type of each section, and the result is valid SDP', () => {
    const o = parseOffer(chromeOffer())
    const narrowed = parseSdp(restrictOffer(o, [{ payloadType: 104 }, undefined]))
    assert.deepEqual(narrowed.media[0]!.formats, ['104'])
    assert.deepEqual(
      narrowed.media[0]!.attributes.filter((a) => a.key === 'fmtp').map((a) => a.value),
      ['104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'],
    )
    assert.deepEqual(narrowed.media[1]!.formats, ['111'], 'a section without a choice keeps its first codec (answered inactive)')
    assert.ok(narrowed.media[0]!.attributes.some((a) => a.key === 'mid' && a.value === '0'))
  })

  it('publishSdp describes the negotiated codecs as an ANNOUNCE body, video first', () => {
    const o = parseOffer(chromeOffer('sendonly'))
    const sdp = publishSdp([
      { kind: 'video', codec: o.media[0]!.codecs.find((c) => c.payloadType === 104)! },
      { kind: 'audio', codec: o.media[1]!.codecs[0]! },
    ])
    const d = parseSdp(sdp)
    assert.deepEqual(
      d.media.map((m) => [m.type, m.formats[0]]),
      [
        ['video', '104'],
        ['audio', '111'],
      ],
    )
    assert.match(sdp, /a=fmtp:104 packetization-mode=1;profile-level-id=42e01f\r\n/)
    assert.match(sdp, /a=rtpmap:111 opus\/48000\/2\r\n/)
    assert.match(sdp, /a=control:trackID=1\r\n/)
  })
})

describe('RTP renumbering', () => {
  // V=2, M=1 PT=96, seq 0x1234, ts 0x01020304, ssrc 0xdeadbeef, payload 'ab'
  const packet = Buffer.from([0x80, 0xe0, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x61, 0x62])

  it('rewriteRtp copies: the input is unchanged, the marker is kept, the payload is the same', () => {
    const before = Buffer.from(packet)
    const out = rewriteRtp(packet, { payloadType: 102, sequence: 0x10001, timestamp: 2 ** 32 + 5, ssrc: 7 })
    assert.deepEqual(packet, before)
    assert.equal(out[1], 0x80 | 102)
    assert.equal(out.readUInt16BE(2), 1)
    assert.equal(out.readUInt32BE(4), 5)
    assert.equal(out.readUInt32BE(8), 7)
    assert.deepEqual(out.subarray(12), packet.subarray(12))
    assert.throws(() => rewriteRtp(packet.subarray(0, 8), {}), ParseError)
  })

  it('a session numbers its packets contiguously from its own start, wrapping at 16 bits', () => {
    const s = new SessionSequencer(0xfffe, 1000)
    assert.deepEqual([s.nextSequence(), s.nextSequence(), s.nextSequence()], [0xfffe, 0xffff, 0])
    assert.equal(s.sent, 3)
    assert.equal(s.timestamp(2 ** 32 - 10), 990)
  })

  it('an instant-start GOP is pulled together just before its newest unit', () => {
    assert.deepEqual(startTimestamps([1000, 4600, 8200]), [8198, 8199, 8200])
    assert.deepEqual(startTimestamps([]), [])
    assert.equal(inPresentationOrder([1, 2, 3]), true)
    assert.equal(inPresentationOrder([1, 3, 2]), false)
    assert.equal(inPresentationOrder([0xfffffff0, 5]), true, 'across the 32-bit wrap')
  })
})
