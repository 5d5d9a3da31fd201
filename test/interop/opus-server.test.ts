// Opus pushed into the server through the API (there is no Opus file source) and decoded by ffmpeg,
// beside a JPEG video track: "what our packetizer produces, through our server" for Opus.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { Pacer } from '../../src/sources/pacer.js'
import { TestCard } from '../../src/sources/test-card.js'
import { ffprobePackets, makeTone, tempDir } from '../helpers/audio-interop.js'
import { ffmpegDecodeAudio, gstDecode } from './harness.js'

describe('Opus through the server', () => {
  let server: RtspServer
  const pacers: Pacer[] = []
  const tmp = tempDir('opus-server')
  before(async () => {
    // 20 ms Opus packets, as ffmpeg's libopus makes them, read back packet by packet.
    const packets = ffprobePackets(
      makeTone(`${tmp.dir}/tone.ogg`, { rate: 48000, channels: 2, seconds: 3 }, ['-c:a', 'libopus', '-b:a', '64k']),
    )
    assert.ok(packets.length > 100)
    server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    const s = server.addStream('opus', {
      video: { codec: 'jpeg', width: 160, height: 120, fps: 10 },
      audio: { codec: 'opus', channels: 2 },
    })
    const card = new TestCard({ width: 160, height: 120, fps: 10 })
    pacers.push(new Pacer(50, (i, pts) => s.pushAudio(packets[i % packets.length]!, pts)))
    pacers.push(new Pacer(10, (i, pts) => s.pushVideo(card.renderJpeg(i, Date.now()), pts)))
    pacers.forEach((p) => p.start())
    await server.start()
  })
  after(async () => {
    pacers.forEach((p) => p.stop())
    await server.stop()
    tmp.cleanup()
  })

  it('ffmpeg decodes 2 s of Opus over TCP and UDP', async () => {
    for (const transport of ['tcp', 'udp'] as const) {
      const r = await ffmpegDecodeAudio(server.urlFor('opus'), transport, 2)
      assert.equal(r.stderr.trim(), '', transport)
      assert.ok(Math.abs(r.seconds - 2) < 0.1, `${transport}: decoded ${r.seconds} s`)
    }
  })

  it('GStreamer rtpopusdepay ! opusdec decodes it', async () => {
    // The JPEG track goes to a fakesink of its own: rtspsrc fails with not-linked when the only pads
    // it has made so far are unlinked, which happens when a video packet comes before the first audio one.
    const r = await gstDecode(
      `rtspsrc location=${server.urlFor('opus')} protocols=tcp latency=100 name=src src. ! application/x-rtp,media=audio ! rtpopusdepay ! opusdec ! fakesink name=sink src. ! application/x-rtp,media=video ! fakesink sync=false`,
      40,
    )
    assert.equal(r.error, null)
    assert.equal(r.frames, 40)
  })
})
