/**
 * RTSP messages as real peers send them, shared by the reader tests, the serializer tests and the
 * fuzz properties. Each vector is one message and the single event it must parse to.
 * Header order, casing and User-Agent strings follow what each client writes.
 */
import type { RtspReadEvent } from '../../src/rtsp/reader.js'
import { RtspReader, type RtspReaderLimits } from '../../src/rtsp/reader.js'

export type PlainEvent =
  | { kind: 'request'; method: string; uri: string; version: string; headers: [string, string][]; body: string }
  | { kind: 'response'; version: string; statusCode: number; reason: string; headers: [string, string][]; body: string }
  | { kind: 'interleaved'; channel: number; payload: string }

export interface MessageVector {
  name: string
  raw: string
  expected: PlainEvent
}

/** Events as plain data (bodies as latin1 text, payloads as hex) so deepStrictEqual compares content. */
export function toPlain(ev: RtspReadEvent): PlainEvent {
  switch (ev.kind) {
    case 'request': {
      const r = ev.request
      return {
        kind: 'request',
        method: r.method,
        uri: r.uri,
        version: r.version,
        headers: [...r.headers.entries()],
        body: r.body.toString('latin1'),
      }
    }
    case 'response': {
      const r = ev.response
      return {
        kind: 'response',
        version: r.version,
        statusCode: r.statusCode,
        reason: r.reason,
        headers: [...r.headers.entries()],
        body: r.body.toString('latin1'),
      }
    }
    case 'interleaved':
      return { kind: 'interleaved', channel: ev.channel, payload: ev.payload.toString('hex') }
  }
}

/** Feeds `chunks` to one fresh reader and returns every event, as plain data. */
export function readAll(chunks: Iterable<Buffer>, limits?: Partial<RtspReaderLimits>): PlainEvent[] {
  const reader = new RtspReader(limits)
  const out: PlainEvent[] = []
  for (const chunk of chunks) for (const ev of reader.push(chunk)) out.push(toPlain(ev))
  return out
}

const req = (method: string, uri: string, headers: [string, string][], body = ''): PlainEvent => ({
  kind: 'request',
  method,
  uri,
  version: 'RTSP/1.0',
  headers,
  body,
})

const res = (statusCode: number, reason: string, headers: [string, string][], body = ''): PlainEvent => ({
  kind: 'response',
  version: 'RTSP/1.0',
  statusCode,
  reason,
  headers,
  body,
})

const LAVF = 'Lavf60.16.100'
const GST = 'GStreamer/1.22.0'
const GST_DATE = 'Wed, 08 Nov 2023 10:15:02 GMT'
const VLC = 'LibVLC/3.0.20 (LIVE555 Streaming Media v2016.11.28)'
const OPENRTSP = 'openRTSP (LIVE555 Streaming Media v2023.11.08)'
const LIVE555_DATE = 'Wed, Nov 08 2023 10:15:02 GMT'

/** ffmpeg's SDP for `-f rtsp` publishing of one H.264 stream: 199 bytes. */
export const FFMPEG_ANNOUNCE_SDP =
  'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  'a=tool:libavformat 60.16.100\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n' +
  'a=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n'

/** An MJPEG DESCRIBE answer: 179 bytes. */
export const MJPEG_SDP =
  'v=0\r\no=- 1699438502123456 1 IN IP4 192.168.1.20\r\ns=Session streamed by "rtspkit"\r\nt=0 0\r\n' +
  'a=control:*\r\na=range:npt=0-\r\nm=video 0 RTP/AVP 26\r\nc=IN IP4 0.0.0.0\r\na=control:trackID=0\r\n'

