import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { splitAccessUnits } from '../../../src/codecs/h264/access-unit.js'
import { splitAnnexB } from '../../../src/codecs/h264/annexb.js'
import { H264ByteStreamParser, type H264AccessUnit } from '../../../src/codecs/h264/byte-stream-parser.js'
import { isVclType, nalType } from '../../../src/codecs/h264/nal.js'
import { ParseError, RtspkitError } from '../../../src/errors.js'
import { hex, splits } from '../../helpers/split.js'
import { makeClip, tempDir } from './fixtures.js'

const show = (aus: H264AccessUnit[]) => aus.map((au) => `${au.keyframe ? 'K' : '-'} ${au.nalus.map((n) => n.toString('hex')).join(' ')}`)

function feed(chunks: Buffer[]): { aus: H264AccessUnit[]; parser: H264ByteStreamParser } {
  const parser = new H264ByteStreamParser()
  const aus: H264AccessUnit[] = []
  for (const c of chunks) aus.push(...parser.push(c))
  aus.push(...parser.flush())
  return { aus, parser }
}

/** What the file sources get from the whole stream at once: the reference for the streaming parser. */
function reference(stream: Buffer): H264AccessUnit[] {
  return splitAccessUnits(splitAnnexB(stream))
    .filter((au) => au.some((n) => isVclType(nalType(n))))
    .map((au) => ({ nalus: au, keyframe: au.some((n) => nalType(n) === 5) }))
}

/** SPS (Baseline 320x240, 25 fps timing) + PPS + IDR, then two P pictures; 3- and 4-byte start codes. */
const SPS = hex('67 42c00d d90141fb011000000300100000030320f142a480')
const PPS = hex('68 cb83cb20')
const SMALL = Buffer.concat([
  hex('00 00 00 01'),
  SPS,
  hex('00 00 00 01'),
  PPS,
  hex('00 00 01 | 65 88 84 21'), //  IDR, first_mb_in_slice 0
  hex('00 00 00 01 | 41 9a 02'), //  P, first_mb_in_slice 0
  hex('00 00 01 | 41 9a 03 00'), //  P, with a trailing zero byte
])

describe('H264ByteStreamParser', () => {
  it('groups a byte stream into access units, fed at every split point and byte by byte', () => {
    const want = show(reference(SMALL))
    assert.equal(want.length, 3)
    assert.ok(want[0]!.startsWith('K 6742'))
    for (const chunks of splits(SMALL)) {
      const { aus, parser } = feed(chunks)
      assert.deepEqual(show(aus), want)
      assert.deepEqual(parser.sps, SPS)
      assert.deepEqual(parser.pps, PPS)
    }
  })

  it('gives an access unit once the first NAL unit of the next one is complete ("need more" is an empty array)', () => {
    const parser = new H264ByteStreamParser()
    const firstP = SMALL.indexOf(hex('00 00 00 01 41'))
    const secondP = SMALL.indexOf(hex('00 00 01 41'), firstP + 4)
    assert.deepEqual(parser.push(SMALL.subarray(0, firstP)), [])
    assert.equal(parser.spsInfo?.width, 320)
    assert.deepEqual(parser.push(SMALL.subarray(firstP, secondP)), [], 'the P slice is not known complete yet')
    assert.deepEqual(show(parser.push(SMALL.subarray(secondP))), show(reference(SMALL)).slice(0, 1))
    assert.deepEqual(show(parser.flush()), show(reference(SMALL)).slice(1))
  })

  it('throws ParseError for bytes before the first start code, then starts afresh', () => {
    const parser = new H264ByteStreamParser()
    assert.throws(
      () => parser.push(hex('47 40 00 10')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_ANNEXB_START',
    )
    const aus = [...parser.push(SMALL), ...parser.flush()]
    assert.deepEqual(show(aus), show(reference(SMALL)))
  })

  it('never throws anything but our errors on arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const parser = new H264ByteStreamParser()
        for (const c of [SMALL.subarray(0, 4), ...chunks]) {
          try {
            parser.push(c)
          } catch (e) {
            if (!(e instanceof RtspkitError)) throw e
          }
        }
      }),
    )
  })

  describe('on an x264 stream', () => {
    let dir: ReturnType<typeof tempDir>
    let clip: Buffer
    before(() => {
      dir = tempDir('bsp')
      clip = readFileSync(makeClip(dir.dir, 'small.264', { size: '64x48', frames: 4, args: ['-g', '2', '-bf', '0'] }))
    })
    after(() => dir.cleanup())

    it('matches the whole-file split for every split point, with keyframes and the SPS size', () => {
      const want = show(reference(clip))
      assert.equal(want.length, 4)
      assert.deepEqual(
        want.map((w) => w[0]),
        ['K', '-', 'K', '-'],
      )
      for (const chunks of splits(clip)) assert.deepEqual(show(feed(chunks).aus), want)
      const { parser } = feed([clip])
      assert.deepEqual([parser.spsInfo?.width, parser.spsInfo?.height], [64, 48])
    })
  })
})
