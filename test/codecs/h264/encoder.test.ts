/**
 * Unit tests of the H.264 encoder's pieces: the RBSP bit writer and exp-Golomb codes (H.264 9.1), NAL
 * emulation prevention (7.4.1), the CAVLC tables and residual writer (9.2) against known vectors, and
 * the parameter sets read back by our own SPS parser.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ResidualWriter, NC_CHROMA_DC } from '../../../src/codecs/h264/encoder/cavlc.js'
import * as tables from '../../../src/codecs/h264/encoder/cavlc-tables.js'
import { H264Encoder } from '../../../src/codecs/h264/encoder/encoder.js'
import { chooseLevel, parameterSetNals } from '../../../src/codecs/h264/encoder/parameter-sets.js'
import { RbspWriter, escapeRbsp } from '../../../src/codecs/h264/encoder/rbsp-writer.js'
import { NalType, nalType, toRbsp } from '../../../src/codecs/h264/nal.js'
import { parseSps } from '../../../src/codecs/h264/sps.js'
import { BitReader } from '../../../src/util/bit-reader.js'

/** The bits written so far as a '0'/'1' string (the writer padded to a byte boundary with zeros). */
function bits(w: RbspWriter): string {
  const n = w.bitLength
  const pad = (8 - (n % 8)) % 8
  if (pad) w.writeBits(pad, 0)
  return [...w.rbsp()]
    .map((b) => b.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, n)
}

describe('RbspWriter', () => {
  it('writes ue(v) and se(v) as in H.264 Table 9-2 and 9-3', () => {
    const ue: Array<[number, string]> = [
      [0, '1'],
      [1, '010'],
      [2, '011'],
      [3, '00100'],
      [6, '00111'],
      [7, '0001000'],
      [254, '000000011111111'],
      [65535, '000000000000000010000000000000000'],
    ]
    for (const [v, code] of ue) {
      const w = new RbspWriter()
      w.writeUe(v)
      assert.equal(bits(w), code, `ue(${v})`)
    }
    const se: Array<[number, string]> = [
      [0, '1'],
      [1, '010'],
      [-1, '011'],
      [2, '00100'],
      [-2, '00101'],
      [-3, '00111'],
    ]
    for (const [v, code] of se) {
      const w = new RbspWriter()
      w.writeSe(v)
      assert.equal(bits(w), code, `se(${v})`)
    }
  })

  it('packs fields across byte boundaries and ends with rbsp_trailing_bits', () => {
    const w = new RbspWriter()
    w.writeBits(3, 0b101)
    w.writeBits(7, 0b1100110)
    w.writeU32(0xdeadbeef)
    w.writeTrailingBits()
    // 101 1100110 | 11011110 10101101 10111110 11101111 | 1 then 5 zero bits
    assert.deepEqual([...w.rbsp()], [0b10111001, 0b10110111, 0b10101011, 0b01101111, 0b10111011, 0b11100000])
  })

  it('refuses a write wider than 24 bits and a view of an unaligned RBSP', () => {
    const w = new RbspWriter()
    assert.throws(() => w.writeBits(25, 0), { code: 'ERR_BITS_WIDTH' })
    w.writeBits(1, 1)
    assert.throws(() => w.rbsp(), { code: 'ERR_RBSP_ALIGNMENT' })
  })

  it('inserts emulation prevention bytes after two zero bytes before 00..03 only', () => {
    const hdr = 0x65
    assert.deepEqual([...escapeRbsp(hdr, Uint8Array.from([0, 0, 1]))], [hdr, 0, 0, 3, 1])
    assert.deepEqual([...escapeRbsp(hdr, Uint8Array.from([0, 0, 0, 0]))], [hdr, 0, 0, 3, 0, 0])
    assert.deepEqual([...escapeRbsp(hdr, Uint8Array.from([0, 0, 4, 0, 0, 3]))], [hdr, 0, 0, 4, 0, 0, 3, 3])
    assert.deepEqual([...escapeRbsp(hdr, Uint8Array.from([1, 0, 2, 0]))], [hdr, 1, 0, 2, 0])
  })

  it('property: what it writes, our BitReader reads back, also through emulation prevention', () => {
    type Field =
      { kind: 'ue'; v: number } | { kind: 'se'; v: number } | { kind: 'bits'; n: number; v: number } | { kind: 'zeros'; n: number }
    const field: fc.Arbitrary<Field> = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 31 - 2 }).map((v) => ({ kind: 'ue' as const, v })),
      fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map((v) => ({ kind: 'se' as const, v })),
      fc.integer({ min: 0, max: 24 }).chain((n) => fc.integer({ min: 0, max: 2 ** n - 1 }).map((v) => ({ kind: 'bits' as const, n, v }))),
      fc.integer({ min: 0, max: 40 }).map((n) => ({ kind: 'zeros' as const, n })),
    )
    fc.assert(
      fc.property(fc.array(field, { maxLength: 60 }), (fields) => {
        const w = new RbspWriter()
        for (const f of fields) {
          if (f.kind === 'ue') w.writeUe(f.v)
          else if (f.kind === 'se') w.writeSe(f.v)
          else if (f.kind === 'bits') w.writeBits(f.n, f.v)
          else w.writeZeros(f.n)
        }
        w.writeTrailingBits()
        const nal = w.toNal(0x01)
        for (let i = 3; i < nal.length; i++) {
          assert.ok(!(nal[i - 2] === 0 && nal[i - 1] === 0 && nal[i]! <= 2), `no start code prefix inside the NAL unit at ${i}`)
        }
        const r = new BitReader(toRbsp(nal.subarray(1)))
        for (const f of fields) {
          if (f.kind === 'ue') assert.equal(r.readUe(), f.v)
          else if (f.kind === 'se') assert.equal(r.readSe(), f.v)
          else if (f.kind === 'bits') assert.equal(f.n === 0 ? 0 : r.readBits(f.n), f.v)
          else for (let i = 0; i < f.n; i++) assert.equal(r.readBit(), 0)
        }
        assert.equal(r.readBit(), 1, 'rbsp_stop_one_bit')
      }),
      { numRuns: 300 },
    )
  })
})

