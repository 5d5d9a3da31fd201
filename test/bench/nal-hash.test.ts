import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { isSlice, largestNal, nalHash, TimedAnnexBSplitter } from '../../bench/nal-hash.js'
import { hex, splits } from '../helpers/split.js'

/** Byte stream with every start-code shape, as a player writes an access unit or two. */
const STREAM = hex(
  '00 00 00 01 | 67 42 c0 1e' + // 4-byte start code, SPS
    '00 00 01 | 68 ce 3c 80' + //    3-byte start code, PPS
    '00 00 00 00 00' + //            trailing_zero_8bits
    '00 00 01 | 65 88 00 00 03 01 84 11' + // IDR slice (the largest) with an emulation-prevention byte
    '00 00 00 01 | 41 9a', //        P slice, ended only by flush()
)
const NALUS = ['6742c01e', '68ce3c80', '658800000301841' + '1', '419a']

const hexes = (nals: { nal: Buffer }[]) => nals.map((n) => n.nal.toString('hex'))

describe('TimedAnnexBSplitter', () => {
  it('splits like Annex B and stamps each NAL unit with the chunk its start code arrived in', () => {
    const s = new TimedAnnexBSplitter()
    const out = [...s.push(STREAM.subarray(0, 10), 1), ...s.push(STREAM.subarray(10), 2), ...s.flush()]
    assert.deepEqual(hexes(out), NALUS)
    // Chunk 1 holds the SPS's start code; the PPS's (bytes 8–10) is complete only with chunk 2.
    assert.deepEqual(
      out.map((n) => n.at),
      [1, 2, 2, 2],
    )
  })

  it('gives the same NAL units however the stream is cut', () => {
    for (const chunks of splits(STREAM)) {
      const s = new TimedAnnexBSplitter()
      const out = chunks.flatMap((c, i) => s.push(c, i))
      out.push(...s.flush())
      assert.deepEqual(hexes(out), NALUS)
      for (let i = 1; i < out.length; i++) assert.ok(out[i]!.at >= out[i - 1]!.at, 'times never go back')
    }
  })

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const s = new TimedAnnexBSplitter()
        for (const c of chunks) s.push(Buffer.from(c), 0)
        s.flush()
      }),
    )
  })
})

describe('access-unit identity', () => {
  it('is the largest NAL unit: the slice', () => {
    assert.equal(largestNal(STREAM)?.toString('hex'), NALUS[2])
    assert.equal(largestNal(Buffer.alloc(0)), undefined)
    assert.ok(isSlice(hex('65 88')) && isSlice(hex('41 9a')))
    assert.ok(!isSlice(hex('67 42')) && !isSlice(hex('68 ce')) && !isSlice(hex('06 05')))
  })

  it('hashes as the first 16 hex digits of SHA-1', () => {
    const nal = hex(NALUS[2]!)
    assert.equal(nalHash(nal), createHash('sha1').update(nal).digest('hex').slice(0, 16))
  })

  // The GStreamer reader computes the identity in Python: both sides must agree byte for byte.
  const python = '/usr/bin/python3'
  const script = fileURLToPath(new URL('../../../bench/gst-lag-reader.py', import.meta.url))
  const hasGi = existsSync(python) && existsSync(script) && canImportGi(python)
  it('matches bench/gst-lag-reader.py', { skip: hasGi ? false : 'needs /usr/bin/python3 with python3-gi' }, () => {
    const code =
      'import importlib.util, hashlib, sys\n' +
      `spec = importlib.util.spec_from_file_location('r', ${JSON.stringify(script)})\n` +
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n' +
      'print(hashlib.sha1(m.largest_nal(bytes.fromhex(sys.argv[1]))).hexdigest()[:m.HASH_HEX_DIGITS])'
    const out = execFileSync(python, ['-c', code, STREAM.toString('hex')], { encoding: 'utf8' }).trim()
    assert.equal(out, nalHash(largestNal(STREAM)!))
  })
})

function canImportGi(python: string): boolean {
  try {
    execFileSync(python, ['-c', "import gi; gi.require_version('Gst', '1.0')"], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
