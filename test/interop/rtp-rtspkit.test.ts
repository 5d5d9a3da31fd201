// rtspkit rtp send → rtspkit rtp recv over loopback: bit-exact round trips through the CLI.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { h264File, run } from './harness.js'
import { parseJfif } from '../../src/codecs/jpeg/jfif.js'
import { splitJpegSequence } from '../../src/sources/jpeg-sequence-source.js'
import { TestCard } from '../../src/sources/test-card.js'
import { h265File, nalHashes, spawnRtspkit } from '../rtp/cli-process.js'
import { freeUdpPorts } from '../rtp/udp-ports.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtspkit-rtp-self-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Sends `input` once with --sdp, receives that SDP into `out`; resolves with both processes' results. */
async function roundTrip(input: string, out: string, extra: string[] = []) {
  const port = await freeUdpPorts(4)
  const sdp = path.join(dir, `${path.basename(out)}.sdp`)
  // A first sender only writes the SDP (and sends a moment); the receiver then needs it to start.
  const prep = spawnRtspkit([
    'rtp',
    'send',
    input,
    '--to',
    `127.0.0.1:${port}`,
    '--sdp',
    sdp,
    '--duration',
    '0.01',
    '--stats-interval',
    '0',
  ])
  assert.equal((await prep.exit).code, 0)
  const recv = spawnRtspkit(['rtp', 'recv', sdp, '--out', out, '--duration', '20', '--stats-interval', '0', ...extra])
  await recv.waitFor(/receiving/)
  const send = spawnRtspkit(['rtp', 'send', input, '--to', `127.0.0.1:${port}`, '--stats-interval', '0'])
  const s = await send.exit
  const r = await recv.exit
  return { send: s, recv: r }
}

describe('rtspkit → rtspkit plain RTP', () => {
  it("H.264 file: every NAL unit arrives unchanged, and the receiver stops at the sender's BYE", async () => {
    const clip = await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 })
    const out = path.join(dir, 'copy.h264')
    const { send, recv } = await roundTrip(clip, out)
    assert.equal(send.code, 0, send.stderr)
    assert.equal(recv.code, 0, recv.stderr)
    assert.match(
      recv.stderr,
      /done \(sender said BYE\): port \d+ H264: \d+ packets \([\d.]+ MB\), 0 lost \(0\.0%\), 0 reordered, jitter [\d.]+ ms, 50 frames/,
    )
    assert.deepEqual(nalHashes(out), nalHashes(clip))
  })

  it('H.265 file: every NAL unit arrives unchanged', async () => {
    const clip = await h265File()
    const out = path.join(dir, 'copy.h265')
    const { send, recv } = await roundTrip(clip, out)
    assert.equal(send.code, 0, send.stderr)
    assert.equal(recv.code, 0, recv.stderr)
    assert.match(recv.stderr, /H265: .*0 lost .*50 frames/)
    assert.deepEqual(nalHashes(out), nalHashes(clip))
  })

  it('MJPEG file (images back to back): every image arrives, scan for scan', async () => {
    const card = new TestCard({ width: 320, height: 240 })
    const images = Array.from({ length: 20 }, (_, i) => card.renderJpeg(i, i * 40))
    const input = path.join(dir, 'card.mjpeg')
    fs.writeFileSync(input, Buffer.concat(images))
    const out = path.join(dir, 'card-copy.mjpeg')
    const { recv } = await roundTrip(input, out)
    assert.equal(recv.code, 0, recv.stderr)
    const got = splitJpegSequence(fs.readFileSync(out), out)
    assert.equal(got.length, 20)
    got.forEach((g, i) => assert.deepEqual(parseJfif(g).scan, parseJfif(images[i]!).scan))
  })

  it('µ-law WAV: the samples arrive unchanged in a WAV of format 7', async () => {
    const wav = path.join(dir, 'mu.wav')
    const mk = await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=300:sample_rate=8000',
      '-t',
      '1',
      '-ac',
      '1',
      '-c:a',
      'pcm_mulaw',
      wav,
    ])
    assert.equal(mk.code, 0, mk.stderr)
    const out = path.join(dir, 'mu-copy.wav')
    const { recv } = await roundTrip(wav, out)
    assert.equal(recv.code, 0, recv.stderr)
    const a = fs.readFileSync(wav)
    const b = fs.readFileSync(out)
    assert.equal(b.readUInt16LE(20), 7, 'WAVE_FORMAT_MULAW')
    assert.deepEqual(b.subarray(b.indexOf('data') + 8), a.subarray(a.indexOf('data') + 8))
  })

  it('16-bit WAV (L16, stereo 48 kHz): the samples arrive unchanged', async () => {
    const wav = path.join(dir, 'pcm.wav')
    const mk = await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=500:sample_rate=48000',
      '-t',
      '1',
      '-ac',
      '2',
      '-c:a',
      'pcm_s16le',
      wav,
    ])
    assert.equal(mk.code, 0, mk.stderr)
    const out = path.join(dir, 'pcm-copy.wav')
    const { recv } = await roundTrip(wav, out)
    assert.equal(recv.code, 0, recv.stderr)
    const a = fs.readFileSync(wav)
    const b = fs.readFileSync(out)
    assert.deepEqual(b.subarray(b.indexOf('data') + 8), a.subarray(a.indexOf('data') + 8))
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'csv=p=0', out])
    assert.equal(probe.stdout.trim(), 'pcm_s16le,48000,2')
  })

  it('AAC file: the access units arrive unchanged (ADTS in, ADTS out)', async () => {
    const aac = path.join(dir, 'tone.aac')
    const mk = await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      '1',
      '-ac',
      '2',
      '-c:a',
      'aac',
      aac,
    ])
    assert.equal(mk.code, 0, mk.stderr)
    const out = path.join(dir, 'copy.aac')
    const { recv } = await roundTrip(aac, out)
    assert.equal(recv.code, 0, recv.stderr)
    assert.deepEqual(fs.readFileSync(out), fs.readFileSync(aac))
  })
})
