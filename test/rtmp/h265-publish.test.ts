/**
 * Enhanced RTMP's H.265 ('hvc1' FourCC) in: ffmpeg 5.1 and GStreamer 1.22 cannot send it, so a
 * minimal publisher written here with our own chunk writer sends an H.265 file as OBS 30+ does
 * (SequenceStart with the hvcC record, then CodedFrames), and ffmpeg decodes the path over RTSP; a
 * player written the same way gets the path back as 'hvc1' tags.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { hevcDecoderConfigurationRecord, parseHvcC } from '../../src/codecs/h265/hevc-config.js'
import { lengthPrefixedSample } from '../../src/formats/mp4/nal-sample.js'
import { amf0Object, encodeAmf0 } from '../../src/rtmp/amf0.js'
import { ChunkReader, MessageType, type RtmpMessage } from '../../src/rtmp/chunk-reader.js'
import { ChunkWriter, setChunkSizeMessage } from '../../src/rtmp/chunk-writer.js'
import { parseCommand } from '../../src/rtmp/commands.js'
import { parseVideoTag, videoTag, type FlvVideoTag } from '../../src/rtmp/flv-tags.js'
import { C0C1_SIZE, HANDSHAKE_SIZE } from '../../src/rtmp/handshake.js'
import { RtmpServer } from '../../src/rtmp/rtmp-server.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { loadH265File } from '../../src/sources/h265-file.js'
import { ffmpegDecode, ffprobe, h265File } from '../interop/harness.js'
import { waitFor } from '../interop/rtmp-helpers.js'

/**
 * A minimal RTMP client of our own chunk writer and reader: handshake, connect, createStream, then
 * `publish` or `play` of `name`; resolves once the server says Publish.Start / Play.Start. Every
 * message it receives goes to `onMessage`.
 */
async function rtmpClient(
  port: number,
  app: string,
  name: string,
  mode: 'publish' | 'play',
  onMessage: (m: RtmpMessage) => void = () => undefined,
): Promise<{ send: (m: RtmpMessage) => void; writer: ChunkWriter; socket: Socket }> {
  const socket: Socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  const writer = new ChunkWriter()
  const send = (m: RtmpMessage): void => void socket.write(Buffer.concat(writer.write(m)))
  const command = (sid: number, ...values: Parameters<typeof encodeAmf0>): void =>
    send({ chunkStreamId: 3, timestamp: 0, typeId: MessageType.COMMAND_AMF0, messageStreamId: sid, payload: encodeAmf0(...values) })
  const want = mode === 'publish' ? 'NetStream.Publish.Start' : 'NetStream.Play.Start'
  const started = new Promise<void>((resolve, reject) => {
    let hello = 0
    const reader = new ChunkReader((m) => {
      onMessage(m)
      if (m.typeId !== MessageType.COMMAND_AMF0) return
      const c = parseCommand(m)
      if (c.name === 'onStatus' && JSON.stringify(c.args).includes(want)) resolve()
      if (c.name === '_error' || (c.name === 'onStatus' && JSON.stringify(c.args).includes('error')))
        reject(new Error(JSON.stringify(c.args)))
    })
    socket.on('data', (d: Buffer) => {
      if (hello < 1 + 2 * HANDSHAKE_SIZE) {
        const need = 1 + 2 * HANDSHAKE_SIZE - hello
        hello += d.length
        if (hello < 1 + 2 * HANDSHAKE_SIZE) return
        socket.write(d.subarray(need - HANDSHAKE_SIZE, need)) // C2: S2 would do as well; S1 echoed
        command(0, 'connect', 1, amf0Object({ app, tcUrl: `rtmp://127.0.0.1:${port}/${app}`, type: 'nonprivate' }))
        command(0, 'createStream', 2, null)
        command(1, mode, 3, null, name, ...(mode === 'publish' ? ['live'] : [-2000]))
        d = d.subarray(need)
      }
      if (d.length > 0) reader.push(d)
    })
  })
  const c0c1 = Buffer.alloc(C0C1_SIZE)
  c0c1[0] = 3
  socket.write(c0c1)
  await started
  return { send, writer, socket }
}

