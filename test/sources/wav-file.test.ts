import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, StateError } from '../../src/errors.js'
import { loadWavFile, parseWav, WavFileSource } from '../../src/sources/wav-file.js'
import { ffmpeg, makeTone, tempDir } from '../helpers/audio-interop.js'

function configError(message: string | RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`)
    if (typeof message === 'string') assert.equal(e.message, message)
    else assert.match(e.message, message)
    assert.ok(!e.message.includes('\n'), 'one line')
    return true
  }
}

interface Push {
  frame: Buffer
  ptsMs: number
}

async function collect(source: WavFileSource, count: number, timeoutMs = 5000): Promise<Push[]> {
  const pushes: Push[] = []
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs)
    source.start((track, frame, ptsMs) => {
      assert.equal(track, 0)
      pushes.push({ frame: frame as Buffer, ptsMs })
      if (pushes.length === count) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  source.stop()
  return pushes
}

/** A minimal RIFF/WAVE file from chunks. */
function riff(...chunks: [string, Buffer][]): Buffer {
  const parts = chunks.map(([id, body]) => {
    const head = Buffer.alloc(8)
    head.write(id, 0, 'latin1')
    head.writeUInt32LE(body.length, 4)
    return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)])
  })
  const head = Buffer.alloc(12)
  head.write('RIFF', 0, 'latin1')
  head.writeUInt32LE(4 + parts.reduce((n, p) => n + p.length, 0), 4)
  head.write('WAVE', 8, 'latin1')
  return Buffer.concat([head, ...parts])
}

function fmt(tag: number, channels: number, rate: number, bits: number): Buffer {
  const b = Buffer.alloc(16)
  b.writeUInt16LE(tag, 0)
  b.writeUInt16LE(channels, 2)
  b.writeUInt32LE(rate, 4)
  b.writeUInt32LE((rate * channels * bits) / 8, 8)
  b.writeUInt16LE((channels * bits) / 8, 12)
  b.writeUInt16LE(bits, 14)
  return b
}

describe('WAV files', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('wav-file')
  })
  after(() => fx.cleanup())

  it('reads 16-bit PCM as big-endian L16, skipping the LIST chunk ffmpeg writes', () => {
    const wav = makeTone(join(fx.dir, 's16.wav'), { rate: 48000, channels: 2, seconds: 0.5 }, ['-c:a', 'pcm_s16le'])
    assert.ok(readFileSync(wav).includes('LIST'), 'ffmpeg wrote a LIST chunk before data')
    const f = loadWavFile(wav)
    assert.deepEqual([f.codec, f.sampleRate, f.channels, f.blockAlign, f.formatTag], ['l16', 48000, 2, 4, 1])
    assert.deepEqual(f.data, ffmpeg(['-i', wav, '-f', 's16be', '-']))
  })

  it('reads µ-law and A-law as PCMU and PCMA, bytes as they are', () => {
    const mu = makeTone(join(fx.dir, 'mu.wav'), { rate: 8000, channels: 1, seconds: 0.5 }, ['-c:a', 'pcm_mulaw'])
    const a = makeTone(join(fx.dir, 'a.wav'), { rate: 8000, channels: 2, seconds: 0.5 }, ['-c:a', 'pcm_alaw'])
    const fm = loadWavFile(mu)
    const fa = loadWavFile(a)
    assert.deepEqual([fm.codec, fm.channels, fm.formatTag, fm.data.length], ['pcmu', 1, 7, 4000])
    assert.deepEqual([fa.codec, fa.channels, fa.formatTag, fa.data.length], ['pcma', 2, 6, 8000])
    assert.deepEqual(fm.data, ffmpeg(['-i', mu, '-c:a', 'copy', '-f', 'mulaw', '-']))
  })

  it('reads WAVE_FORMAT_EXTENSIBLE (ffmpeg writes it for more than two channels)', () => {
    const wav = makeTone(join(fx.dir, 'six.wav'), { rate: 16000, channels: 6, seconds: 0.1 }, ['-c:a', 'pcm_s16le'])
    assert.equal(readFileSync(wav).readUInt16LE(20), 0xfffe)
    const f = loadWavFile(wav)
    assert.deepEqual([f.codec, f.channels, f.formatTag], ['l16', 6, 1])
  })

  it('cuts a data size past the end of the file to whole instants (WAVs written to a pipe)', () => {
    const wav = riff(['fmt ', fmt(1, 2, 8000, 16)], ['data', Buffer.alloc(14, 1)])
    wav.writeUInt32LE(0xffffffff, 4)
    wav.writeUInt32LE(0xffffffff, 12 + 8 + 16 + 4)
    assert.equal(parseWav('pipe.wav', wav).data.length, 12)
  })

  it('refuses other formats in one line, naming the format and what is supported', () => {
    const cases: [string, string[], string][] = [
      ['float.wav', ['-c:a', 'pcm_f32le'], 'WAV format IEEE float 32-bit is not supported; use 16-bit PCM, 8-bit µ-law or 8-bit A-law'],
      ['u8.wav', ['-c:a', 'pcm_u8'], 'WAV format PCM 8-bit is not supported; use 16-bit PCM, 8-bit µ-law or 8-bit A-law'],
      ['s24.wav', ['-c:a', 'pcm_s24le'], 'WAV format PCM 24-bit is not supported; use 16-bit PCM, 8-bit µ-law or 8-bit A-law'],
      ['adpcm.wav', ['-c:a', 'adpcm_ima_wav'], 'WAV format IMA ADPCM 4-bit is not supported; use 16-bit PCM, 8-bit µ-law or 8-bit A-law'],
      ['mu16k.wav', ['-c:a', 'pcm_mulaw', '-ar', '16000'], 'µ-law WAV at 16000 Hz is not supported; G.711 over RTP is 8000 Hz'],
    ]
    for (const [name, args, message] of cases) {
      const wav = makeTone(join(fx.dir, name), { rate: 8000, channels: 1, seconds: 0.1 }, args)
      assert.throws(() => loadWavFile(wav), configError(`${wav}: ${message}`))
    }
    const unknown = riff(['fmt ', fmt(0x161, 1, 8000, 16)], ['data', Buffer.alloc(4)])
    assert.throws(
      () => parseWav('wma.wav', unknown),
      configError('wma.wav: WAV format 0x0161 16-bit is not supported; use 16-bit PCM, 8-bit µ-law or 8-bit A-law'),
    )
  })

  it('refuses broken files in one line', () => {
    const missing = join(fx.dir, 'nope.wav')
    assert.throws(() => new WavFileSource(missing), configError(`cannot read ${missing}: no such file`))
    assert.throws(() => parseWav('t.wav', Buffer.from('hello')), configError('t.wav is not a WAV file (no RIFF/WAVE header)'))
    const rf64 = Buffer.from('RF64xxxxWAVE')
    assert.throws(() => parseWav('big.wav', rf64), configError('big.wav is not a WAV file (no RIFF/WAVE header) (RF64 is not supported)'))
    assert.throws(() => parseWav('t.wav', riff(['data', Buffer.alloc(4)])), configError('t.wav: WAV file has no fmt chunk'))
    assert.throws(() => parseWav('t.wav', riff(['fmt ', fmt(1, 1, 8000, 16)])), configError('t.wav: WAV file has no data chunk'))
    assert.throws(
      () => parseWav('t.wav', riff(['fmt ', fmt(1, 1, 8000, 16)], ['data', Buffer.alloc(1)])),
      configError('t.wav: WAV file has no samples'),
    )
    assert.throws(
      () => parseWav('t.wav', riff(['fmt ', Buffer.alloc(10)], ['data', Buffer.alloc(4)])),
      configError('t.wav: WAV fmt chunk of 10 bytes is too short'),
    )
    const badAlign = fmt(1, 2, 8000, 16)
    badAlign.writeUInt16LE(3, 12)
    assert.throws(
      () => parseWav('t.wav', riff(['fmt ', badAlign], ['data', Buffer.alloc(4)])),
      configError('t.wav: WAV block align 3 does not match 2 channels of 16 bits'),
    )
    assert.throws(
      () => parseWav('t.wav', riff(['fmt ', fmt(1, 0, 8000, 16)], ['data', Buffer.alloc(4)])),
      configError(/WAV with 0 channels is not supported/),
    )
    assert.throws(
      () => parseWav('t.wav', riff(['fmt ', fmt(1, 1, 0, 16)], ['data', Buffer.alloc(4)])),
      configError(/WAV sample rate 0 Hz is not in/),
    )
    const chunks = Array.from({ length: 1001 }, () => ['JUNK', Buffer.alloc(0)] as [string, Buffer])
    assert.throws(
      () => parseWav('t.wav', riff(...chunks, ['fmt ', fmt(1, 1, 8000, 16)], ['data', Buffer.alloc(4)])),
      configError('t.wav: no fmt and data chunks in the first 1000 WAV chunks'),
    )
    const ext = Buffer.alloc(20)
    ext.writeUInt16LE(0xfffe, 0)
    assert.throws(
      () => parseWav('t.wav', riff(['fmt ', ext], ['data', Buffer.alloc(4)])),
      configError('t.wav: WAVE_FORMAT_EXTENSIBLE fmt chunk of 20 bytes is too short'),
    )
  })
})

describe('WavFileSource', () => {
  let fx: ReturnType<typeof tempDir>
  before(() => {
    fx = tempDir('wav-source')
  })
  after(() => fx.cleanup())

  it('describes its track and pushes 20 ms blocks of G.711', async () => {
    const wav = makeTone(join(fx.dir, 'mu.wav'), { rate: 8000, channels: 1, seconds: 1 }, ['-c:a', 'pcm_mulaw'])
    const s = new WavFileSource(wav)
    assert.deepEqual(s.tracks, [{ kind: 'audio', codec: 'pcmu', sampleRate: 8000, channels: 1 }])
    assert.equal(s.description, 'mu.wav (G.711 µ-law 8000 Hz mono, 1.0 s, looping)')
    const data = loadWavFile(wav).data
    const pushes = await collect(s, 5)
    assert.deepEqual(
      pushes.map((p) => p.frame.length),
      [160, 160, 160, 160, 160],
    )
    assert.deepEqual(Buffer.concat(pushes.map((p) => p.frame)), data.subarray(0, 800))
    assert.deepEqual(
      pushes.map((p) => p.ptsMs),
      [0, 20, 40, 60, 80],
    )
  })

  it('pushes whole stereo A-law and L16 instants', async () => {
    const a = makeTone(join(fx.dir, 'a.wav'), { rate: 8000, channels: 2, seconds: 1 }, ['-c:a', 'pcm_alaw'])
    assert.deepEqual(
      (await collect(new WavFileSource(a), 3)).map((p) => p.frame.length),
      [320, 320, 320],
    )
    const s16 = makeTone(join(fx.dir, 's16.wav'), { rate: 48000, channels: 2, seconds: 1 }, ['-c:a', 'pcm_s16le'])
    const src = new WavFileSource(s16)
    assert.deepEqual(src.tracks, [{ kind: 'audio', codec: 'l16', sampleRate: 48000, channels: 2 }])
    assert.deepEqual(
      (await collect(src, 3)).map((p) => p.frame.length),
      [3840, 3840, 3840],
    )
  })

  it('keeps exact time at rates that are not a multiple of 50 (11025 Hz: blocks of 220 and 221)', () => {
    const wav = makeTone(join(fx.dir, 'odd.wav'), { rate: 11025, channels: 1, seconds: 1 }, ['-c:a', 'pcm_s16le'])
    const s = new WavFileSource(wav)
    const sizes = Array.from({ length: 50 }, (_, i) => s.blockRange(i)).map(([a, b]) => b - a)
    assert.deepEqual(new Set(sizes), new Set([220, 221]))
    assert.equal(
      sizes.reduce((x, y) => x + y),
      11025,
    )
  })

  it('wraps around the end of the file inside a block, so looping never jumps the sample clock', async () => {
    const wav = makeTone(join(fx.dir, 'short.wav'), { rate: 8000, channels: 1, seconds: 0.05 }, ['-c:a', 'pcm_mulaw']) // 400 samples
    const data = loadWavFile(wav).data
    const pushes = await collect(new WavFileSource(wav), 6)
    assert.deepEqual(Buffer.concat(pushes.map((p) => p.frame)), Buffer.concat([data, data, data.subarray(0, 160)]))
    assert.deepEqual(
      pushes.map((p) => p.ptsMs),
      [0, 20, 40, 60, 80, 100],
    )

    const once = await collect(new WavFileSource(wav, { loop: false }), 10, 400)
    assert.deepEqual(
      once.map((p) => p.frame.length),
      [160, 160, 80],
    )
  })

  it('handles files shorter than one block', () => {
    const s = new WavFileSource(makeTone(join(fx.dir, 'tiny.wav'), { rate: 8000, channels: 1, seconds: 0.005 }, ['-c:a', 'pcm_mulaw'])) // 40 samples
    const data = s.file.data
    assert.deepEqual(s.blockBytes(0, 160), Buffer.concat([data, data, data, data]))
    assert.deepEqual(s.blockBytes(30, 50), Buffer.concat([data.subarray(30), data.subarray(0, 10)]))
  })

  it('refuses a second start and stops idempotently', () => {
    const s = new WavFileSource(makeTone(join(fx.dir, 'x.wav'), { rate: 8000, channels: 1, seconds: 0.1 }, ['-c:a', 'pcm_alaw']))
    s.start(() => undefined)
    assert.throws(() => s.start(() => undefined), StateError)
    s.stop()
    s.stop()
    assert.equal(s.running, false)
  })

  it('reports a bad WAV in one line from the constructor', () => {
    const path = join(fx.dir, 'bad.wav')
    writeFileSync(path, 'RIFF')
    assert.throws(() => new WavFileSource(path), configError(`${path} is not a WAV file (no RIFF/WAVE header)`))
  })
})
