// One stream with H.264 video and AAC audio pushed through the API: two tracks in one SDP, aggregate
// control, both decoded by ffmpeg, and lip-sync through per-track RTCP sender reports.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseRtcp } from '../../src/rtcp/compound.js'
import { RtcpSenderReport } from '../../src/rtcp/sender-report.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { parseRtpInfo } from '../../src/rtsp/headers/rtp-info.js'
import { parseSdp } from '../../src/sdp/sdp.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import type { ServerStream } from '../../src/server/server-stream.js'
import { loadAacFile } from '../../src/sources/aac-file.js'
import { loadH264File } from '../../src/sources/h264-file.js'
import { Pacer } from '../../src/sources/pacer.js'
import { ntpToMs } from '../../src/util/ntp.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { audioFile, ffmpegDecode, ffmpegDecodeAudio, ffprobe, h264File, run } from './harness.js'

describe('audio beside video', () => {
  let server: RtspServer
  let av: ServerStream
  const pacers: Pacer[] = []
  before(async () => {
    const clip = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 }))
    const aac = loadAacFile(await audioFile('tone-48k-stereo.aac', ['-ac', '2', '-c:a', 'aac', '-b:a', '128k', '-f', 'adts']))
    server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', rtcpInterval: 300 })
    av = server.addStream('av', {
      video: { codec: 'h264', sps: clip.sps, pps: clip.pps },
      audio: { codec: 'aac', sampleRate: aac.sampleRate, channels: aac.channels, config: aac.config },
    })
    // Both tracks share one presentation clock, as a camera's encoders do.
    pacers.push(new Pacer(clip.fps, (i, pts) => av.pushVideo(clip.accessUnits[i % clip.accessUnits.length]!.nalus, pts)))
    pacers.push(new Pacer(aac.sampleRate / aac.frameLength, (i, pts) => av.pushAudio(aac.aus[i % aac.aus.length]!, pts)))
    pacers.forEach((p) => p.start())
    await server.start()
  })
  after(async () => {
    pacers.forEach((p) => p.stop())
    await server.stop()
  })

  it('DESCRIBE lists two tracks; PLAY on one track of an aggregate session is 460; aggregate PLAY answers RTP-Info for both', async () => {
    const c = await RawRtspConnection.connect(server.port)
    const base = server.urlFor('av')
    const sdp = parseSdp((await c.request('DESCRIBE', base)).body.toString())
    assert.deepEqual(
      sdp.media.map((m) => m.type),
      ['video', 'audio'],
    )
    assert.match(sdp.media[1]!.attributes.find((a) => a.key === 'rtpmap')!.value!, /^\d+ MPEG4-GENERIC\/48000\/2$/i)
    const s1 = await c.request('SETUP', `${base}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
    const session = s1.headers.get('Session')!.split(';')[0]!
    assert.equal(
      (await c.request('SETUP', `${base}/trackID=1`, { Session: session, Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' })).statusCode,
      200,
    )
    assert.equal((await c.request('PLAY', `${base}/trackID=0`, { Session: session })).statusCode, 460)
    const play = await c.request('PLAY', base, { Session: session })
    assert.equal(play.statusCode, 200)
    assert.deepEqual(
      parseRtpInfo(play.headers.get('RTP-Info')!).map((e) => e.url),
      [`${base}/trackID=0`, `${base}/trackID=1`],
    )

    // Lip-sync: each track's sender report maps its RTP clock to the same wall clock. The RTP times
    // the server assigned to one presentation time must land on the same NTP instant in both tracks.
    await c.waitFor(() => {
      const srs = c.interleaved.filter((f) => f.channel === 1 || f.channel === 3)
      return new Set(srs.map((f) => f.channel)).size === 2
    }, 5000)
    const latestSr = (channel: number) => {
      const frames = c.interleaved.filter((f) => f.channel === channel)
      return parseRtcp(frames[frames.length - 1]!.payload).find((p) => p instanceof RtcpSenderReport) as RtcpSenderReport
    }
    const pts = 10_000
    const ntpOf = (track: 0 | 1, sr: RtcpSenderReport) => {
      const t = av.tracks[track]!
      const rate = t.media.clockRate
      return ntpToMs(sr.ntpSeconds, sr.ntpFraction) + (((t.rtpTimestampFor(pts) - sr.rtpTimestamp) | 0) * 1000) / rate
    }
    const skew = ntpOf(0, latestSr(1)) - ntpOf(1, latestSr(3))
    assert.ok(Math.abs(skew) < 40, `audio/video skew ${skew.toFixed(1)} ms`)
    // Media flows on both channels.
    assert.ok(c.interleaved.some((f) => f.channel === 2 && RtpPacket.parse(f.payload).payloadType !== 96))
    c.close()
  })

  it('ffprobe sees H.264 and AAC; ffmpeg decodes both', async () => {
    assert.deepEqual(await ffprobe(server.urlFor('av'), 'tcp'), { codec: 'h264', width: 320, height: 240 })
    const probe = await run(
      'ffprobe',
      [
        '-v',
        'error',
        '-rtsp_transport',
        'udp',
        '-show_entries',
        'stream=codec_name,sample_rate,channels',
        '-of',
        'csv=p=0',
        server.urlFor('av'),
      ],
      30_000,
    )
    assert.match(probe.stdout, /^aac,48000,2$/m)
    const [video, audio] = await Promise.all([
      ffmpegDecode(server.urlFor('av'), 'tcp', 50),
      ffmpegDecodeAudio(server.urlFor('av'), 'udp', 2),
    ])
    assert.equal(video.stderr.trim(), '')
    assert.equal(video.frames, 50)
    assert.equal(audio.stderr.trim(), '')
    assert.ok(Math.abs(audio.seconds - 2) < 0.1, `decoded ${audio.seconds} s of audio`)
  })
})
