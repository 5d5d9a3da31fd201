import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { H264SampleEntry } from '../../../src/codecs/h264/mp4.js'
import { LimitError, ParseError, RtspkitError } from '../../../src/errors.js'
import { bufferByteSource } from '../../../src/formats/mp4/byte-source.js'
import { demuxMp4 } from '../../../src/formats/mp4/demuxer.js'
import { box, lengthPrefixed, minimalMovie, SPS } from './build.js'

const IDR = Buffer.from([0x65, 0x88, 0x84, 0x00])
const P = Buffer.from([0x41, 0x9a, 0x02])
const MOVIE = minimalMovie({ samples: [lengthPrefixed(IDR), lengthPrefixed(P), lengthPrefixed(P, P)], delta: 40, sync: [1] })

const demux = (buf: Buffer) => demuxMp4(bufferByteSource(buf))
const code = (c: string) => (e: unknown) => e instanceof ParseError && e.code === c

describe('MP4 demuxer', () => {
  it('reads a minimal movie: track, codec, sample table', () => {
    const m = demux(MOVIE)
    assert.deepEqual([m.brands, m.timescale, m.fragmented, m.tracks.length], [['isom', 'isom', 'avc1'], 1000, false, 1])
    const t = m.tracks[0]!
    assert.deepEqual([t.id, t.handler, t.timescale, t.width, t.height, t.entry.codec], [1, 'vide', 1000, 320, 240, 'h264'])
    assert.deepEqual(t.entry.codec === 'h264' && (t.entry as H264SampleEntry).sps, [SPS])
    assert.deepEqual(
      [t.samples.dts, t.samples.keyframe, t.samples.size],
      [
        [0, 40, 80],
        [true, false, false],
        [8, 7, 14],
      ],
    )
    assert.deepEqual(MOVIE.subarray(t.samples.offset[2], t.samples.offset[2]! + t.samples.size[2]!), lengthPrefixed(P, P))
  })

  it('says what is not an MP4 file, and what lacks a moov', () => {
    assert.throws(
      () => demux(Buffer.from('hello, this is not video\n')),
      (e: unknown) => code('ERR_MP4_NOT_MP4')(e) && /not an MP4 file/.test((e as Error).message),
    )
    assert.throws(() => demux(Buffer.alloc(0)), code('ERR_MP4_NOT_MP4'))
    assert.throws(
      () => demux(box('ftyp', Buffer.from('isom0000', 'latin1'))),
      (e: unknown) => code('ERR_MP4_NO_MOOV')(e) && /top-level boxes: ftyp/.test((e as Error).message),
    )
  })

  it('reports a truncated moov, and drops samples past the end of a truncated mdat', () => {
    const moovAt = MOVIE.indexOf('moov') - 4
    assert.throws(() => demux(MOVIE.subarray(0, moovAt + 40)), code('ERR_MP4_TRUNCATED'))
    const cut = demux(MOVIE.subarray(0, MOVIE.length - 10))
    assert.deepEqual([cut.tracks[0]!.samples.count, cut.tracks[0]!.truncatedSamples], [2, 1])
  })

  it('raises only RtspkitError subclasses on mutated and cut input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(MOVIE.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(MOVIE.length),
        (edits, cutAt) => {
          const buf = Buffer.from(MOVIE)
          for (const [at, value] of edits) buf[at] = value
          try {
            demux(buf.subarray(0, Math.max(1, cutAt)))
          } catch (err) {
            assert.ok(err instanceof RtspkitError, `not an RtspkitError: ${String(err)}`)
            assert.ok(err instanceof ParseError || err instanceof LimitError, err.constructor.name)
          }
        },
      ),
      { numRuns: 3000 },
    )
  })
})
