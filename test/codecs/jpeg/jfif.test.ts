import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseJfif } from '../../../src/codecs/jpeg/jfif.js'
import { CodecError, ParseError } from '../../../src/errors.js'
import { hex } from '../../helpers/split.js'
import { ffmpegDecode, ffmpegMakeJpeg } from './ffmpeg-helper.js'
import { FLAT_MCU_SCAN, Q50_TABLES_HEX, RFC2435_CHROMA, RFC2435_LUMA, flat16Jpeg, vec } from './vectors.js'

const LUMA_HEX = Q50_TABLES_HEX.slice(0, 128)
const CHROMA_HEX = Q50_TABLES_HEX.slice(128)

/**
 * A 32x8 4:2:2 (RFC 2435 type 0) JPEG written by hand, with segments a parser must skip, separate DQT
 * segments, no DHT (Annex K tables assumed), a restart interval of one MCU and fill bytes.
 * One 4:2:2 MCU of flat grey: Y0 Y1 '001010' ×2, Cb Cr '00'+'00' ×2 = 20 bits, padded with 1-bits:
 *   0010 1000 | 1010 0000 | 0000 1111 = 28 a0 0f
 */
const TYPE0_JPEG = vec(`
  ffd8                                      // SOI
  ffe0 0010 4a46494600 0101 00 0001 0001 0000 // APP0 "JFIF", version 1.1, no units, 1:1, no thumbnail
  fffe 0005 686921                          // COM "hi!"
  ffdb 0043 00 ${LUMA_HEX}                  // DQT: Pq 0 Tq 0, 64 bytes
  ffdb 0043 01 ${CHROMA_HEX}                // DQT: Pq 0 Tq 1
  ffc0 0011                                 // SOF0, length 17
  08                                        // 8-bit samples
  0008 0020                                 // height 8, width 32
  03                                        // 3 components
  01 21 00                                  // Y: H=2 V=1, table 0
  02 11 01                                  // Cb: 1x1, table 1
  03 11 01                                  // Cr: 1x1, table 1
  ffdd 0004 0001                            // DRI: restart every MCU
  ff                                        // a fill byte before the next marker
  ffda 000c 03 0100 0211 0311 00 3f 00      // SOS: Y tables 0/0, Cb and Cr 1/1, Ss 0, Se 63, Ah/Al 0
  28a00f ffd0 28a00f                        // MCU 0, RST0, MCU 1
  ff ffd9                                   // fill byte, EOI
`)

/** Copy of `buf` with the bytes at the first occurrence of `find` (plus `at`) replaced. */
function patch(buf: Buffer, find: string, at: number, bytes: string): Buffer {
  const out = Buffer.from(buf)
  const i = out.indexOf(hex(find))
  assert.ok(i >= 0, `${find} not found`)
  hex(bytes).copy(out, i + at)
  return out
}

const isUnsupported = (e: unknown): boolean => e instanceof CodecError && e.code === 'ERR_JPEG_UNSUPPORTED'

