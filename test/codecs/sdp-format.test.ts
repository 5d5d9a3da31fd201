import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createCodecRegistry } from '../../src/codecs/registry.js'
import { formatRtpSdp, isMulticast, parseRtpSdp } from '../../src/codecs/sdp-format.js'
import { RtspkitError } from '../../src/errors.js'

const registry = createCodecRegistry()

describe('plain RTP SDP', () => {
  it('formats what a receiver needs: c= destination, m= ports, rtpmap/fmtp', () => {
    const sdp = formatRtpSdp(
      [
        {
          kind: 'video',
          port: 5004,
          payloadType: 96,
          attributes: [
            { key: 'rtpmap', value: '96 H264/90000' },
            { key: 'fmtp', value: '96 packetization-mode=1' },
          ],
        },
        { kind: 'audio', port: 5006, payloadType: 0, attributes: [{ key: 'rtpmap', value: '0 PCMU/8000' }] },
      ],
      { host: '192.0.2.7', origin: '192.0.2.1', sessionName: 'cam', sessionId: 42, tool: 'rtspkit' },
    )
    assert.equal(
      sdp,
      [
        'v=0',
        'o=- 42 1 IN IP4 192.0.2.1',
        's=cam',
        'c=IN IP4 192.0.2.7',
        't=0 0',
        'a=tool:rtspkit',
        'm=video 5004 RTP/AVP 96',
        'a=rtpmap:96 H264/90000',
        'a=fmtp:96 packetization-mode=1',
        'm=audio 5006 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        '',
      ].join('\r\n'),
    )
  })

  it('writes a TTL for IPv4 multicast and IP6 for IPv6', () => {
    assert.match(formatRtpSdp([], { host: '239.1.2.3', ttl: 4 }), /\r\nc=IN IP4 239\.1\.2\.3\/4\r\n/)
    assert.match(formatRtpSdp([], { host: '::1' }), /\r\nc=IN IP6 ::1\r\n/)
    assert.equal(isMulticast('224.0.0.1'), true)
    assert.equal(isMulticast('127.0.0.1'), false)
    assert.equal(isMulticast('ff02::1'), true)
  })

  it('reads the SDP ffmpeg -f rtp writes (spaces after ; in fmtp)', () => {
    const sdp =
      'v=0\no=- 0 0 IN IP4 127.0.0.1\ns=No Name\nc=IN IP4 127.0.0.1\nt=0 0\na=tool:libavformat 59.27.100\n' +
      'm=video 23000 RTP/AVP 96\na=rtpmap:96 H264/90000\n' +
      'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QADay0Cg/YCIAAAAMAgAAAGUeKFVA=,aO8Pyw==; profile-level-id=64000D\n' +
      'm=audio 23002 RTP/AVP 97\nb=AS:128\na=rtpmap:97 MPEG4-GENERIC/44100/2\n' +
      'a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=121056E500\n'
    const [v, a] = parseRtpSdp(sdp, registry)
    assert.equal(v!.codec.name, 'h264')
    assert.equal(v!.port, 23000)
    assert.equal(v!.rtcpPort, 23001)
    assert.equal(v!.address, '127.0.0.1')
    assert.equal(v!.params.fmtp.get('sprop-parameter-sets'), 'Z2QADay0Cg/YCIAAAAMAgAAAGUeKFVA=,aO8Pyw==')
    assert.equal(a!.codec.name, 'aac')
    assert.equal(a!.kind, 'audio')
    assert.deepEqual([a!.params.clockRate, a!.params.channels], [44100, 2])
    assert.equal(a!.params.fmtp.get('config'), '121056E500')
  })

  it('uses static payload types without rtpmap, a=rtcp and a=rtcp-mux, and the media-level c=', () => {
    const sdp =
      'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=x\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n' +
      'm=video 6000 RTP/AVP 26\r\nc=IN IP4 239.9.9.9/16\r\na=rtcp:7001\r\n' +
      'm=audio 6002 RTP/AVP 8\r\na=rtcp-mux\r\n' +
      'm=application 6004 RTP/AVP 100\r\na=rtpmap:100 X-THING/1000\r\n' +
      'm=audio 0 RTP/AVP 0\r\n' +
      'm=application 9 UDP/BFCP *\r\n'
    const s = parseRtpSdp(sdp, registry)
    assert.equal(s.length, 3, 'port 0 and non-RTP sections are skipped')
    assert.deepEqual([s[0]!.codec.name, s[0]!.address, s[0]!.rtcpPort, s[0]!.rtcpMux], ['jpeg', '239.9.9.9', 7001, false])
    assert.deepEqual([s[1]!.codec.name, s[1]!.rtcpPort, s[1]!.rtcpMux, s[1]!.params.clockRate], ['pcma', 6002, true, 8000])
    assert.deepEqual([s[2]!.codec.passthrough, s[2]!.params.encodingName, s[2]!.mediaIndex], [true, 'X-THING', 2])
  })

  it('prefers a format the registry implements when an m= line lists several', () => {
    const sdp = 'v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 5000 RTP/AVP 100 96\r\na=rtpmap:100 VP7/90000\r\na=rtpmap:96 H264/90000\r\n'
    assert.equal(parseRtpSdp(sdp, registry)[0]!.params.payloadType, 96)
  })

  it('errors: no RTP stream; a dynamic payload type without rtpmap', () => {
    assert.throws(
      () => parseRtpSdp('v=0\r\ns=x\r\n', registry),
      (e: RtspkitError) => e.code === 'ERR_SDP_NO_RTP',
    )
    assert.throws(
      () => parseRtpSdp('v=0\r\nm=video 5000 RTP/AVP 96\r\n', registry),
      (e: RtspkitError) => e.code === 'ERR_SDP_FORMAT',
    )
  })

  it('property: arbitrary text parses or throws one of our errors', () => {
    const line = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'v=0',
        'c=IN IP4 127.0.0.1',
        'c=IN IP4 239.1.1.1/3',
        'm=video 5000 RTP/AVP 96',
        'm=audio 0 RTP/AVP 0',
        'a=rtcp-mux',
        'a=rtcp:x',
      ),
      fc.tuple(fc.integer({ min: 0, max: 200 }), fc.string()).map(([pt, rest]) => `a=rtpmap:${pt} ${rest}`),
      fc.tuple(fc.integer({ min: 0, max: 200 }), fc.string()).map(([pt, rest]) => `a=fmtp:${pt} ${rest}`),
      fc
        .tuple(fc.integer({ min: 0, max: 70000 }), fc.array(fc.integer({ min: 0, max: 130 })))
        .map(([port, pts]) => `m=video ${port} RTP/AVP ${pts.join(' ')}`),
    )
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        try {
          for (const st of parseRtpSdp(lines.join('\r\n'), registry)) {
            assert.ok(st.port > 0)
            assert.equal(typeof st.codec.createDepacketizer, 'function')
          }
        } catch (err) {
          if (!(err instanceof RtspkitError)) throw err
        }
      }),
      { numRuns: 500 },
    )
  })

  it('property: formatRtpSdp → parseRtpSdp gives back ports, payload types and encodings', () => {
    const track = fc.record({
      kind: fc.constantFrom('video' as const, 'audio' as const),
      port: fc.integer({ min: 1, max: 65534 }),
      payloadType: fc.integer({ min: 96, max: 127 }),
      encodingName: fc.constantFrom('H264', 'H265', 'opus', 'L16', 'X-FOO'),
      clockRate: fc.integer({ min: 1, max: 200000 }),
    })
    fc.assert(
      fc.property(fc.array(track, { minLength: 1, maxLength: 4 }), (tracks) => {
        const sdp = formatRtpSdp(
          tracks.map((t) => ({
            kind: t.kind,
            port: t.port,
            payloadType: t.payloadType,
            attributes: [{ key: 'rtpmap', value: `${t.payloadType} ${t.encodingName}/${t.clockRate}` }],
          })),
          { host: '127.0.0.1' },
        )
        const parsed = parseRtpSdp(sdp, registry)
        assert.deepEqual(
          parsed.map((p) => [p.kind, p.port, p.params.payloadType, p.params.encodingName, p.params.clockRate, p.address]),
          tracks.map((t) => [t.kind, t.port, t.payloadType, t.encodingName, t.clockRate, '127.0.0.1']),
        )
      }),
      { numRuns: 200 },
    )
  })
})
