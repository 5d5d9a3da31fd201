import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LimitError, ParseError } from '../../src/errors.js'
import {
  formatFmtp,
  formatRtpmap,
  formatSdp,
  getAttribute,
  getAttributes,
  hasAttribute,
  parseFmtp,
  parseRtpmap,
  parseSdp,
  type SessionDescription,
} from '../../src/sdp/sdp.js'

const crlf = (lines: string[]): string => lines.map((l) => l + '\r\n').join('')

/** A Hikvision-style camera: H.264 + AAC, absolute control URLs, vendor attributes. */
const CAMERA_H264_AAC = crlf([
  'v=0',
  'o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64',
  's=Media Presentation',
  'e=NONE',
  'b=AS:5100',
  't=0 0',
  'a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'b=AS:5000',
  'a=recvonly',
  'a=x-dimensions:1920,1080',
  'a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z01AKI2NQDwBE/LCAAAOEAACvyAI,aO44gA==',
  'm=audio 0 RTP/AVP 97',
  'c=IN IP4 0.0.0.0',
  'b=AS:50',
  'a=recvonly',
  'a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2',
  'a=rtpmap:97 MPEG4-GENERIC/16000/1',
  'a=fmtp:97 streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1408; sizeLength=13; indexLength=3; indexDeltaLength=3; Profile=1;',
  'a=Media_header:MEDIAINFO=494D4B48010200000400000101200110803E0000803E000000000000000000000000000000000000;',
  'a=appversion:1.0',
])

/** What libavformat's sdp.c writes for `ffmpeg -re -i in.mp4 -c copy -f rtp rtp://127.0.0.1:5004`. */
const FFMPEG_RTP = crlf([
  'v=0',
  'o=- 0 0 IN IP4 127.0.0.1',
  's=No Name',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'a=tool:libavformat 61.7.100',
  'm=video 5004 RTP/AVP 96',
  'b=AS:1205',
  'a=rtpmap:96 H264/90000',
  'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAH6zZQFAFuhAAAAMAEAAAAwPA8YMZYA==,aOvjyyLA; profile-level-id=64001F',
])

/** A gst-rtsp-server DESCRIBE body (test-launch with x264enc ! rtph264pay). */
const GST_RTSP_SERVER = crlf([
  'v=0',
  'o=- 1188340656180883 1 IN IP4 127.0.0.1',
  's=Session streamed with GStreamer',
  'i=rtsp-server',
  't=0 0',
  'a=tool:GStreamer',
  'a=type:broadcast',
  'a=control:*',
  'a=range:npt=now-',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'b=AS:3000',
  'a=rtpmap:96 H264/90000',
  'a=framerate:30',
  'a=fmtp:96 packetization-mode=1;sprop-parameter-sets=J2QAFKwrYKD9gIgAAAMACAAAAwHnQgAW4gAC3G173wdocKuA,KO48sA==;profile-level-id=640014;level-asymmetry-allowed=1',
  'a=control:stream=0',
  'a=ts-refclk:local',
  'a=mediaclk:sender',
  'a=ssrc:4060724388 cname:user1571168269@host-d3352119',
])

/** An MJPEG camera: static payload type 26 (RFC 3551), a=framesize as many cameras send it. */
const JPEG_CAMERA = crlf([
  'v=0',
  'o=- 1 1 IN IP4 192.168.1.10',
  's=IP Camera',
  'c=IN IP4 0.0.0.0',
  't=0 0',
  'a=control:*',
  'a=range:npt=0-',
  'm=video 0 RTP/AVP 26',
  'a=rtpmap:26 JPEG/90000',
  'a=framesize:26 640-480',
  'a=framerate:15',
  'a=control:track1',
])

/** Every RFC 8866 field once, multicast media with a port count, repeat times and time zones. */
const ALL_FIELDS = crlf([
  'v=0',
  'o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1',
  's=Call to John Smith',
  'i=SDP Offer #1',
  'u=http://www.jdoe.example.com/home.html',
  'e=Jane Doe <jane@jdoe.example.com>',
  'e=ops@example.com',
  'p=+1 617 555-6011',
  'c=IN IP4 233.252.0.1/127',
  'b=CT:1000',
  't=3724394400 3724398000',
  'r=604800 3600 0 90000',
  't=3724484400 0',
  'z=2882844526 -1h 2898848070 0',
  'k=prompt',
  'a=recvonly',
  'a=sdplang:',
  'm=audio 49170 RTP/AVP 0',
  'i=voice',
  'c=IN IP4 233.252.0.2/127',
  'b=AS:64',
  'k=clear:secret',
  'm=video 51372/2 RTP/AVP 99 100',
  'a=rtpmap:99 h263-1998/90000',
  'a=rtpmap:100 H264/90000',
  'a=fmtp:100 packetization-mode=0',
])