/** A publisher of Enhanced RTMP H.265 on app/name, sending the file's access units in a loop every 40 ms. */
async function publishHevc(port: number, app: string, name: string, file: string): Promise<{ stop(): void }> {
  const clip = loadH265File(file)
  const { send, writer, socket } = await rtmpClient(port, app, name, 'publish')
  send(setChunkSizeMessage(4096))
  writer.setChunkSize(4096)
  const video = (ts: number, parts: Buffer[]): void =>
    send({ chunkStreamId: 6, timestamp: ts, typeId: MessageType.VIDEO, messageStreamId: 1, payload: Buffer.concat(parts) })
  // OBS names the codec as Enhanced RTMP's FourCC in onMetaData: the server knows there is no audio to wait for.
  send({
    chunkStreamId: 5,
    timestamp: 0,
    typeId: MessageType.DATA_AMF0,
    messageStreamId: 1,
    payload: encodeAmf0('@setDataFrame', 'onMetaData', amf0Object({ videocodecid: 'hvc1', width: 320, height: 240 })),
  })
  video(0, videoTag('H265', 'config', true, 0, hevcDecoderConfigurationRecord(clip.vps, clip.sps, clip.pps)))
  let n = 0
  const timer = setInterval(() => {
    const au = clip.accessUnits[n % clip.accessUnits.length]!
    video(n * 40, videoTag('H265', 'frame', au.keyframe, 0, lengthPrefixedSample(au.nalus)))
    n++
  }, 40)
  return {
    stop() {
      clearInterval(timer)
      socket.destroy()
    },
  }
}

describe('Enhanced RTMP H.265 publisher', () => {
  let rtsp: RtspServer
  let rtmp: RtmpServer
  let publisher: { stop(): void } | undefined
  before(async () => {
    rtsp = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    rtsp.addPublishPath('live/hevc')
    await rtsp.start()
    rtmp = new RtmpServer({ server: rtsp, port: 0, host: '127.0.0.1' })
    await rtmp.start()
  })
  after(async () => {
    publisher?.stop()
    await rtmp.close()
    await rtsp.stop()
  })

  it("'hvc1' SequenceStart + CodedFrames feed an H.265 path that ffmpeg decodes over RTSP", async () => {
    publisher = await publishHevc(rtmp.port, 'live', 'hevc', await h265File(320, 240, 25, 2))
    await waitFor('the path to be published', 10_000, () =>
      rtsp.pathStatus().some((p) => p.name === 'live/hevc' && p.publisher) ? true : undefined,
    )
    const url = rtsp.urlFor('live/hevc')
    const probe = await ffprobe(url, 'tcp')
    assert.equal(probe.codec, 'hevc')
    assert.equal(probe.width, 320)
    const r = await ffmpegDecode(url, 'tcp', 25)
    assert.equal(r.frames, 25, r.stderr)
    assert.equal(r.stderr.trim(), '')
  })

  it("an RTMP player of an H.265 path gets Enhanced RTMP 'hvc1': the hvcC record, then a keyframe, then frames", async () => {
    const tags: FlvVideoTag[] = []
    const { socket } = await rtmpClient(rtmp.port, 'live', 'hevc', 'play', (m) => {
      if (m.typeId === MessageType.VIDEO) tags.push(parseVideoTag(Buffer.from(m.payload)))
    })
    try {
      await waitFor('30 video tags', 10_000, () => (tags.length >= 30 ? true : undefined))
    } finally {
      socket.destroy()
    }
    const first = tags[0]!
    assert.ok(first.codec === 'H265' && first.packet === 'config', JSON.stringify(first))
    const config = parseHvcC(first.data)
    assert.equal(config.sps.length, 1)
    const second = tags[1]!
    assert.ok(second.codec === 'H265' && second.packet === 'frame' && second.keyframe)
    assert.ok(tags.slice(1).every((t) => t.codec === 'H265' && t.packet === 'frame'))
  })
})
