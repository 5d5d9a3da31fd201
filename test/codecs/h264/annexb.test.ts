import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { LimitError, ParseError, RtspkitError } from '../../../src/errors.js'
import { AnnexBSplitter, joinAnnexB, splitAnnexB } from '../../../src/codecs/h264/annexb.js'
import { hex, splits } from '../../helpers/split.js'
import { addEmulationPrevention } from './fixtures.js'

/** Byte stream with every start-code shape: leading zeros, 4- and 3-byte start codes, trailing zeros. */
const STREAM = hex(
  '00 00' + //                 leading_zero_8bits
    '00 00 00 01 | 09 f0' + //   4-byte start code, AUD
    '00 00 01 | 67 42 c0 1e' + // 3-byte start code, SPS (truncated for the test)
    '00 00 00 01 | 68 ce 3c 80' + // PPS
    '00 00 00 00 00' + //        trailing_zero_8bits
    '00 00 01 | 65 88 00 00 03 01 84' + // IDR with an emulation-prevention byte
    '00 00 01' + //              a start code with an empty NAL unit
    '00 00 01 | 41 9a' + //      P slice
    '00 00', //                  trailing zeros at the end of the stream
)
const NALUS = ['09f0', '6742c01e', '68ce3c80', '6588000003 0184'.replace(/ /g, ''), '419a']

const hexes = (bufs: Buffer[]) => bufs.map((b) => b.toString('hex'))

describe('splitAnnexB', () => {
  it('splits on 3- and 4-byte start codes and trims zeros', () => {
    assert.deepEqual(hexes(splitAnnexB(STREAM)), NALUS)
  })

  it('returns views into the input', () => {
    const out = splitAnnexB(STREAM)
    assert.equal(out[0]!.buffer, STREAM.buffer)
  })

  it('accepts Uint8Array and empty input', () => {
    assert.deepEqual(hexes(splitAnnexB(new Uint8Array(STREAM))), NALUS)
    assert.deepEqual(splitAnnexB(hex('')), [])
    assert.deepEqual(splitAnnexB(hex('00 00 00')), [])
    assert.deepEqual(splitAnnexB(hex('00 00 01')), [])
  })

  it('rejects data before the first start code', () => {
    const bad = (e: unknown) => e instanceof ParseError && e.code === 'ERR_ANNEXB_START'
    assert.throws(() => splitAnnexB(hex('ff d8 ff e0')), bad) // a JPEG
    assert.throws(() => splitAnnexB(hex('12 00 00 01 67')), bad)
  })

  it('property: join then split gives the NAL units back', () => {
    const nalArb = fc.uint8Array({ minLength: 1, maxLength: 50 }).map((a) => {
      const b = Buffer.from(a)
      if (b[b.length - 1] === 0) b[b.length - 1] = 1 // a NAL unit ends in a non-zero byte
      return addEmulationPrevention(b)
    })
    fc.assert(
      fc.property(fc.array(nalArb, { maxLength: 10 }), (nalus) => {
        assert.deepEqual(hexes(splitAnnexB(joinAnnexB(nalus))), hexes(nalus))
      }),
    )
  })
})

describe('joinAnnexB', () => {
  it('writes 4-byte start codes', () => {
    assert.equal(joinAnnexB([hex('09f0'), new Uint8Array([0x41, 0x9a])]).toString('hex'), '0000000109f0' + '00000001419a')
    assert.equal(joinAnnexB([]).length, 0)
  })
})

describe('AnnexBSplitter', () => {
  function feed(chunks: Buffer[]): string[] {
    const s = new AnnexBSplitter()
    const out: Buffer[] = []
    for (const c of chunks) out.push(...s.push(c))
    out.push(...s.flush())
    return hexes(out)
  }

  it('gives the same NAL units for the stream split at every point', () => {
    for (const chunks of splits(STREAM)) assert.deepEqual(feed(chunks), NALUS, `split ${chunks.map((c) => c.length).join('+')}`)
  })

  it('returns a NAL unit as soon as the next start code arrives', () => {
    const s = new AnnexBSplitter()
    assert.deepEqual(hexes(s.push(hex('00 00 00 01 67 42'))), [])
    assert.deepEqual(hexes(s.push(hex('00 00 00 01 68'))), ['6742'])
    assert.deepEqual(hexes(s.flush()), ['68'])
    assert.deepEqual(s.flush(), [])
  })

  it('keeps returned views intact while the buffer grows', () => {
    const s = new AnnexBSplitter()
    const first = s.push(Buffer.concat([hex('00000001 41'), Buffer.alloc(1000, 0x11), hex('00000001 41')]))
    const big = Buffer.alloc(200_000, 0x22)
    s.push(big)
    const last = s.flush()
    assert.equal(first[0]!.length, 1001)
    assert.ok(first[0]!.subarray(1).every((b) => b === 0x11))
    assert.equal(last[0]!.length, 200_001)
  })

  it('rejects garbage before the first start code and NAL units over the limit', () => {
    assert.throws(
      () => new AnnexBSplitter().push(hex('47 40 00 10')),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_ANNEXB_START',
    )
    const s = new AnnexBSplitter({ maxNalSize: 10 })
    s.push(hex('00 00 01 41 01 02 03 04'))
    assert.throws(
      () => s.push(hex('05 06 07 08 09 10')),
      (e: unknown) => e instanceof LimitError && e.code === 'ERR_ANNEXB_NAL_SIZE',
    )
    // reset: a new stream is accepted
    assert.deepEqual(hexes(s.push(hex('00 00 01 09 f0 00 00 01'))), ['09f0'])
  })

  it('property: any chunking of any stream gives what splitAnnexB gives, or only ParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 6 }), (raw, cuts) => {
        // Bias towards streams with start codes.
        const stream = Buffer.concat([hex('000001'), Buffer.from(raw)])
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const chunks: Buffer[] = []
        let prev = 0
        for (const p of points) {
          chunks.push(stream.subarray(prev, p))
          prev = p
        }
        chunks.push(stream.subarray(prev))
        let expected: string[] | undefined
        try {
          expected = hexes(splitAnnexB(stream))
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
        }
        try {
          assert.deepEqual(feed(chunks), expected)
        } catch (e) {
          if (!(e instanceof RtspkitError)) throw e
          assert.equal(expected, undefined)
        }
      }),
    )
  })
})