const VECTORS = { CAMERA_H264_AAC, FFMPEG_RTP, GST_RTSP_SERVER, JPEG_CAMERA, ALL_FIELDS }

for (const [name, text] of Object.entries(VECTORS)) {
  test(`SDP vector ${name}: parse → format is byte-identical`, () => {
    const d = parseSdp(text)
    assert.equal(formatSdp(d), text)
    // Buffer input and Uint8Array input at an offset give the same model.
    assert.deepEqual(parseSdp(Buffer.from(text)), d)
    const backing = new Uint8Array(text.length + 8)
    backing.set(Buffer.from(text, 'latin1'), 3)
    assert.deepEqual(parseSdp(backing.subarray(3, 3 + text.length)), d)
  })

  test(`SDP vector ${name}: LF-only, trailing spaces and blank lines give the same model`, () => {
    const d = parseSdp(text)
    assert.deepEqual(parseSdp(text.replace(/\r\n/g, '\n')), d)
    assert.deepEqual(parseSdp(text.replace(/\r\n/g, ' \t\r\n')), d)
    assert.deepEqual(parseSdp(text.replace(/\r\n/g, '\r\n\r\n')), d)
    assert.deepEqual(parseSdp('\ufeff' + text), d)
  })
}

test('SDP camera H.264 + AAC: model', () => {
  const d = parseSdp(CAMERA_H264_AAC)
  assert.deepEqual(d.origin, {
    username: '-',
    sessionId: '1109162014219182',
    sessionVersion: '1109162014219192',
    netType: 'IN',
    addrType: 'IP4',
    address: '192.168.1.64',
  })
  assert.equal(d.sessionName, 'Media Presentation')
  assert.deepEqual(d.emails, ['NONE'])
  assert.deepEqual(d.bandwidths, ['AS:5100'])
  assert.deepEqual(d.timing, ['0 0'])
  assert.equal(getAttribute(d.attributes, 'control'), 'rtsp://192.168.1.64:554/Streaming/Channels/101/')
  assert.equal(d.media.length, 2)

  const [video, audio] = d.media as [NonNullable<SessionDescription['media'][0]>, NonNullable<SessionDescription['media'][0]>]
  assert.deepEqual(
    {
      type: video.type,
      port: video.port,
      protocol: video.protocol,
      formats: video.formats,
      connection: video.connection,
      bandwidths: video.bandwidths,
    },
    { type: 'video', port: 0, protocol: 'RTP/AVP', formats: ['96'], connection: 'IN IP4 0.0.0.0', bandwidths: ['AS:5000'] },
  )
  assert.equal(getAttribute(video.attributes, 'recvonly'), '')
  assert.ok(hasAttribute(video.attributes, 'recvonly'))
  assert.deepEqual(video.attributes[0], { key: 'recvonly' })
  assert.deepEqual(parseRtpmap(getAttribute(video.attributes, 'rtpmap')!), { payloadType: 96, encodingName: 'H264', clockRate: 90000 })
  const fmtp = parseFmtp(getAttribute(video.attributes, 'fmtp')!)
  assert.equal(fmtp.payloadType, 96)
  assert.equal(fmtp.params.get('packetization-mode'), '1')
  assert.equal(fmtp.params.get('profile-level-id'), '420029')
  // Only the first '=' splits: base64 padding survives.
  assert.equal(fmtp.params.get('sprop-parameter-sets'), 'Z01AKI2NQDwBE/LCAAAOEAACvyAI,aO44gA==')

  assert.deepEqual(parseRtpmap(getAttribute(audio.attributes, 'rtpmap')!), {
    payloadType: 97,
    encodingName: 'MPEG4-GENERIC',
    clockRate: 16000,
    channels: 1,
  })
  const aac = parseFmtp(getAttribute(audio.attributes, 'fmtp')!).params
  assert.equal(aac.get('config'), '1408')
  assert.equal(aac.get('sizelength'), '13') // names are case-insensitive, stored lowercased
  assert.equal(aac.get('profile'), '1') // trailing ';' tolerated
  assert.equal(aac.size, 8)
  // An attribute value may itself contain ':' and '='.
  assert.equal(
    getAttribute(audio.attributes, 'Media_header'),
    'MEDIAINFO=494D4B48010200000400000101200110803E0000803E000000000000000000000000000000000000;',
  )
})