export const REQUEST_VECTORS: MessageVector[] = [
  // ---- ffmpeg / Lavf (libavformat/rtsp.c): CSeq after the request-specific headers, UDP spelled out.
  {
    name: 'ffmpeg OPTIONS',
    raw: `OPTIONS rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: ${LAVF}\r\n\r\n`,
    expected: req('OPTIONS', 'rtsp://127.0.0.1:8554/live', [
      ['CSeq', '1'],
      ['User-Agent', LAVF],
    ]),
  },
  {
    name: 'ffmpeg DESCRIBE with Accept',
    raw: `DESCRIBE rtsp://127.0.0.1:8554/live RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\nUser-Agent: ${LAVF}\r\n\r\n`,
    expected: req('DESCRIBE', 'rtsp://127.0.0.1:8554/live', [
      ['Accept', 'application/sdp'],
      ['CSeq', '2'],
      ['User-Agent', LAVF],
    ]),
  },
  {
    name: 'ffmpeg SETUP over UDP',
    raw:
      'SETUP rtsp://127.0.0.1:8554/live/trackID=0 RTSP/1.0\r\n' +
      'Transport: RTP/AVP/UDP;unicast;client_port=18484-18485\r\n' +
      `CSeq: 3\r\nUser-Agent: ${LAVF}\r\n\r\n`,
    expected: req('SETUP', 'rtsp://127.0.0.1:8554/live/trackID=0', [
      ['Transport', 'RTP/AVP/UDP;unicast;client_port=18484-18485'],
      ['CSeq', '3'],
      ['User-Agent', LAVF],
    ]),
  },
  {
    name: 'ffmpeg SETUP over TCP (-rtsp_transport tcp), second track with Session',
    raw:
      'SETUP rtsp://127.0.0.1:8554/live/trackID=1 RTSP/1.0\r\n' +
      'Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n' +
      `CSeq: 4\r\nUser-Agent: ${LAVF}\r\nSession: 7d5e9a3c1b2f4a60\r\n\r\n`,
    expected: req('SETUP', 'rtsp://127.0.0.1:8554/live/trackID=1', [
      ['Transport', 'RTP/AVP/TCP;unicast;interleaved=2-3'],
      ['CSeq', '4'],
      ['User-Agent', LAVF],
      ['Session', '7d5e9a3c1b2f4a60'],
    ]),
  },
  {
    name: 'ffmpeg PLAY with Range npt=0.000-',
    raw: `PLAY rtsp://127.0.0.1:8554/live/ RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 5\r\nUser-Agent: ${LAVF}\r\nSession: 7d5e9a3c1b2f4a60\r\n\r\n`,
    expected: req('PLAY', 'rtsp://127.0.0.1:8554/live/', [
      ['Range', 'npt=0.000-'],
      ['CSeq', '5'],
      ['User-Agent', LAVF],
      ['Session', '7d5e9a3c1b2f4a60'],
    ]),
  },
  {
    name: 'ffmpeg GET_PARAMETER keep-alive, empty body',
    raw: `GET_PARAMETER rtsp://127.0.0.1:8554/live/ RTSP/1.0\r\nCSeq: 6\r\nUser-Agent: ${LAVF}\r\nSession: 7d5e9a3c1b2f4a60\r\n\r\n`,
    expected: req('GET_PARAMETER', 'rtsp://127.0.0.1:8554/live/', [
      ['CSeq', '6'],
      ['User-Agent', LAVF],
      ['Session', '7d5e9a3c1b2f4a60'],
    ]),
  },
  {
    name: 'ffmpeg TEARDOWN',
    raw: `TEARDOWN rtsp://127.0.0.1:8554/live/ RTSP/1.0\r\nCSeq: 7\r\nUser-Agent: ${LAVF}\r\nSession: 7d5e9a3c1b2f4a60\r\n\r\n`,
    expected: req('TEARDOWN', 'rtsp://127.0.0.1:8554/live/', [
      ['CSeq', '7'],
      ['User-Agent', LAVF],
      ['Session', '7d5e9a3c1b2f4a60'],
    ]),
  },
  {
    name: 'ffmpeg ANNOUNCE (publishing) with an SDP body',
    raw:
      'ANNOUNCE rtsp://127.0.0.1:8554/pub RTSP/1.0\r\nContent-Type: application/sdp\r\n' +
      `CSeq: 2\r\nUser-Agent: ${LAVF}\r\nContent-Length: 199\r\n\r\n${FFMPEG_ANNOUNCE_SDP}`,
    expected: req(
      'ANNOUNCE',
      'rtsp://127.0.0.1:8554/pub',
      [
        ['Content-Type', 'application/sdp'],
        ['CSeq', '2'],
        ['User-Agent', LAVF],
        ['Content-Length', '199'],
      ],
      FFMPEG_ANNOUNCE_SDP,
    ),
  },
  {
    name: 'ffmpeg RECORD',
    raw: `RECORD rtsp://127.0.0.1:8554/pub RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 5\r\nUser-Agent: ${LAVF}\r\nSession: 5b2d0f1a\r\n\r\n`,
    expected: req('RECORD', 'rtsp://127.0.0.1:8554/pub', [
      ['Range', 'npt=0.000-'],
      ['CSeq', '5'],
      ['User-Agent', LAVF],
      ['Session', '5b2d0f1a'],
    ]),
  },

  // ---- GStreamer rtspsrc (gst-plugins-good): Date on every request, 'stream=N' controls.
  {
    name: 'GStreamer OPTIONS',
    raw: `OPTIONS rtsp://192.168.1.20:8554/test RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: ${GST}\r\nDate: ${GST_DATE}\r\n\r\n`,
    expected: req('OPTIONS', 'rtsp://192.168.1.20:8554/test', [
      ['CSeq', '1'],
      ['User-Agent', GST],
      ['Date', GST_DATE],
    ]),
  },
  {
    name: 'GStreamer DESCRIBE',
    raw: `DESCRIBE rtsp://192.168.1.20:8554/test RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\nUser-Agent: ${GST}\r\nDate: ${GST_DATE}\r\n\r\n`,
    expected: req('DESCRIBE', 'rtsp://192.168.1.20:8554/test', [
      ['Accept', 'application/sdp'],
      ['CSeq', '2'],
      ['User-Agent', GST],
      ['Date', GST_DATE],
    ]),
  },
  {
    name: 'GStreamer SETUP offering UDP then TCP',
    raw:
      'SETUP rtsp://192.168.1.20:8554/test/stream=0 RTSP/1.0\r\n' +
      'Transport: RTP/AVP;unicast;client_port=41234-41235,RTP/AVP/TCP;unicast;interleaved=0-1\r\n' +
      `CSeq: 3\r\nUser-Agent: ${GST}\r\nDate: ${GST_DATE}\r\n\r\n`,
    expected: req('SETUP', 'rtsp://192.168.1.20:8554/test/stream=0', [
      ['Transport', 'RTP/AVP;unicast;client_port=41234-41235,RTP/AVP/TCP;unicast;interleaved=0-1'],
      ['CSeq', '3'],
      ['User-Agent', GST],
      ['Date', GST_DATE],
    ]),
  },
  {
    name: 'GStreamer PLAY with Range npt=0-',
    raw: `PLAY rtsp://192.168.1.20:8554/test/ RTSP/1.0\r\nRange: npt=0-\r\nCSeq: 4\r\nUser-Agent: ${GST}\r\nSession: 1F3A9C2E\r\nDate: ${GST_DATE}\r\n\r\n`,
    expected: req('PLAY', 'rtsp://192.168.1.20:8554/test/', [
      ['Range', 'npt=0-'],
      ['CSeq', '4'],
      ['User-Agent', GST],
      ['Session', '1F3A9C2E'],
      ['Date', GST_DATE],
    ]),
  },
  {
    name: 'GStreamer GET_PARAMETER keep-alive with Content-Length: 0',
    raw: `GET_PARAMETER rtsp://192.168.1.20:8554/test/ RTSP/1.0\r\nCSeq: 5\r\nUser-Agent: ${GST}\r\nSession: 1F3A9C2E\r\nDate: ${GST_DATE}\r\nContent-Length: 0\r\n\r\n`,
    expected: req('GET_PARAMETER', 'rtsp://192.168.1.20:8554/test/', [
      ['CSeq', '5'],
      ['User-Agent', GST],
      ['Session', '1F3A9C2E'],
      ['Date', GST_DATE],
      ['Content-Length', '0'],
    ]),
  },

  // ---- VLC (LibVLC over live555's RTSPClient): CSeq then User-Agent first, Accept last.
  {
    name: 'VLC OPTIONS',
    raw: `OPTIONS rtsp://192.168.1.20:8554/cam RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: ${VLC}\r\n\r\n`,
    expected: req('OPTIONS', 'rtsp://192.168.1.20:8554/cam', [
      ['CSeq', '2'],
      ['User-Agent', VLC],
    ]),
  },
  {
    name: 'VLC DESCRIBE',
    raw: `DESCRIBE rtsp://192.168.1.20:8554/cam RTSP/1.0\r\nCSeq: 3\r\nUser-Agent: ${VLC}\r\nAccept: application/sdp\r\n\r\n`,
    expected: req('DESCRIBE', 'rtsp://192.168.1.20:8554/cam', [
      ['CSeq', '3'],
      ['User-Agent', VLC],
      ['Accept', 'application/sdp'],
    ]),
  },
  {
    name: 'VLC SETUP over UDP',
    raw: `SETUP rtsp://192.168.1.20:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 4\r\nUser-Agent: ${VLC}\r\nTransport: RTP/AVP;unicast;client_port=56912-56913\r\n\r\n`,
    expected: req('SETUP', 'rtsp://192.168.1.20:8554/cam/trackID=0', [
      ['CSeq', '4'],
      ['User-Agent', VLC],
      ['Transport', 'RTP/AVP;unicast;client_port=56912-56913'],
    ]),
  },
  {
    name: 'VLC PLAY',
    raw: `PLAY rtsp://192.168.1.20:8554/cam/ RTSP/1.0\r\nCSeq: 5\r\nUser-Agent: ${VLC}\r\nSession: 2A4E6C8B\r\nRange: npt=0.000-\r\n\r\n`,
    expected: req('PLAY', 'rtsp://192.168.1.20:8554/cam/', [
      ['CSeq', '5'],
      ['User-Agent', VLC],
      ['Session', '2A4E6C8B'],
      ['Range', 'npt=0.000-'],
    ]),
  },
  {
    name: 'VLC GET_PARAMETER keep-alive',
    raw: `GET_PARAMETER rtsp://192.168.1.20:8554/cam/ RTSP/1.0\r\nCSeq: 6\r\nUser-Agent: ${VLC}\r\nSession: 2A4E6C8B\r\n\r\n`,
    expected: req('GET_PARAMETER', 'rtsp://192.168.1.20:8554/cam/', [
      ['CSeq', '6'],
      ['User-Agent', VLC],
      ['Session', '2A4E6C8B'],
    ]),
  },
  {
    name: 'VLC TEARDOWN',
    raw: `TEARDOWN rtsp://192.168.1.20:8554/cam/ RTSP/1.0\r\nCSeq: 7\r\nUser-Agent: ${VLC}\r\nSession: 2A4E6C8B\r\n\r\n`,
    expected: req('TEARDOWN', 'rtsp://192.168.1.20:8554/cam/', [
      ['CSeq', '7'],
      ['User-Agent', VLC],
      ['Session', '2A4E6C8B'],
    ]),
  },

  // ---- live555 openRTSP
  {
    name: 'openRTSP -t SETUP interleaved',
    raw: `SETUP rtsp://10.0.0.5/live/track1 RTSP/1.0\r\nCSeq: 4\r\nUser-Agent: ${OPENRTSP}\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n`,
    expected: req('SETUP', 'rtsp://10.0.0.5/live/track1', [
      ['CSeq', '4'],
      ['User-Agent', OPENRTSP],
      ['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1'],
    ]),
  },
  {
    name: 'openRTSP OPTIONS with Digest Authorization',
    raw:
      'OPTIONS rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 2\r\n' +
      'Authorization: Digest username="admin", realm="LIVE555 Streaming Media", nonce="a1b2c3d4", uri="rtsp://10.0.0.5/live", response="0123456789abcdef0123456789abcdef"\r\n' +
      `User-Agent: ${OPENRTSP}\r\n\r\n`,
    expected: req('OPTIONS', 'rtsp://10.0.0.5/live', [
      ['CSeq', '2'],
      [
        'Authorization',
        'Digest username="admin", realm="LIVE555 Streaming Media", nonce="a1b2c3d4", uri="rtsp://10.0.0.5/live", response="0123456789abcdef0123456789abcdef"',
      ],
      ['User-Agent', OPENRTSP],
    ]),
  },

  // ---- Bodies (RFC 2326 section 10.8 and 10.9 examples)
  {
    name: 'SET_PARAMETER with a text/parameters body',
    raw: 'SET_PARAMETER rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 8\r\nContent-Type: text/parameters\r\nSession: 2A4E6C8B\r\nContent-Length: 20\r\n\r\nbarparam: barstuff\r\n',
    expected: req(
      'SET_PARAMETER',
      'rtsp://10.0.0.5/live',
      [
        ['CSeq', '8'],
        ['Content-Type', 'text/parameters'],
        ['Session', '2A4E6C8B'],
        ['Content-Length', '20'],
      ],
      'barparam: barstuff\r\n',
    ),
  },
  {
    name: 'GET_PARAMETER with a body',
    raw: 'GET_PARAMETER rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 9\r\nContent-Type: text/parameters\r\nSession: 2A4E6C8B\r\nContent-Length: 26\r\n\r\npackets_received\r\njitter\r\n',
    expected: req(
      'GET_PARAMETER',
      'rtsp://10.0.0.5/live',
      [
        ['CSeq', '9'],
        ['Content-Type', 'text/parameters'],
        ['Session', '2A4E6C8B'],
        ['Content-Length', '26'],
      ],
      'packets_received\r\njitter\r\n',
    ),
  },

  // ---- Odd but real
  {
    name: 'Kurose/Ross teaching client: LF-only, relative URI, RTP/UDP, space after =',
    raw: 'SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000\n\n',
    expected: req('SETUP', 'movie.Mjpeg', [
      ['CSeq', '1'],
      ['Transport', 'RTP/UDP; client_port= 25000'],
    ]),
  },
  {
    name: 'OPTIONS * without CSeq (the server answers 400 itself)',
    raw: 'OPTIONS * RTSP/1.0\r\nUser-Agent: probe\r\n\r\n',
    expected: req('OPTIONS', '*', [['User-Agent', 'probe']]),
  },
  {
    name: 'RTSP/2.0 request still parses (the server answers 505)',
    raw: 'OPTIONS rtsp://h/ RTSP/2.0\r\nCSeq: 1\r\n\r\n',
    expected: { kind: 'request', method: 'OPTIONS', uri: 'rtsp://h/', version: 'RTSP/2.0', headers: [['CSeq', '1']], body: '' },
  },
  {
    name: 'lower-case header names, no space after colon, trailing spaces',
    raw: 'DESCRIBE rtsp://h/a RTSP/1.0\r\ncseq:12  \r\naccept:application/sdp\r\n\r\n',
    expected: req('DESCRIBE', 'rtsp://h/a', [
      ['cseq', '12'],
      ['accept', 'application/sdp'],
    ]),
  },
  {
    name: 'UTF-8 in a header value',
    raw: 'SET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 3\r\nX-Title: caméra 東\r\n\r\n',
    expected: req('SET_PARAMETER', 'rtsp://h/a', [
      ['CSeq', '3'],
      ['X-Title', 'caméra 東'],
    ]),
  },
]