describe('parseJfif', () => {
  it('parses the hand-written type 0 vector', () => {
    const info = parseJfif(TYPE0_JPEG)
    assert.equal(info.type, 0)
    assert.equal(info.width, 32)
    assert.equal(info.height, 8)
    assert.equal(info.restartInterval, 1)
    assert.deepEqual([...info.quantTables[0]!], RFC2435_LUMA)
    assert.deepEqual([...info.quantTables[1]!], RFC2435_CHROMA)
    assert.deepEqual(info.scan, hex('28a00f ffd0 28a00f'), 'the scan stops before the fill byte and EOI')
    // Views, not copies.
    assert.equal(info.scan.buffer, TYPE0_JPEG.buffer)
    // And it is a real JPEG.
    assert.equal(ffmpegDecode(TYPE0_JPEG, 'gray').length, 32 * 8)
  })

  it('parses our encoder output', () => {
    const info = parseJfif(flat16Jpeg())
    assert.equal(info.type, 1)
    assert.deepEqual(info.scan, FLAT_MCU_SCAN)
  })

  it('accepts a Uint8Array', () => {
    assert.equal(parseJfif(new Uint8Array(TYPE0_JPEG)).width, 32)
  })

  it('rejects what RFC 2435 cannot carry with ERR_JPEG_UNSUPPORTED', () => {
    const cases: Array<[string, Buffer]> = [
      ['progressive SOF2', patch(TYPE0_JPEG, 'ffc0', 1, 'c2')],
      ['extended sequential SOF1', patch(TYPE0_JPEG, 'ffc0', 1, 'c1')],
      ['arithmetic SOF9', patch(TYPE0_JPEG, 'ffc0', 1, 'c9')],
      ['12-bit samples', patch(TYPE0_JPEG, 'ffc0', 4, '0c')],
      ['4:4:4', patch(TYPE0_JPEG, 'ffc0 0011', 11, '11')],
      ['chroma 2x1', patch(TYPE0_JPEG, 'ffc0 0011', 14, '21')],
      ['Cb and Cr on different tables', patch(TYPE0_JPEG, 'ffc0 0011', 18, '02')],
      ['width 2048', patch(TYPE0_JPEG, 'ffc0 0011', 7, '0800')],
      ['height 2041', patch(TYPE0_JPEG, 'ffc0 0011', 5, '07f9')],
      ['DNL height 0', patch(TYPE0_JPEG, 'ffc0 0011', 5, '0000')],
      ['16-bit quantization table', patch(TYPE0_JPEG, 'ffdb 0043 00', 4, '10')],
      ['chroma on Huffman table 0', patch(TYPE0_JPEG, 'ffda 000c', 7, '00')],
      ['a non-interleaved scan', patch(TYPE0_JPEG, 'ffda 000c', 4, '01')],
      ['a progressive scan header', patch(TYPE0_JPEG, 'ffda 000c', 12, '0105')],
    ]
    for (const [name, buf] of cases) assert.throws(() => parseJfif(buf), isUnsupported, name)
  })

  it('rejects one component and non-standard Huffman tables', () => {
    const gray = vec(`
      ffd8 ffdb 0043 00 ${LUMA_HEX}
      ffc0 000b 08 0008 0008 01 01 11 00   // SOF0 with one component
      ffda 0008 01 0100 00 3f 00 00 ffd9
    `)
    assert.throws(() => parseJfif(gray), isUnsupported)
    // DHT redefining DC table 0 with every code one bit longer.
    const dht = vec('ffc4 001f 00 00 00 01 05 01 01 01 01 01 01 00 00 00 00 00 00 000102030405060708090a0b')
    const custom = Buffer.concat([TYPE0_JPEG.subarray(0, 2), dht, TYPE0_JPEG.subarray(2)])
    assert.throws(() => parseJfif(custom), isUnsupported)
    // The standard table is fine.
    const std = vec('ffc4 001f 00 00 01 05 01 01 01 01 01 01 00 00 00 00 00 00 00 000102030405060708090a0b')
    assert.equal(parseJfif(Buffer.concat([TYPE0_JPEG.subarray(0, 2), std, TYPE0_JPEG.subarray(2)])).width, 32)
  })

  it('accepts ffmpeg JPEGs with the default Huffman tables and rejects optimised ones', () => {
    const def = ffmpegMakeJpeg(64, 48, ['-huffman', 'default', '-pix_fmt', 'yuvj420p'])
    const info = parseJfif(def)
    assert.equal(info.type, 1)
    assert.equal(info.width, 64)
    assert.equal(info.height, 48)
    const opt = ffmpegMakeJpeg(64, 48, ['-huffman', 'optimal', '-pix_fmt', 'yuvj420p'])
    assert.throws(() => parseJfif(opt), isUnsupported)
  })

  it('every truncation is a ParseError', () => {
    for (const src of [TYPE0_JPEG, flat16Jpeg()]) {
      for (let i = 0; i < src.length - 1; i++) {
        assert.throws(() => parseJfif(src.subarray(0, i)), ParseError, `cut at ${i}`)
      }
    }
  })

  it('malformed input is a ParseError', () => {
    const cases: Array<[string, Buffer]> = [
      ['not a JPEG', Buffer.from('hello world')],
      ['empty', Buffer.alloc(0)],
      ['garbage after SOI', hex('ffd8 0102 0304')],
      ['segment length 1', hex('ffd8 ffe0 0001 ffd9')],
      ['segment past the end', hex('ffd8 ffe0 00ff 00')],
      ['EOI before the scan', hex('ffd8 ffd9')],
      ['SOS before SOF', hex('ffd8 ffda 000c 03 0100 0211 0311 00 3f 00 ffd9')],
      ['DQT id 5', patch(TYPE0_JPEG, 'ffdb 0043 00', 4, '05')],
      ['DRI length 3', patch(TYPE0_JPEG, 'ffdd 0004', 2, '0005')],
      ['missing quantization table', patch(TYPE0_JPEG, 'ffdb 0043 01', 4, '02')],
    ]
    for (const [name, buf] of cases) assert.throws(() => parseJfif(buf), ParseError, name)
  })
})