test('SDP ffmpeg -f rtp: model', () => {
  const d = parseSdp(FFMPEG_RTP)
  assert.equal(d.connection, 'IN IP4 127.0.0.1')
  assert.equal(getAttribute(d.attributes, 'tool'), 'libavformat 61.7.100')
  const m = d.media[0]!
  assert.equal(m.port, 5004)
  assert.equal(m.portCount, undefined)
  assert.equal(getAttribute(m.attributes, 'control'), undefined)
  assert.equal(parseFmtp(getAttribute(m.attributes, 'fmtp')!).params.get('profile-level-id'), '64001F')
})

test('SDP gst-rtsp-server: model', () => {
  const d = parseSdp(GST_RTSP_SERVER)
  assert.equal(d.info, 'rtsp-server')
  assert.deepEqual(getAttributes(d.attributes, 'type'), ['broadcast'])
  assert.equal(getAttribute(d.attributes, 'range'), 'npt=now-')
  const m = d.media[0]!
  assert.equal(getAttribute(m.attributes, 'control'), 'stream=0')
  assert.equal(getAttribute(m.attributes, 'ssrc'), '4060724388 cname:user1571168269@host-d3352119')
  assert.equal(parseFmtp(getAttribute(m.attributes, 'fmtp')!).params.get('level-asymmetry-allowed'), '1')
})

test('SDP JPEG camera: static PT 26 and framesize', () => {
  const m = parseSdp(JPEG_CAMERA).media[0]!
  assert.deepEqual(m.formats, ['26'])
  assert.deepEqual(parseRtpmap(getAttribute(m.attributes, 'rtpmap')!), { payloadType: 26, encodingName: 'JPEG', clockRate: 90000 })
  assert.equal(getAttribute(m.attributes, 'framesize'), '26 640-480')
  assert.equal(getAttribute(m.attributes, 'framerate'), '15')
})

test('SDP all fields: model', () => {
  const d = parseSdp(ALL_FIELDS)
  assert.equal(d.uri, 'http://www.jdoe.example.com/home.html')
  assert.deepEqual(d.emails, ['Jane Doe <jane@jdoe.example.com>', 'ops@example.com'])
  assert.deepEqual(d.phones, ['+1 617 555-6011'])
  assert.deepEqual(d.timing, ['3724394400 3724398000', 'r=604800 3600 0 90000', '3724484400 0'])
  assert.equal(d.timeZones, '2882844526 -1h 2898848070 0')
  assert.equal(d.key, 'prompt')
  assert.deepEqual(d.attributes, [{ key: 'recvonly' }, { key: 'sdplang', value: '' }])
  assert.equal(d.media[0]!.title, 'voice')
  assert.equal(d.media[0]!.key, 'clear:secret')
  assert.deepEqual(d.media[1]!.formats, ['99', '100'])
  assert.equal(d.media[1]!.port, 51372)
  assert.equal(d.media[1]!.portCount, 2)
  assert.deepEqual(getAttributes(d.media[1]!.attributes, 'rtpmap'), ['99 h263-1998/90000', '100 H264/90000'])
})