/** Residual block bits for levels given in scan order. */
function residual(levels: number[], maxNumCoeff: number, nC: number): string {
  const w = new RbspWriter()
  const total = new ResidualWriter().write(w, Int32Array.from(levels), 0, maxNumCoeff, nC)
  assert.equal(total, levels.filter((l) => l !== 0).length)
  return bits(w)
}

describe('CAVLC', () => {
  it('codes the textbook 4x4 block (0 3 0 1 -1 -1 0 1, nC 0)', () => {
    // Richardson, "The H.264 Advanced Video Compression Standard", CAVLC example 1:
    // coeff_token 0000100 (5 coefficients, 3 trailing ones), signs 0 1 1, level +1 "1",
    // level +3 "0010", total_zeros 3 "111", run_before 1 "10", 0 "1", 0 "1", 1 "01".
    assert.equal(residual([0, 3, 0, 1, -1, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 16, 0), '000010001110010111101101')
  })

  it('codes empty blocks with the coeff_token of each nC range', () => {
    const empty = new Array<number>(16).fill(0)
    assert.equal(residual(empty, 16, 0), '1')
    assert.equal(residual(empty, 16, 3), '11')
    assert.equal(residual(empty, 16, 5), '1111')
    assert.equal(residual(empty, 16, 9), '000011')
    assert.equal(residual([0, 0, 0, 0], 4, NC_CHROMA_DC), '01')
  })

  it('codes chroma DC and single coefficients from Tables 9-5, 9-9a', () => {
    // One trailing one (+1) at DC: coeff_token nC=-1 TotalCoeff 1 T1 1 is "1", sign 0, total_zeros 0 is "1".
    assert.equal(residual([1, 0, 0, 0], 4, NC_CHROMA_DC), '101')
    // -2 at position 2 with nC 0: coeff_token (1, 0) "000101", level -2 -> levelCode 3 - 2 = 1 -> "01",
    // total_zeros 2 for TotalCoeff 1 is "010".
    assert.equal(residual([0, 0, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 16, 0), '00010101010')
    // A large level escapes with level_prefix 15 (suffixLength 0: levelCode 30 + 12-bit suffix).
    const big = residual([100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 16, 0)
    assert.equal(big, '000101' + '0000000000000001' + (2 * 100 - 2 - 2 - 30).toString(2).padStart(12, '0') + '1')
  })

  it('every table is a prefix-free code (no transcription slip makes one code start another)', () => {
    const check = (lengths: readonly number[], codes: readonly number[], what: string): void => {
      const words = lengths.flatMap((n, i) => (n > 0 ? [codes[i]!.toString(2).padStart(n, '0')] : []))
      assert.equal(new Set(words).size, words.length, `${what}: duplicate codes`)
      for (const a of words) for (const b of words) if (a !== b) assert.ok(!b.startsWith(a), `${what}: ${a} is a prefix of ${b}`)
      const kraft = words.reduce((s, w) => s + 2 ** -w.length, 0)
      assert.ok(kraft <= 1 + 1e-12, `${what}: Kraft sum ${kraft}`)
    }
    tables.COEFF_TOKEN_LENGTHS.forEach((l, i) => check(l, tables.COEFF_TOKEN_CODES[i]!, `coeff_token table ${i}`))
    check(tables.CHROMA_DC_COEFF_TOKEN_LENGTHS, tables.CHROMA_DC_COEFF_TOKEN_CODES, 'chroma DC coeff_token')
    tables.TOTAL_ZEROS_LENGTHS.forEach((l, i) => check(l, tables.TOTAL_ZEROS_CODES[i]!, `total_zeros ${i + 1}`))
    tables.CHROMA_DC_TOTAL_ZEROS_LENGTHS.forEach((l, i) =>
      check(l, tables.CHROMA_DC_TOTAL_ZEROS_CODES[i]!, `chroma DC total_zeros ${i + 1}`),
    )
    tables.RUN_BEFORE_LENGTHS.forEach((l, i) => check(l, tables.RUN_BEFORE_CODES[i]!, `run_before ${i + 1}`))
    // Table sizes: 17 TotalCoeff values x 4 TrailingOnes; total_zeros rows have 17 - TotalCoeff entries.
    for (const l of tables.COEFF_TOKEN_LENGTHS) assert.equal(l.length, 68)
    tables.TOTAL_ZEROS_LENGTHS.forEach((l, i) => assert.equal(l.length, 16 - i))
  })
})

describe('parameter sets', () => {
  it('our SPS parser reads back the profile, level, size (with cropping) and frame rate', () => {
    for (const [width, height, fps, level] of [
      [640, 480, 25, 30],
      [50, 38, 10, 10],
      [1280, 720, 30, 31],
      [1920, 1080, 30, 40],
      [2040, 2040, 25, 50],
    ] as const) {
      const { sps, pps } = parameterSetNals({ width, height, fps, qp: 28 })
      assert.equal(nalType(sps), NalType.SPS)
      assert.equal(nalType(pps), NalType.PPS)
      const info = parseSps(sps)
      assert.equal(info.profileIdc, 66)
      assert.equal(info.constraintFlags & 0xc0, 0xc0, 'Constrained Baseline')
      assert.equal(info.levelIdc, level, `${width}x${height}@${fps}`)
      assert.deepEqual([info.width, info.height, info.fps], [width, height, fps])
      assert.equal(info.chromaFormatIdc, 1)
    }
    assert.equal(chooseLevel(40, 30, 25), 30)
    assert.equal(chooseLevel(40, 30, 30), 30, '640x480@30 is 36000 macroblocks a second; level 3 allows 40500')
    assert.equal(chooseLevel(40, 30, 50), 31, '640x480@50 is 60000 macroblocks a second')
  })

  it('the encoder refuses odd sizes and bad QPs with coded errors', () => {
    assert.throws(() => new H264Encoder({ width: 33, height: 16, fps: 25 }), { code: 'ERR_H264_ENCODER_SIZE' })
    assert.throws(() => new H264Encoder({ width: 8, height: 16, fps: 25 }), { code: 'ERR_H264_ENCODER_SIZE' })
    assert.throws(() => new H264Encoder({ width: 64, height: 64, fps: 25, qp: 52 }), { code: 'ERR_H264_ENCODER_QP' })
    assert.throws(() => new H264Encoder({ width: 64, height: 64, fps: 0 }), { code: 'ERR_H264_ENCODER_FPS' })
  })
})
