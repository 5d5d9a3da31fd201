import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { BoxFieldReader, children, parseBoxHeader, readBoxes, requireChild } from '../../../src/formats/mp4/box-reader.js'
import { vec as hex } from './build.js'

/** Every non-empty proper prefix of `buf` must raise ParseError (a parse never reads past what it was given). */
function assertPrefixesFail(buf: Buffer, parse: (b: Buffer) => unknown): void {
  for (let n = 1; n < buf.length; n++) assert.throws(() => parse(buf.subarray(0, n)), ParseError, `prefix of ${n} bytes`)
}

describe('MP4 box reader', () => {
  it('reads boxes laid end to end, with bodies as views', () => {
    const buf = hex(`
      0000000c | 66726565 | 01020304  // size 12, 'free', 4 bytes of body
      00000008 | 736b6970  // size 8, 'skip', empty body
    `)
    const boxes = readBoxes(buf)
    assert.deepEqual(
      boxes.map((b) => [b.type, b.start, b.headerSize, b.end]),
      [
        ['free', 0, 8, 12],
        ['skip', 12, 8, 20],
      ],
    )
    assert.deepEqual([...boxes[0]!.body], [1, 2, 3, 4])
    assert.equal(boxes[0]!.body.buffer, buf.buffer, 'a view, not a copy')
  })

  it('reads a 64-bit largesize', () => {
    const buf = hex(`
      00000001 | 6d646174 | 0000000000000013  // size 1: largesize follows; 'mdat'; largesize 19
      aabbcc  // 3 bytes of body
    `)
    const [b] = readBoxes(buf)
    assert.deepEqual([b!.type, b!.headerSize, b!.end, b!.body.length], ['mdat', 16, 19, 3])
  })

  it('reads size 0 as "to the end of the container"', () => {
    const buf = hex(`
      00000008 | 66726565  // 'free', empty
      00000000 | 6d646174 | 0102030405  // size 0: 'mdat' runs to the end
    `)
    const boxes = readBoxes(buf)
    assert.deepEqual(
      boxes.map((b) => [b.type, b.end]),
      [
        ['free', 8],
        ['mdat', 21],
      ],
    )
    assert.equal(boxes[1]!.body.length, 5)
  })

  it("skips a 'uuid' box's usertype", () => {
    const buf = hex(`00000019 | 75756964 | 000102030405060708090a0b0c0d0e0f | ff`) // size 25, 'uuid', usertype, 1 byte
    const [b] = readBoxes(buf)
    assert.deepEqual([b!.headerSize, [...b!.body]], [24, [0xff]])
  })

  it('keeps file offsets for the children of a box', () => {
    const buf = hex(`
      00000018 | 6d6f6f76  // 'moov', 24 bytes
      00000010 | 7472616b  // 'trak', 16 bytes
      00000008 | 746b6864  // 'tkhd', empty
    `)
    const moov = readBoxes(buf, 0, buf.length, 1000)[0]!
    assert.equal(moov.start, 1000)
    const trak = requireChild(moov, 'trak')
    assert.deepEqual([trak.start, trak.end], [1008, 1024])
    assert.deepEqual(
      children(trak).map((b) => [b.type, b.start]),
      [['tkhd', 1016]],
    )
    assert.throws(
      () => requireChild(moov, 'mvhd'),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_MP4_MISSING_BOX' && /'moov' box has no 'mvhd'/.test(e.message),
    )
  })

  it('refuses sizes smaller than the header or past the container, and cut headers', () => {
    const code = (c: string) => (e: unknown) => e instanceof ParseError && e.code === c
    assert.throws(() => readBoxes(hex('00000004 | 66726565')), code('ERR_MP4_BOX_SIZE')) // size 4 < 8
    assert.throws(() => readBoxes(hex('00000010 | 66726565 | 00')), code('ERR_MP4_BOX_SIZE')) // 16 > 9 available
    assert.throws(() => readBoxes(hex('00000001 | 6d646174 | 0000000000000008')), code('ERR_MP4_BOX_SIZE')) // largesize 8 < 16
    assert.throws(() => readBoxes(hex('00000008 | 00010203')), code('ERR_MP4_BOX_TYPE')) // type not printable
    assert.throws(() => readBoxes(hex('00000001 | 6d646174 | ffffffffffffffff')), code('ERR_MP4_VALUE')) // beyond 2^53
    assertPrefixesFail(hex('00000001 | 6d646174 | 0000000000000010'), (b) => parseBoxHeader(b, 0, 16))
    assertPrefixesFail(hex('0000000c | 66726565 | 01020304'), (b) => readBoxes(b).length === 1 || assert.fail())
  })

  it('lets a top-level box run past the end when the caller asks (a truncated mdat)', () => {
    const h = parseBoxHeader(hex('00001000 | 6d646174'), 100, 200, true)
    assert.deepEqual([h.type, h.end], ['mdat', 100 + 0x1000])
  })

  it('reads fields with a length check before each', () => {
    const r = new BoxFieldReader(hex('01 000002 | fffe | 00000003 | ffffffff | 0000000100000000 | ab'), "'test' box")
    assert.deepEqual(r.fullBox(), { version: 1, flags: 2 })
    assert.equal(r.i16(), -2)
    assert.equal(r.u32(), 3)
    assert.equal(r.i32(), -1)
    assert.equal(r.u64(), 2 ** 32)
    assert.equal(r.remaining, 1)
    assert.throws(
      () => r.u16(),
      (e: unknown) => e instanceof ParseError && e.code === 'ERR_MP4_TRUNCATED' && /'test' box is truncated/.test(e.message),
    )
    assert.throws(() => r.needEntries(1, 2), ParseError)
    assert.equal(r.u8(), 0xab)
  })
})