test('SDP sloppy: missing s= and t=, CR-only line ends, out-of-order lines', () => {
  // A camera that sends neither s= nor t= and puts a= before c=.
  const d = parseSdp(
    'v=0\no=- 1 1 IN IP4 10.0.0.2\na=control:*\nc=IN IP4 0.0.0.0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=control:trackID=0\n',
  )
  assert.equal(d.sessionName, '')
  assert.deepEqual(d.timing, ['0 0'])
  assert.equal(d.connection, 'IN IP4 0.0.0.0')
  assert.equal(
    formatSdp(d),
    crlf([
      'v=0',
      'o=- 1 1 IN IP4 10.0.0.2',
      's= ', // RFC 8866 5.3: "s= " when there is no name
      'c=IN IP4 0.0.0.0',
      't=0 0',
      'a=control:*',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'a=control:trackID=0',
    ]),
  )
  assert.deepEqual(parseSdp('v=0\ro=- 1 1 IN IP4 10.0.0.2\rs=x\rt=0 0\r'), parseSdp('v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=x\r\nt=0 0\r\n'))
  // "s= " (the RFC's own recommendation) reads as '' and writes back identically.
  const blank = crlf(['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's= ', 't=0 0'])
  assert.equal(parseSdp(blank).sessionName, '')
  assert.equal(formatSdp(parseSdp(blank)), blank)
})

test('SDP sloppy: missing v= and o=, short origin, r= without t=', () => {
  const d = parseSdp('s=cam\nm=video 0 RTP/AVP 96\n')
  assert.equal(d.version, 0)
  assert.deepEqual(d.origin, { username: '-', sessionId: '0', sessionVersion: '0', netType: 'IN', addrType: 'IP4', address: '0.0.0.0' })
  // An origin without an address gets the default; one with extra words keeps them in the address.
  assert.equal(parseSdp('o=- 5 6 IN IP4\n').origin.address, '0.0.0.0')
  assert.equal(parseSdp('o=-   5  6 IN IP4 cam host\n').origin.address, 'cam host')
  assert.deepEqual(parseSdp('v=0\nr=7d 1h 0\n').timing, ['0 0', 'r=7d 1h 0'])
  // Formats may be missing on a media line.
  assert.deepEqual(parseSdp('m=application 0 RTP/AVP\n').media[0]!.formats, [])
})

test('SDP unknown and repeated lines are kept in extraLines, in order', () => {
  const text = crlf([
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=x',
    't=0 0',
    'a=control:*',
    'x=vendor session line',
    's=second name',
    'm=video 0 RTP/AVP 96',
    'c=IN IP4 233.252.0.1/127',
    'a=rtpmap:96 H264/90000',
    'c=IN IP4 233.252.0.2/127',
    't=0 0',
    'Y=uppercase type',
  ])
  const d = parseSdp(text)
  assert.deepEqual(d.extraLines, ['x=vendor session line', 's=second name'])
  assert.deepEqual(d.media[0]!.extraLines, ['c=IN IP4 233.252.0.2/127', 't=0 0', 'Y=uppercase type'])
  assert.equal(formatSdp(d), text)
  assert.equal(parseSdp(FFMPEG_RTP).extraLines, undefined)
})

test('SDP errors: lines not of the form x=…, bad v=, bad m=', () => {
  const cases: [string, string][] = [
    ['v=0\r\nSDP:\r\n', 'ERR_SDP_LINE'],
    ['v=0\r\n a=leading space\r\n', 'ERR_SDP_LINE'],
    ['v=0\r\n=novalue\r\n', 'ERR_SDP_LINE'],
    ['v=0\r\nab=c\r\n', 'ERR_SDP_LINE'],
    ['v=0\r\n1=c\r\n', 'ERR_SDP_LINE'],
    ['v=0\r\na=nul\0inside\r\n', 'ERR_SDP_LINE'],
    ['RTSP/1.0 200 OK\r\n', 'ERR_SDP_LINE'],
    ['v=zero\r\n', 'ERR_SDP_VERSION'],
    ['v=0\r\nm=video\r\n', 'ERR_SDP_MEDIA'],
    ['v=0\r\nm=video x RTP/AVP 96\r\n', 'ERR_SDP_MEDIA'],
    ['v=0\r\nm=video 70000 RTP/AVP 96\r\n', 'ERR_SDP_MEDIA'],
    ['v=0\r\nm=video 5000/ RTP/AVP 96\r\n', 'ERR_SDP_MEDIA'],
  ]
  for (const [text, code] of cases) {
    let err: unknown
    try {
      parseSdp(text)
    } catch (e) {
      err = e
    }
    assert.ok(err instanceof ParseError, `${JSON.stringify(text)}: ${String(err)}`)
    assert.equal(err.code, code, JSON.stringify(text))
    assert.ok('observed' in err.details && 'allowed' in err.details)
    assert.equal(typeof err.details.line, 'number')
  }
  assert.throws(
    () => parseSdp('v=0\r\nbad line\r\n'),
    (e: unknown) => e instanceof ParseError && e.details.line === 2,
  )
})

test('SDP limits: size, lines, line length, media sections', () => {
  const limit = (f: () => unknown, code: string) => assert.throws(f, (e: unknown) => e instanceof LimitError && e.code === code)
  limit(() => parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(20_000)), 'ERR_SDP_TOO_LARGE')
  limit(() => parseSdp(Buffer.alloc(70_000, 0x61)), 'ERR_SDP_TOO_LARGE')
  limit(() => parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(10), { maxLines: 5 }), 'ERR_SDP_TOO_MANY_LINES')
  limit(() => parseSdp('v=0\r\na=' + 'x'.repeat(20_000) + '\r\n'), 'ERR_SDP_LINE_TOO_LONG')
  limit(() => parseSdp('v=0\r\n' + 'm=video 0 RTP/AVP 96\r\n'.repeat(3), { maxMedia: 2 }), 'ERR_SDP_TOO_MANY_MEDIA')
  // A long run of spaces is a limit error quickly, not a slow regex.
  const started = performance.now()
  limit(() => parseSdp('a=' + ' '.repeat(60_000) + 'x'), 'ERR_SDP_LINE_TOO_LONG')
  parseSdp('a=' + ' '.repeat(16_000) + 'x')
  assert.ok(performance.now() - started < 500)
  // Blank lines do not count as lines.
  assert.equal(parseSdp('v=0\r\n\r\n\r\n\r\ns=x\r\n', { maxLines: 2 }).sessionName, 'x')
})

