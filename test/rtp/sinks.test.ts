import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { after, describe, it } from 'node:test'
import { splitAdts } from '../../src/codecs/aac/adts.js'
import { mulawDecode } from '../../src/codecs/g711/mulaw.js'
import { createCodecRegistry } from '../../src/codecs/registry.js'
import type { FormatParams } from '../../src/codecs/codec.js'
import { RtspkitError } from '../../src/errors.js'
import type { RtpFrame } from '../../src/rtp/receiver.js'
import { openSink, sinkFits } from '../../src/sinks/sink-factory.js'
import { hex } from '../helpers/split.js'

const registry = createCodecRegistry()
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtspkit-sinks-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

const frame = (data: Buffer, timestamp: number, keyframe = true): RtpFrame => ({ data, timestamp, keyframe, ptsMs: 0, ssrc: 1 })
const params = (encodingName: string, clockRate: number, channels?: number, fmtp: Record<string, string> = {}): FormatParams => ({
  payloadType: 96,
  encodingName,
  clockRate,
  ...(channels !== undefined ? { channels } : {}),
  fmtp: new Map(Object.entries(fmtp)),
})
const isCode = (code: string) => (e: RtspkitError) => e.code === code

describe('sinks', () => {
  it('WAV from L16: little-endian PCM, sizes patched on close, lost packets filled with silence', async () => {
    const file = path.join(dir, 'l16.wav')
    const sink = openSink(file, { codec: registry.byName('l16')!, params: params('L16', 8000, 1) })
    sink.write(frame(hex('0001 0203'), 1000)) // two samples, big-endian
    sink.write(frame(hex('7fff'), 1004)) // two samples (1002, 1003) lost before this one
    await sink.close()
    assert.deepEqual(
      fs.readFileSync(file),
      hex(
        '52494646' +
          '2e000000' + // "RIFF", 36 + 10 data bytes
          '57415645' + // "WAVE"
          '666d7420' +
          '10000000' + // "fmt ", 16
          '0100' +
          '0100' + // PCM, 1 channel
          '401f0000' +
          '803e0000' + // 8000 Hz, 16000 bytes/s
          '0200' +
          '1000' + // block align 2, 16 bits
          '64617461' +
          '0a000000' + // "data", 10 bytes
          '0100 0302' + // the samples, little-endian
          '0000 0000' + // silence for the 2 lost samples
          'ff7f',
      ),
    )
    assert.equal(sink.framesWritten, 2)
  })

  it('WAV from G.711: kept as µ-law (format 7, fact chunk) or decoded to PCM', async () => {
    const codes = hex('ff 00 80 7f')
    const keep = path.join(dir, 'mu.wav')
    const s1 = openSink(keep, { codec: registry.byName('pcmu')!, params: params('PCMU', 8000, 1) })
    s1.write(frame(codes, 0))
    await s1.close()
    const k = fs.readFileSync(keep)
    assert.deepEqual(
      k.subarray(12, 58),
      hex(
        '666d7420' +
          '12000000' + // "fmt ", 18 (WAVEFORMATEX)
          '0700' +
          '0100' +
          '401f0000' +
          '401f0000' +
          '0100' +
          '0800' +
          '0000' + // µ-law, mono, 8000 Hz, 8000 B/s, align 1, 8 bits, cbSize 0
          '66616374' +
          '04000000' +
          '04000000' + // "fact": 4 sample frames
          '64617461' +
          '04000000', // "data", 4 bytes
      ),
    )
    assert.deepEqual(k.subarray(58), codes)
    const decoded = path.join(dir, 'mu-pcm.wav')
    const s2 = openSink(decoded, { codec: registry.byName('pcmu')!, params: params('PCMU', 8000, 1), decodeG711: true })
    s2.write(frame(codes, 0))
    await s2.close()
    const d = fs.readFileSync(decoded)
    assert.equal(d.readUInt16LE(20), 1, 'PCM')
    const want = mulawDecode(codes)
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => d.readInt16LE(44 + 2 * i)),
      [...want],
    )
  })

  it('WAV on a stream (stdout) says "size unknown"', async () => {
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (c: Buffer) => chunks.push(c))
    const sink = openSink('-', { codec: registry.byName('pcma')!, params: params('PCMA', 8000, 1), stdout: out })
    sink.write(frame(hex('d5d5'), 0))
    await sink.close()
    const b = Buffer.concat(chunks)
    assert.equal(b.readUInt32LE(4), 0xffff_ffff)
    assert.equal(b.readUInt16LE(20), 6, 'A-law')
    assert.equal(b.readUInt32LE(54), 0xffff_ffff)
    assert.equal(out.writableEnded, false, 'stdout is not ended')
  })

  it('Annex-B files start at the first keyframe', async () => {
    const file = path.join(dir, 'x.h264')
    const sink = openSink(file, { codec: registry.byName('h264')!, params: params('H264', 90000) })
    sink.write(frame(hex('00000001 419a'), 0, false))
    sink.write(frame(hex('00000001 6588'), 3000, true))
    sink.write(frame(hex('00000001 419b'), 6000, false))
    await sink.close()
    assert.deepEqual(fs.readFileSync(file), hex('00000001 6588 00000001 419b'))
    assert.deepEqual([sink.framesWritten, sink.framesSkipped], [2, 1])
  })

  it('AAC gets ADTS headers from the SDP config', async () => {
    const file = path.join(dir, 'a.aac')
    const sink = openSink(file, {
      codec: registry.byName('aac')!,
      params: params('MPEG4-GENERIC', 48000, 2, {
        mode: 'AAC-hbr',
        sizelength: '13',
        indexlength: '3',
        indexdeltalength: '3',
        config: '1190',
      }),
    })
    sink.write(frame(Buffer.alloc(100, 1), 0))
    sink.write(frame(Buffer.alloc(50, 2), 1024))
    await sink.close()
    const s = splitAdts(fs.readFileSync(file))
    assert.deepEqual(
      s.frames.map((f) => f.au),
      [Buffer.alloc(100, 1), Buffer.alloc(50, 2)],
    )
    assert.deepEqual(s.config, hex('1190'))
  })

  it('JPEG frames go to an .mjpeg file or one file each in a directory', async () => {
    const jpeg = registry.byName('jpeg')!
    const mjpeg = path.join(dir, 'x.mjpeg')
    const s1 = openSink(mjpeg, { codec: jpeg, params: params('JPEG', 90000) })
    s1.write(frame(hex('ffd8 01 ffd9'), 0))
    s1.write(frame(hex('ffd8 02 ffd9'), 1))
    await s1.close()
    assert.deepEqual(fs.readFileSync(mjpeg), hex('ffd8 01 ffd9 ffd8 02 ffd9'))
    const frames = path.join(dir, 'frames') + path.sep
    const s2 = openSink(frames, { codec: jpeg, params: params('JPEG', 90000) })
    s2.write(frame(hex('ffd8 03 ffd9'), 0))
    await s2.close()
    assert.deepEqual(fs.readFileSync(path.join(frames, 'frame-000001.jpg')), hex('ffd8 03 ffd9'))
  })

  it('refuses what a file cannot hold, in one line naming what fits', () => {
    const jpeg = registry.byName('jpeg')!
    const h264 = registry.byName('h264')!
    assert.throws(
      () => openSink(path.join(dir, 'x.h264'), { codec: jpeg, params: params('JPEG', 90000) }),
      (e: RtspkitError) =>
        e.code === 'ERR_SINK_FORMAT' && e.message === 'cannot write a JPEG stream to x.h264; use .mjpeg .mjpg .bin .raw DIR/',
    )
    assert.throws(() => openSink(dir, { codec: h264, params: params('H264', 90000) }), isCode('ERR_SINK_FORMAT'))
    assert.throws(
      () => openSink(path.join(dir, 'x.aac'), { codec: registry.byName('aac')!, params: params('MPEG4-GENERIC', 48000, 2) }),
      isCode('ERR_SINK_FORMAT'),
    )
    assert.equal(fs.existsSync(path.join(dir, 'x.aac')), false, 'nothing created for a refused stream')
    assert.throws(
      () => openSink('/nonexistent-dir/x.h264', { codec: h264, params: params('H264', 90000) }),
      (e: RtspkitError) => e.code === 'ERR_SINK_FILE' && e.message === 'cannot write /nonexistent-dir/x.h264: no such directory',
    )
    assert.equal(sinkFits('a.265', registry.byName('h265')!), true)
    assert.equal(sinkFits('a.265', h264), false)
    assert.equal(sinkFits('a.bin', registry.resolve({ encodingName: 'VP7', clockRate: 90000 })), true)
  })
})
