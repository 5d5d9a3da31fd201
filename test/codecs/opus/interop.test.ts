/**
 * Opus interop with real peers over plain RTP. Source: a 2 s tone encoded by libopus into Ogg; the raw
 * Opus packets are what ffprobe demuxes from it (`-show_packets -show_data`), an independent reference.
 *  - ffmpeg decodes what OpusPacketizer sends: every packet, 960 samples each, and after the 312-sample
 *    pre-skip the same samples as ffmpeg decoding the Ogg file (which applies the pre-skip itself);
 *  - OpusDepacketizer returns, bit for bit, the packets ffmpeg's RTP muxer sends from the same file;
 *  - OpusDepacketizer reads GStreamer's rtpopuspay: every packet valid, timestamps following durations.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { join } from 'node:path'
import { OpusDepacketizer } from '../../../src/codecs/opus/depacketizer.js'
import { opusFmtp, opusRtpmap } from '../../../src/codecs/opus/format.js'
import { parseOpusPacket } from '../../../src/codecs/opus/packet.js'
import { OpusPacketizer } from '../../../src/codecs/opus/packetizer.js'
import {
  captureFfmpegRtp,
  captureGstRtp,
  ffmpegDecodeFile,
  ffmpegDecodeRtp,
  ffprobePackets,
  inSequence,
  makeTone,
  sdpAttribute,
  sha256,
  tempDir,
} from '../../helpers/audio-interop.js'

const PACKET_SAMPLES = 960
/** libopus' encoder delay, written as the Ogg pre-skip and trimmed by decoders of the file. */
const PRE_SKIP = 312

describe('Opus over RTP with ffmpeg and GStreamer', () => {
  let fx: ReturnType<typeof tempDir>
  let file: string
  let packets: Buffer[]

  before(() => {
    fx = tempDir('opus-interop')
    file = makeTone(join(fx.dir, 'tone.opus'), { rate: 48000, channels: 2, seconds: 2 }, ['-c:a', 'libopus', '-b:a', '64k', '-f', 'ogg'])
    packets = ffprobePackets(file)
    assert.ok(packets.length >= 100)
  })
  after(() => fx.cleanup())

  it('ffmpeg decodes our packets to the samples of the file', async () => {
    assert.ok(packets.every((p) => parseOpusPacket(p).samples === PACKET_SAMPLES && parseOpusPacket(p).stereo))
    const rtp = new OpusPacketizer({ ssrc: 0xabc, initialSequence: 0xfff8 }).packetize(packets, 0xffffff00)
    const r = await ffmpegDecodeRtp({ payloadType: 111, rtpmap: opusRtpmap(111), fmtp: opusFmtp(2) }, rtp, { channels: 2, dir: fx.dir })
    assert.equal(r.stderr, '')
    assert.equal(r.code, 0)
    assert.equal(r.pcm.length / 4, packets.length * PACKET_SAMPLES)
    const reference = ffmpegDecodeFile(file, 2)
    assert.equal(sha256(r.pcm.subarray(PRE_SKIP * 4, PRE_SKIP * 4 + reference.length)), sha256(reference))
  })

  it("returns the packets of ffmpeg's RTP muxer bit for bit", async () => {
    const cap = await captureFfmpegRtp(['-i', file], ['-c:a', 'copy'], fx.dir)
    assert.match(sdpAttribute(cap.sdp!, 'rtpmap')!, /^opus\/48000\/2$/)
    const d = new OpusDepacketizer()
    const frames = inSequence(cap.packets).flatMap((p) => d.push(p))
    assert.equal(frames.length, packets.length)
    assert.deepEqual(
      frames.map((f) => sha256(f.data)),
      packets.map(sha256),
    )
    frames.forEach((f, i) => assert.equal(f.timestamp, (frames[0]!.timestamp + i * PACKET_SAMPLES) >>> 0))
  })

  it("reads GStreamer's rtpopuspay", async () => {
    const cap = await captureGstRtp('audiotestsrc num-buffers=50 ! audio/x-raw,rate=48000,channels=2 ! opusenc ! rtpopuspay')
    const d = new OpusDepacketizer()
    const frames = inSequence(cap.packets).flatMap((p) => d.push(p))
    // 50 buffers of 1024 samples = 51200 samples: 54 packets of 20 ms (the last one padded).
    assert.equal(frames.length, Math.ceil((50 * 1024) / PACKET_SAMPLES))
    assert.ok(frames.every((f) => parseOpusPacket(f.data).stereo))
    // After the first packet (shortened by the encoder's pre-skip in GStreamer's timestamps) each follows the previous one's duration.
    for (let i = 2; i < frames.length; i++) {
      assert.equal((frames[i]!.timestamp - frames[i - 1]!.timestamp) >>> 0, parseOpusPacket(frames[i - 1]!.data).samples)
    }
  })
})
