import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { renderMediaPlaylist, renderMultivariantPlaylist, targetDurationS, type MediaPlaylistInput } from '../../src/hls/playlist.js'

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 600)

function input(lowLatency: boolean): MediaPlaylistInput {
  const part = (id: number, independent = false) => ({ uri: `part${id}.mp4`, durationMs: 200, independent })
  return {
    lowLatency,
    discontinuitySequence: 0,
    longestSegmentMs: 1000,
    partTargetMs: 200,
    initUri: 'init.mp4',
    segments: [
      { msn: 3, uri: 'seg3.mp4', durationMs: 1000, wallMs: T0, parts: [0, 1, 2, 3, 4].map((i) => part(i, i === 0)) },
      { msn: 4, uri: 'seg4.mp4', durationMs: 400, wallMs: T0 + 1000, parts: [part(5, true), part(6)] },
    ],
    pendingParts: [part(7, true)],
    pendingWallMs: T0 + 1400,
    preloadHintUri: 'part8.mp4',
  }
}

describe('media playlists', () => {
  it('low latency: server control, part info, parts, preload hint (RFC 8216bis 4.4.4.9, 4.4.5.3)', () => {
    assert.equal(
      renderMediaPlaylist(input(true)),
      [
        '#EXTM3U',
        '#EXT-X-VERSION:9',
        '#EXT-X-TARGETDURATION:1',
        '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.6',
        '#EXT-X-PART-INF:PART-TARGET=0.2',
        '#EXT-X-MEDIA-SEQUENCE:3',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:05.600Z',
        '#EXT-X-PART:DURATION=0.2,URI="part0.mp4",INDEPENDENT=YES',
        '#EXT-X-PART:DURATION=0.2,URI="part1.mp4"',
        '#EXT-X-PART:DURATION=0.2,URI="part2.mp4"',
        '#EXT-X-PART:DURATION=0.2,URI="part3.mp4"',
        '#EXT-X-PART:DURATION=0.2,URI="part4.mp4"',
        '#EXTINF:1,',
        'seg3.mp4',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:06.600Z',
        '#EXT-X-PART:DURATION=0.2,URI="part5.mp4",INDEPENDENT=YES',
        '#EXT-X-PART:DURATION=0.2,URI="part6.mp4"',
        '#EXTINF:0.4,',
        'seg4.mp4',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:07.000Z',
        '#EXT-X-PART:DURATION=0.2,URI="part7.mp4",INDEPENDENT=YES',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part8.mp4"',
        '',
      ].join('\n'),
    )
  })

  it('plain fMP4: segments only, version 7', () => {
    const text = renderMediaPlaylist(input(false))
    assert.match(text, /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:3\n/)
    assert.doesNotMatch(text, /EXT-X-PART|PRELOAD|SERVER-CONTROL/)
    assert.match(text, /#EXTINF:0.4,\nseg4.mp4\n$/)
  })

  it('after a new feeder: EXT-X-DISCONTINUITY-SEQUENCE after the media sequence', () => {
    const text = renderMediaPlaylist({ ...input(true), discontinuitySequence: 2 })
    assert.match(text, /#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n#EXT-X-INDEPENDENT-SEGMENTS\n/)
  })

  it('lists parts only for the segments within 3 target durations of the live edge', () => {
    const p = input(true)
    const many = Array.from({ length: 6 }, (_, i) => ({ ...p.segments[0]!, msn: i, uri: `seg${i}.mp4` }))
    const text = renderMediaPlaylist({ ...p, segments: many })
    assert.equal(text.split('\n').filter((l) => l.startsWith('#EXT-X-PART:')).length, 3 * 5 + 1)
    assert.ok(text.indexOf('#EXT-X-PART:') > text.indexOf('seg2.mp4'))
  })

  it('target duration: the longest segment rounded to the nearest second, at least 1', () => {
    assert.deepEqual([300, 1000, 1499, 1500, 2040, 9999].map(targetDurationS), [1, 1, 1, 2, 2, 10])
  })
})

describe('multivariant playlists', () => {
  it('one variant with bandwidth, codecs, resolution and frame rate', () => {
    assert.equal(
      renderMultivariantPlaylist({
        lowLatency: true,
        bandwidth: 1234567.8,
        codecs: ['avc1.64001f', 'mp4a.40.2'],
        width: 1280,
        height: 720,
        fps: 25,
        uri: 'stream.m3u8?session=ab',
      }),
      '#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=1234568,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000\nstream.m3u8?session=ab\n',
    )
  })

  it('leaves CODECS out when one is unknown rather than guess', () => {
    const text = renderMultivariantPlaylist({ lowLatency: false, bandwidth: 0, codecs: ['avc1.64001f', undefined], uri: 's.m3u8' })
    assert.match(text, /#EXT-X-STREAM-INF:BANDWIDTH=1\ns.m3u8\n$/)
  })
})
