// Teaching-project files whose JPEGs RFC 2435 cannot carry: re-encoded on load, the others kept.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import jpeg from 'jpeg-js'
import { parseJfif } from '../../src/codecs/jpeg/jfif.js'
import { quantTablesForQuality } from '../../src/codecs/jpeg/tables.js'
import { Rfc2435Transcoder, toRfc2435Jpeg } from '../../src/codecs/jpeg/transcode.js'
import { CodecError, RtspkitError } from '../../src/errors.js'
import { loadMjpegFile, MjpegFileSource } from '../../src/sources/mjpeg-file.js'
import { ODD_JPEG_KINDS, oddJpegs, oddMjpegFile } from '../interop/odd-jpegs.js'

const W = 160
const H = 120

function refused(j: Buffer): boolean {
  try {
    parseJfif(j)
    return false
  } catch (err) {
    return err instanceof RtspkitError
  }
}

/** Mean absolute difference of the two images' RGB samples. */
function meanDiff(a: Buffer, b: Buffer): number {
  const x = jpeg.decode(a, { useTArray: true })
  const y = jpeg.decode(b, { useTArray: true })
  assert.deepEqual([x.width, x.height], [y.width, y.height])
  let sum = 0
  for (let i = 0; i < x.data.length; i++) if (i % 4 !== 3) sum += Math.abs(x.data[i]! - y.data[i]!)
  return sum / ((x.data.length * 3) / 4)
}

describe('JPEGs RTP/JPEG cannot carry', () => {
  it('the fixture holds one baseline JPEG and four that our packetizer refuses', async () => {
    const jpegs = await oddJpegs(W, H)
    assert.deepEqual(
      jpegs.map(refused),
      ODD_JPEG_KINDS.map((k) => k !== 'baseline'),
    )
  })

  it('toRfc2435Jpeg keeps a baseline JPEG byte for byte and re-encodes the others to baseline 4:2:0 that look the same', async () => {
    const jpegs = await oddJpegs(W, H)
    jpegs.forEach((j, i) => {
      const r = toRfc2435Jpeg(j)
      assert.equal(r.transcoded, refused(j), ODD_JPEG_KINDS[i])
      if (!r.transcoded) assert.equal(r.jpeg, j)
      const info = parseJfif(r.jpeg)
      assert.deepEqual([info.width, info.height], [W, H])
      assert.ok(meanDiff(j, r.jpeg) < 4, `${ODD_JPEG_KINDS[i]}: ${meanDiff(j, r.jpeg).toFixed(2)}`)
    })
  })

  it('Rfc2435Transcoder passes baseline through, re-encodes the others at its quality, and decodes a repeated picture once', async () => {
    const jpegs = await oddJpegs(W, H)
    const t = new Rfc2435Transcoder(75)
    jpegs.forEach((j, i) => {
      const r = t.transcode(j)
      const kind = ODD_JPEG_KINDS[i]
      assert.equal(r.transcoded, kind !== 'baseline', kind)
      if (kind === 'baseline') {
        assert.equal(r.jpeg, j)
        assert.equal(r.refusal, undefined)
        return
      }
      assert.equal(r.refusal?.code, 'ERR_JPEG_UNSUPPORTED', kind)
      const info = parseJfif(r.jpeg)
      assert.deepEqual([info.type, info.width, info.height], [1, W, H], `${kind}: baseline 4:2:0`)
      assert.deepEqual(
        info.quantTables,
        quantTablesForQuality(75).map((q) => Buffer.from(q)),
      )
      assert.ok(meanDiff(j, r.jpeg) < 5, `${kind}: ${meanDiff(j, r.jpeg).toFixed(2)}`)
      // The same bytes again, even in another buffer: the remembered result, not a second decode.
      assert.equal(t.transcode(Uint8Array.from(j)).jpeg, r.jpeg)
    })
    // Another picture in between: decoded again, to the same bytes.
    const first = t.transcode(jpegs[1]!)
    t.transcode(jpegs[2]!)
    const again = t.transcode(jpegs[1]!)
    assert.notEqual(again.jpeg, first.jpeg)
    assert.ok(again.jpeg.equals(first.jpeg))
  })

  it('what cannot be decoded at all is a CodecError, not a crash', () => {
    const junk = Buffer.from('ffd8ffc2000b08001000100100110000ffd9', 'hex')
    for (const transcode of [toRfc2435Jpeg, (j: Buffer) => new Rfc2435Transcoder().transcode(j)]) {
      assert.throws(
        () => transcode(junk),
        (e: unknown) => e instanceof CodecError && e.code === 'ERR_JPEG_TRANSCODE',
      )
    }
  })

  it('loadMjpegFile re-encodes exactly the refused frames and MjpegFileSource says so', async () => {
    const file = await oddMjpegFile(W, H, 2)
    const m = loadMjpegFile(file)
    assert.equal(m.frames.length, ODD_JPEG_KINDS.length * 2)
    assert.equal(m.transcoded, (ODD_JPEG_KINDS.length - 1) * 2)
    assert.ok(m.frames.every((f) => !refused(f)))
    assert.match(new MjpegFileSource(file).description, /10 frames, 8 re-encoded as baseline JPEG for RTP\/JPEG/)
  })

  it('a frame that cannot be made baseline names the frame', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-mjpeg-odd-'))
    const junk = Buffer.from('ffd8ffc2000b08001000100100110000ffd9', 'hex')
    const file = path.join(dir, 'junk.Mjpeg')
    writeFileSync(file, Buffer.concat([Buffer.from(String(junk.length).padStart(5, '0')), junk]))
    assert.throws(() => loadMjpegFile(file), /junk\.Mjpeg: frame 1 cannot be sent as RTP\/JPEG/)
  })
})
