import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { formatRtpInfo, parseRtpInfo, type RtpInfoEntry } from '../../../src/rtsp/headers/rtp-info.js'

describe('RTP-Info header', () => {
  const cases: [string, string, RtpInfoEntry[]][] = [
    [
      'live555, one track',
      'url=rtsp://192.168.1.20:8554/cam/trackID=0;seq=3197;rtptime=2513358016',
      [{ url: 'rtsp://192.168.1.20:8554/cam/trackID=0', seq: 3197, rtptime: 2513358016 }],
    ],
    [
      'two tracks, RFC 2326 section 12.33 example shape, with spaces',
      'url=rtsp://foo.com/bar.avi/streamid=0;seq=45102, url=rtsp://foo.com/bar.avi/streamid=1;seq=30211',
      [
        { url: 'rtsp://foo.com/bar.avi/streamid=0', seq: 45102 },
        { url: 'rtsp://foo.com/bar.avi/streamid=1', seq: 30211 },
      ],
    ],
    [
      'a comma inside a url (odd servers) does not split',
      'url=rtsp://h/a,b/track1;seq=1;rtptime=2,url=rtsp://h/a,b/track2;seq=3;rtptime=4',
      [
        { url: 'rtsp://h/a,b/track1', seq: 1, rtptime: 2 },
        { url: 'rtsp://h/a,b/track2', seq: 3, rtptime: 4 },
      ],
    ],
    [
      'a ; inside a url before the parameters stays in the url',
      'url=rtsp://h/live;jsessionid=ab12/track1;seq=7',
      [{ url: 'rtsp://h/live;jsessionid=ab12/track1', seq: 7 }],
    ],
    ['empty values (IP cameras) are absent', 'url=rtsp://h/a/trackID=1;seq=;rtptime=', [{ url: 'rtsp://h/a/trackID=1' }]],
    [
      'RFC 7826 quoted url and ssrc',
      'url="rtsp://h/a/track1";ssrc=0A1B2C3D;seq=9',
      [{ url: 'rtsp://h/a/track1', ssrc: 0x0a1b2c3d, seq: 9 }],
    ],
    ['relative url', 'url=trackID=0;seq=0;rtptime=0', [{ url: 'trackID=0', seq: 0, rtptime: 0 }]],
    [
      'unknown vendor parameter after the known ones is skipped',
      'url=rtsp://h/a;seq=1;x-foo=bar;rtptime=5',
      [{ url: 'rtsp://h/a', seq: 1, rtptime: 5 }],
    ],
    [
      'max values and a trailing comma',
      'url=rtsp://h/a;seq=65535;rtptime=4294967295,',
      [{ url: 'rtsp://h/a', seq: 65535, rtptime: 4294967295 }],
    ],
  ]
  for (const [name, value, expected] of cases) {
    it(name, () => assert.deepEqual(parseRtpInfo(value), expected))
  }

  const bad: [string, string][] = [
    ['empty', ''],
    ['no url=', 'seq=1;rtptime=2'],
    ['empty url', 'url=;seq=1'],
    ['seq too large', 'url=rtsp://h/a;seq=65536'],
    ['rtptime too large', 'url=rtsp://h/a;rtptime=4294967296'],
    ['seq not a number', 'url=rtsp://h/a;seq=x1'],
  ]
  for (const [name, value] of bad) {
    it(`malformed: ${name} → ParseError`, () => {
      assert.throws(
        () => parseRtpInfo(value),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTSP_BAD_RTP_INFO',
      )
    })
  }

  it('format', () => {
    assert.equal(
      formatRtpInfo([
        { url: 'rtsp://h/p/trackID=0', seq: 1, rtptime: 2 },
        { url: 'rtsp://h/p/trackID=1', seq: 3 },
        { url: 'rtsp://h/p/trackID=2' },
      ]),
      'url=rtsp://h/p/trackID=0;seq=1;rtptime=2,url=rtsp://h/p/trackID=1;seq=3,url=rtsp://h/p/trackID=2',
    )
    assert.equal(formatRtpInfo([{ url: 'u', ssrc: 255 }]), 'url=u;ssrc=000000FF')
  })

  it('format → parse round trip', () => {
    for (const [, value] of cases) {
      const entries = parseRtpInfo(value)
      assert.deepEqual(parseRtpInfo(formatRtpInfo(entries)), entries)
    }
  })
})
