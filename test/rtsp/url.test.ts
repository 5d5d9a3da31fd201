import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../src/errors.js'
import { formatRtspUrl, parseRtspUrl, stripCredentials, type RtspUrl } from '../../src/rtsp/url.js'

describe('parseRtspUrl', () => {
  const cases: [string, RtspUrl][] = [
    ['rtsp://127.0.0.1:8554/live', { scheme: 'rtsp', host: '127.0.0.1', port: 8554, path: '/live', query: '' }],
    [
      'rtsp://user:p%40ss@host:8554/cam/trackID=1',
      { scheme: 'rtsp', host: 'host', port: 8554, path: '/cam/trackID=1', query: '', username: 'user', password: 'p@ss' },
    ],
    ['rtsp://[::1]:8554/cam', { scheme: 'rtsp', host: '[::1]', port: 8554, path: '/cam', query: '' }],
    ['rtsp://[fe80::1%25eth0]/x', { scheme: 'rtsp', host: '[fe80::1%25eth0]', path: '/x', query: '' }],
    ['rtsp://camera.local', { scheme: 'rtsp', host: 'camera.local', path: '/', query: '' }],
    ['rtsp://camera.local:554', { scheme: 'rtsp', host: 'camera.local', port: 554, path: '/', query: '' }],
    ['rtsp://camera.local?channel=1', { scheme: 'rtsp', host: 'camera.local', path: '/', query: 'channel=1' }],
    [
      'rtsp://10.0.0.2/Streaming/Channels/101?transportmode=unicast&profile=Profile_1',
      { scheme: 'rtsp', host: '10.0.0.2', path: '/Streaming/Channels/101', query: 'transportmode=unicast&profile=Profile_1' },
    ],
    ['rtsps://h:322/a%20b/', { scheme: 'rtsps', host: 'h', port: 322, path: '/a b/', query: '' }],
    ['RTSPU://H/x', { scheme: 'rtspu', host: 'H', path: '/x', query: '' }],
    [
      'rtsp://admin:p@ss@10.0.0.2/live', // unescaped '@' in the password (cameras)
      { scheme: 'rtsp', host: '10.0.0.2', path: '/live', query: '', username: 'admin', password: 'p@ss' },
    ],
    ['rtsp://admin@h/', { scheme: 'rtsp', host: 'h', path: '/', query: '', username: 'admin' }],
    ['rtsp://:secret@h/', { scheme: 'rtsp', host: 'h', path: '/', query: '', username: '', password: 'secret' }],
    ['rtsp://h:/a', { scheme: 'rtsp', host: 'h', path: '/a', query: '' }],
    ['/cam', { scheme: 'rtsp', host: '', path: '/cam', query: '' }],
    ['/cam/trackID=0?x=1', { scheme: 'rtsp', host: '', path: '/cam/trackID=0', query: 'x=1' }],
    ['*', { scheme: 'rtsp', host: '', path: '*', query: '' }],
    ['movie.Mjpeg', { scheme: 'rtsp', host: '', path: '/movie.Mjpeg', query: '' }],
  ]
  for (const [uri, expected] of cases) {
    it(uri, () => assert.deepEqual(parseRtspUrl(uri), expected))
  }

  const bad: [string, string][] = [
    ['empty', ''],
    ['http scheme', 'http://h/a'],
    ['no //', 'rtsp:h/a'],
    ['empty host', 'rtsp:///a'],
    ['empty host with port', 'rtsp://:554/a'],
    ['port not a number', 'rtsp://h:abc/a'],
    ['port out of range', 'rtsp://h:65536/a'],
    ['space', 'rtsp://h/a b'],
    ['control character', 'rtsp://h/a\x01'],
    ['bad percent-encoding', 'rtsp://h/%zz'],
    ['unclosed IPv6', 'rtsp://[::1/a'],
    ['junk after IPv6', 'rtsp://[::1]x/a'],
  ]
  for (const [name, uri] of bad) {
    it(`malformed: ${name} → ParseError`, () => {
      assert.throws(
        () => parseRtspUrl(uri),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_RTSP_BAD_URL',
      )
    })
  }
})

describe('stripCredentials', () => {
  const cases: [string, string][] = [
    ['rtsp://user:p%40ss@host:8554/cam/trackID=1', 'rtsp://host:8554/cam/trackID=1'],
    ['rtsp://admin:p@ss@10.0.0.2/live?x=@', 'rtsp://10.0.0.2/live?x=@'],
    ['rtsp://host/a@b', 'rtsp://host/a@b'],
    ['rtsp://host/', 'rtsp://host/'],
    ['/cam', '/cam'],
    ['not a url', 'not a url'],
  ]
  for (const [uri, expected] of cases) {
    it(uri, () => assert.equal(stripCredentials(uri), expected))
  }
})

describe('formatRtspUrl', () => {
  it('round trips', () => {
    for (const uri of ['rtsp://user:p%40ss@host:8554/cam/trackID=1', 'rtsp://[::1]:8554/cam?x=1', 'rtsps://h/a%20b/', '/cam', '*']) {
      assert.equal(formatRtspUrl(parseRtspUrl(uri)), uri)
    }
  })
})