test('SDP format: builds a DESCRIBE body from a hand-made model', () => {
  const d: SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId: '1700000000', sessionVersion: '1', netType: 'IN', addrType: 'IP4', address: '127.0.0.1' },
    sessionName: 'rtspkit',
    emails: [],
    phones: [],
    bandwidths: [],
    timing: ['0 0'],
    attributes: [
      { key: 'tool', value: 'rtspkit' },
      { key: 'control', value: '*' },
      { key: 'range', value: 'npt=now-' },
    ],
    media: [
      {
        type: 'video',
        port: 0,
        protocol: 'RTP/AVP',
        formats: ['96'],
        bandwidths: [],
        attributes: [
          { key: 'rtpmap', value: formatRtpmap({ payloadType: 96, encodingName: 'H264', clockRate: 90000 }) },
          { key: 'fmtp', value: formatFmtp(96, { 'packetization-mode': '1', 'profile-level-id': '42e01f' }) },
          { key: 'control', value: 'trackID=0' },
        ],
      },
    ],
  }
  const text = formatSdp(d)
  assert.equal(
    text,
    crlf([
      'v=0',
      'o=- 1700000000 1 IN IP4 127.0.0.1',
      's=rtspkit',
      't=0 0',
      'a=tool:rtspkit',
      'a=control:*',
      'a=range:npt=now-',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'a=fmtp:96 packetization-mode=1;profile-level-id=42e01f',
      'a=control:trackID=0',
    ]),
  )
  assert.deepEqual(parseSdp(text), d)
  // Timing given as whole lines, or not at all, is written the same way.
  assert.equal(formatSdp({ ...d, timing: ['t=0 0'] }), text)
  assert.equal(formatSdp({ ...d, timing: [] }), text)
})

test('SDP format: refuses values that would inject lines', () => {
  const d = parseSdp(JPEG_CAMERA)
  assert.throws(
    () => formatSdp({ ...d, sessionName: 'cam\r\na=injected' }),
    (e: unknown) => e instanceof ParseError && e.code === 'ERR_SDP_VALUE',
  )
  assert.throws(() => formatSdp({ ...d, attributes: [{ key: 'x', value: 'a\nb' }] }), { code: 'ERR_SDP_VALUE' })
})

test('rtpmap: parse and format', () => {
  assert.deepEqual(parseRtpmap('96 H264/90000'), { payloadType: 96, encodingName: 'H264', clockRate: 90000 })
  assert.deepEqual(parseRtpmap(' 97  MPEG4-GENERIC/48000/2 '), {
    payloadType: 97,
    encodingName: 'MPEG4-GENERIC',
    clockRate: 48000,
    channels: 2,
  })
  assert.deepEqual(parseRtpmap('0 PCMU/8000'), { payloadType: 0, encodingName: 'PCMU', clockRate: 8000 })
  assert.equal(formatRtpmap({ payloadType: 97, encodingName: 'opus', clockRate: 48000, channels: 2 }), '97 opus/48000/2')
  for (const bad of ['', '96', '96 H264', 'x H264/90000', '128 H264/90000', '96 H264/abc', '96 H264/90000/x', '96 H264/90000 extra']) {
    assert.throws(
      () => parseRtpmap(bad),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_SDP_RTPMAP',
      bad,
    )
  }
})

test('fmtp: parse and format', () => {
  assert.deepEqual(parseFmtp('96 a=b;c=d'), {
    payloadType: 96,
    params: new Map([
      ['a', 'b'],
      ['c', 'd'],
    ]),
  })
  assert.deepEqual(parseFmtp('96'), { payloadType: 96, params: new Map() })
  assert.deepEqual(parseFmtp('101 0-15'), { payloadType: 101, params: new Map([['0-15', '']]) })
  assert.deepEqual(parseFmtp('96 A = 1 ;; b=2; '), {
    payloadType: 96,
    params: new Map([
      ['a', '1'],
      ['b', '2'],
    ]),
  })
  assert.equal(formatFmtp(96, new Map([['packetization-mode', '1']])), '96 packetization-mode=1')
  assert.equal(formatFmtp(101, { '0-15': '' }), '101 0-15')
  assert.equal(formatFmtp(96, {}), '96')
  for (const bad of ['', 'x a=b', 'a=b']) {
    assert.throws(
      () => parseFmtp(bad),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_SDP_FMTP',
      bad,
    )
  }
})