export const RESPONSE_VECTORS: MessageVector[] = [
  {
    name: 'live555 OPTIONS response',
    raw:
      `RTSP/1.0 200 OK\r\nCSeq: 2\r\nDate: ${LIVE555_DATE}\r\n` +
      'Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER\r\n\r\n',
    expected: res(200, 'OK', [
      ['CSeq', '2'],
      ['Date', LIVE555_DATE],
      ['Public', 'OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER'],
    ]),
  },
  {
    name: 'DESCRIBE response with an SDP body',
    raw:
      'RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Base: rtsp://192.168.1.20:8554/cam/\r\n' +
      `Content-Type: application/sdp\r\nContent-Length: 179\r\n\r\n${MJPEG_SDP}`,
    expected: res(
      200,
      'OK',
      [
        ['CSeq', '3'],
        ['Content-Base', 'rtsp://192.168.1.20:8554/cam/'],
        ['Content-Type', 'application/sdp'],
        ['Content-Length', '179'],
      ],
      MJPEG_SDP,
    ),
  },
  {
    name: 'live555 SETUP response',
    raw:
      `RTSP/1.0 200 OK\r\nCSeq: 4\r\nDate: ${LIVE555_DATE}\r\n` +
      'Transport: RTP/AVP;unicast;destination=192.168.1.30;source=192.168.1.20;client_port=56912-56913;server_port=6970-6971\r\n' +
      'Session: 2A4E6C8B;timeout=65\r\n\r\n',
    expected: res(200, 'OK', [
      ['CSeq', '4'],
      ['Date', LIVE555_DATE],
      ['Transport', 'RTP/AVP;unicast;destination=192.168.1.30;source=192.168.1.20;client_port=56912-56913;server_port=6970-6971'],
      ['Session', '2A4E6C8B;timeout=65'],
    ]),
  },
  {
    name: 'live555 PLAY response with RTP-Info',
    raw:
      `RTSP/1.0 200 OK\r\nCSeq: 5\r\nDate: ${LIVE555_DATE}\r\nRange: npt=0.000-\r\nSession: 2A4E6C8B\r\n` +
      'RTP-Info: url=rtsp://192.168.1.20:8554/cam/trackID=0;seq=3197;rtptime=2513358016\r\n\r\n',
    expected: res(200, 'OK', [
      ['CSeq', '5'],
      ['Date', LIVE555_DATE],
      ['Range', 'npt=0.000-'],
      ['Session', '2A4E6C8B'],
      ['RTP-Info', 'url=rtsp://192.168.1.20:8554/cam/trackID=0;seq=3197;rtptime=2513358016'],
    ]),
  },
  {
    name: '401 with a Digest challenge',
    raw: 'RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\nWWW-Authenticate: Digest realm="LIVE555 Streaming Media", nonce="a1b2c3d4"\r\n\r\n',
    expected: res(401, 'Unauthorized', [
      ['CSeq', '3'],
      ['WWW-Authenticate', 'Digest realm="LIVE555 Streaming Media", nonce="a1b2c3d4"'],
    ]),
  },
  {
    name: '461 with a multi-word reason',
    raw: 'RTSP/1.0 461 Unsupported Transport\r\nCSeq: 4\r\n\r\n',
    expected: res(461, 'Unsupported Transport', [['CSeq', '4']]),
  },
  {
    name: 'status line without a reason phrase (some cameras)',
    raw: 'RTSP/1.0 200\r\nCSeq: 1\r\n\r\n',
    expected: res(200, '', [['CSeq', '1']]),
  },
]
