/**
 * AAC interop with real peers over plain RTP (no RTSP):
 *  - ffmpeg decodes what AacPacketizer sends (one AU per packet, aggregated, fragmented) to exactly the
 *    samples it decodes from the ADTS file itself;
 *  - AacDepacketizer rebuilds, bit for bit, the AUs ffmpeg's RTP muxer sends from the same stream
 *    (aggregated by default, fragmented with -pkt_size, one per packet with -muxdelay 0);
 *  - AacDepacketizer reads GStreamer's rtpmp4gpay, and the AUs it returns, written as ADTS with toAdts,
 *    decode in ffmpeg without errors.
 * Source: a 2 s 440 Hz tone encoded by ffmpeg's aac encoder into ADTS; its AUs (split by splitAdts, checked
 * against ffprobe in adts.test.ts) are the reference. ffmpeg sends from an .m4a remux of that file because
 * its RTP muxer needs the AudioSpecificConfig up front, which an ADTS input only yields after the first packet.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { splitAdts, toAdts } from '../../../src/codecs/aac/adts.js'
import { parseAudioSpecificConfig } from '../../../src/codecs/aac/audio-specific-config.js'
import { AacDepacketizer } from '../../../src/codecs/aac/depacketizer.js'
import { aacFmtp, aacRtpmap } from '../../../src/codecs/aac/format.js'
import { AacPacketizer } from '../../../src/codecs/aac/packetizer.js'
import { parseFmtp } from '../../../src/sdp/fmtp.js'
import { parseRtpmap } from '../../../src/sdp/rtpmap.js'
import {
  captureFfmpegRtp,
  captureGstRtp,
  ffmpeg,
  ffmpegDecodeFile,
  ffmpegDecodeRtp,
  inSequence,
  makeTone,
  sdpAttribute,
  sha256,
  tempDir,
} from '../../helpers/audio-interop.js'

const AU_SAMPLES = 1024
/** ffmpeg's RTP muxer does not flush the AUs it is still aggregating when the input ends. */
const FFMPEG_UNFLUSHED_AUS = 4

describe('AAC over RTP with ffmpeg and GStreamer', () => {
  let fx: ReturnType<typeof tempDir>
  let adts: string
  let aus: Buffer[]
  let config: Buffer
  let reference: Buffer

  before(() => {
    fx = tempDir('aac-interop')
    adts = makeTone(join(fx.dir, 'tone.aac'), { rate: 48000, channels: 2, seconds: 2 }, ['-c:a', 'aac', '-b:a', '128k', '-f', 'adts'])
    const s = splitAdts(readFileSync(adts))
    aus = s.frames.map((f) => f.au)
    config = s.config
    reference = ffmpegDecodeFile(adts, 2)
    ffmpeg(['-i', adts, '-c', 'copy', join(fx.dir, 'tone.m4a')])
  })
  after(() => fx.cleanup())

  for (const [name, maxPacketSize, perCall] of [
    ['one AU per packet', 1400, 1],
    ['four AUs per call, aggregated', 1400, 4],
    ['fragmented into 200-byte packets', 200, 1],
  ] as const) {
    it(`ffmpeg decodes our packets (${name}) to the same samples as the file`, async () => {
      const p = new AacPacketizer({ ssrc: 0x1234, initialSequence: 0xfff0, maxPacketSize })
      const packets: Buffer[] = []
      for (let i = 0; i < aus.length; i += perCall) packets.push(...p.packetize(aus.slice(i, i + perCall), 0xfffff000 + i * AU_SAMPLES))
      if (maxPacketSize === 200) assert.ok(packets.length > aus.length, 'some AUs were fragmented')
      if (perCall > 1) assert.ok(packets.length < aus.length, 'some AUs were aggregated')
      const r = await ffmpegDecodeRtp({ payloadType: 97, rtpmap: aacRtpmap(97, 48000, 2), fmtp: aacFmtp(config) }, packets, {
        channels: 2,
        dir: fx.dir,
      })
      assert.equal(r.stderr, '')
      assert.equal(r.code, 0)
      assert.equal(r.pcm.length / 4, aus.length * AU_SAMPLES)
      assert.equal(sha256(r.pcm), sha256(reference))
    })
  }

  for (const [name, args] of [
    ['aggregated (default)', []],
    ['fragmented (-pkt_size 300)', ['-pkt_size', '300']],
    ['one AU per packet (-muxdelay 0)', ['-muxdelay', '0']],
  ] as const) {
    it(`rebuilds the AUs of ffmpeg's RTP muxer bit for bit: ${name}`, async () => {
      const cap = await captureFfmpegRtp(['-i', join(fx.dir, 'tone.m4a')], ['-c:a', 'copy', ...args], fx.dir)
      const rtpmap = parseRtpmap(`97 ${sdpAttribute(cap.sdp!, 'rtpmap')!}`)
      const fmtp = parseFmtp(`97 ${sdpAttribute(cap.sdp!, 'fmtp')!}`)
      const d = AacDepacketizer.fromFormat({ ...rtpmap, fmtp: fmtp.params })
      const packets = inSequence(cap.packets)
      const copies = packets.map((p) => Buffer.from(p.payload))
      const frames = packets.flatMap((p) => d.push(p))
      assert.deepEqual(
        packets.map((p) => p.payload),
        copies,
        'payloads unchanged',
      )
      if (args[0] === '-pkt_size') assert.ok(packets.length > frames.length)
      if (args.length === 0) assert.ok(packets.length < frames.length)
      assert.ok(frames.length >= aus.length - FFMPEG_UNFLUSHED_AUS && frames.length <= aus.length, `${frames.length} of ${aus.length} AUs`)
      assert.equal(sha256(Buffer.concat(frames.map((f) => f.data))), sha256(Buffer.concat(aus.slice(0, frames.length))))
      frames.forEach((f, i) => assert.equal(f.timestamp, (frames[0]!.timestamp + i * AU_SAMPLES) >>> 0))
    })
  }

  it("reads GStreamer's rtpmp4gpay; the AUs decode cleanly as ADTS", async () => {
    const cap = await captureGstRtp('audiotestsrc num-buffers=50 ! audio/x-raw,rate=48000,channels=2 ! avenc_aac ! rtpmp4gpay')
    const caps = /GstRtpMP4GPay:rtpmp4gpay0\.GstPad:src: caps = (.*)/.exec(cap.stdout)?.[1]
    const gstConfig = Buffer.from(/config=\(string\)([0-9a-f]+)/.exec(caps ?? '')?.[1] ?? '', 'hex')
    assert.equal(parseAudioSpecificConfig(gstConfig).sampleRate, 48000)
    const d = new AacDepacketizer() // GStreamer signals AAC-hbr: 13/3/3
    const frames = inSequence(cap.packets).flatMap((p) => d.push(p))
    assert.ok(frames.length >= 50 && frames.length <= 52, `${frames.length} AUs for 50 x 1024 samples`)
    // GStreamer derives RTP timestamps from nanosecond buffer times, so they may be off by one tick.
    frames.forEach((f, i) =>
      assert.ok(Math.abs(((f.timestamp - frames[0]!.timestamp) >>> 0) - i * AU_SAMPLES) <= 1, `AU ${i} at ${f.timestamp}`),
    )
    const file = join(fx.dir, 'gst.aac')
    writeFileSync(
      file,
      toAdts(
        frames.map((f) => f.data),
        gstConfig,
      ),
    )
    const pcm = ffmpegDecodeFile(file, 2) // fails on any decoding error
    assert.equal(pcm.length / 4, frames.length * AU_SAMPLES)
  })
})
