/**
 * Valid RTMP starting points for the mutations (Adobe RTMP specification 1.0, FLV specification 10.1
 * annex E): C0+C1, connect command objects (plain, with `user=`/`pass=`, and the three Adobe
 * authentication steps of adobe-auth.ts), createStream, publish and play, @setDataFrame onMetaData,
 * and FLV bodies: an AVC sequence header and NAL units (a small synthetic 640x360 stream: the SPS and
 * PPS of corpus.ts's first SDP), enhanced 'hvc1' tags and AAC (config 0x1210: AAC-LC, 44.1 kHz, stereo).
 */
import { amf0Object, encodeAmf0, encodeAmf0EcmaArray, type Amf0Value } from '../../src/rtmp/amf0.js'
import { MessageType, type RtmpMessage } from '../../src/rtmp/chunk-reader.js'
import { ChunkWriter, setChunkSizeMessage } from '../../src/rtmp/chunk-writer.js'
import { commandMessage } from '../../src/rtmp/commands.js'
import { aacTag, videoTag } from '../../src/rtmp/flv-tags.js'
import { C0C1_SIZE, RTMP_VERSION } from '../../src/rtmp/handshake.js'
import type { Rng } from './mutate.js'

/** The message stream createStream answers with (rtmp-connection.ts's STREAM_ID). */
export const RTMP_STREAM_ID = 1
const SPS = Buffer.from('Z0LAHtkDxWhAAAADAEAAAAwDxYuS', 'base64')
const PPS = Buffer.from('aMuMsg==', 'base64')
const AAC_CONFIG = Buffer.from([0x12, 0x10])
const NAL_IDR = 0x65
const NAL_NON_IDR = 0x41
const ADOBE_RESPONSE = 'qNVb1mUUiU3hzmFsu9mJpg=='

/** Adobe authentication's query forms (adobe-auth.ts), well-formed and not. */
export const ADOBE_QUERIES = [
  'authmod=adobe&user=alice',
  `authmod=adobe&user=alice&challenge=0f3a9b2c&response=${ADOBE_RESPONSE}&opaque=Hq7Xk2`,
  `authmod=adobe&user=alice&challenge=0f3a9b2c&response=${ADOBE_RESPONSE}`,
  'authmod=adobe&user=al%69ce&challenge=0f3a9b2c&response=qNVb1mUUiU3hzmFsu9mJpg%3D%3D',
  'authmod=adobe',
  'authmod=adobe&user=alice&response=' + ADOBE_RESPONSE,
  'user=alice&pass=secret',
  'authmod=llnw&user=alice',
]

/** C0 + C1 of the simple handshake (zero version field), or of a Flash-style one (a client version). */
export function c0c1(rng: Rng): Buffer {
  const b = Buffer.alloc(C0C1_SIZE)
  b[0] = RTMP_VERSION
  b.writeUInt32BE(rng.int(0x100000000), 1)
  if (rng.chance(0.5)) b.writeUInt32BE(0x09007c02, 5)
  rng.bytes(C0C1_SIZE - 9).copy(b, 9)
  return b
}

/** A connect command object's app: a path, maybe with a query (credentials or an Adobe step). */
export function connectApp(rng: Rng, path: string): string {
  // Mostly plain: every Adobe step but the last valid one ends in a rejection, and the session with it.
  return rng.chance(0.8) ? path : `${path}?${rng.pick(ADOBE_QUERIES)}`
}

export function connectValues(app: string, port: number): Amf0Value[] {
  return [
    'connect',
    1,
    amf0Object({
      app,
      type: 'nonprivate',
      flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
      tcUrl: `rtmp://127.0.0.1:${port}/${app}`,
      fpad: false,
      capabilities: 15,
      audioCodecs: 3191,
      videoCodecs: 252,
      videoFunction: 1,
      objectEncoding: 0,
    }),
  ]
}

export const commandValues = {
  createStream: (): Amf0Value[] => ['createStream', 2, null],
  publish: (name: string): Amf0Value[] => ['publish', 3, null, name, 'live'],
  play: (name: string): Amf0Value[] => ['play', 3, null, name, -2000],
  deleteStream: (): Amf0Value[] => ['deleteStream', 4, null, RTMP_STREAM_ID],
}

export function metadataPayload(): Buffer {
  return Buffer.concat([
    encodeAmf0('@setDataFrame', 'onMetaData'),
    encodeAmf0EcmaArray(amf0Object({ width: 640, height: 360, framerate: 25, videocodecid: 7, audiocodecid: 10, encoder: 'fuzz' })),
  ])
}

/** An AVCDecoderConfigurationRecord (ISO 14496-15 5.2.4.1) of the SPS and PPS. */
function avcC(): Buffer {
  const len = (b: Buffer) => Buffer.from([b.length >> 8, b.length & 0xff])
  return Buffer.concat([Buffer.from([1, SPS[1]!, SPS[2]!, SPS[3]!, 0xff, 0xe1]), len(SPS), SPS, Buffer.from([1]), len(PPS), PPS])
}

/** One length-prefixed NAL unit of `size` random bytes (a slice that no decoder is asked to decode). */
function nalu(rng: Rng, keyframe: boolean, size: number): Buffer {
  const body = Buffer.concat([Buffer.from([keyframe ? NAL_IDR : NAL_NON_IDR]), rng.bytes(size)])
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length)
  return Buffer.concat([head, body])
}

/** FLV bodies: the sequence headers first, then `frames` video frames (a keyframe every 10) with AAC frames between. */
export function flvBodies(rng: Rng, frames: number): { typeId: number; body: Buffer }[] {
  const out = [
    { typeId: MessageType.VIDEO, body: Buffer.concat(videoTag('H264', 'config', true, 0, avcC())) },
    { typeId: MessageType.AUDIO, body: Buffer.concat(aacTag('config', AAC_CONFIG)) },
  ]
  for (let i = 0; i < frames; i++) {
    const key = i % 10 === 0
    out.push({
      typeId: MessageType.VIDEO,
      body: Buffer.concat(videoTag('H264', 'frame', key, rng.int(80), nalu(rng, key, 20 + rng.int(400)))),
    })
    if (rng.chance(0.6)) out.push({ typeId: MessageType.AUDIO, body: Buffer.concat(aacTag('frame', rng.bytes(8 + rng.int(200)))) })
  }
  return out
}

/** FLV tag bodies for the parser fuzzer: every form flv-tags.ts reads. */
export function flvTagSamples(rng: Rng): Buffer[] {
  return [
    ...flvBodies(rng, 3).map((t) => t.body),
    Buffer.concat(videoTag('H265', 'config', true, 0, rng.bytes(30))),
    Buffer.concat(videoTag('H265', 'frame', false, -40, nalu(rng, false, 30))),
    Buffer.from([0x17, 0x02, 0, 0, 0]),
    Buffer.from([0x22, 0x01, 0x02, 0x03]),
  ]
}

/** AMF0 payloads for the parser fuzzer: commands, metadata, and the nested and typed values AMF0 has. */
export function amf0Samples(): Buffer[] {
  return [
    encodeAmf0(...connectValues('pub?authmod=adobe&user=alice', 1935)),
    encodeAmf0(...commandValues.publish('pub')),
    encodeAmf0(...commandValues.play('bench')),
    encodeAmf0(
      '_result',
      1,
      amf0Object({ a: [1, 'two', null, undefined, true] }),
      amf0Object({ nested: amf0Object({ deep: new Date(0) }) }),
    ),
    metadataPayload(),
  ]
}

/** A message as chunks, `chunkSize` at a time. */
export function chunked(writer: ChunkWriter, m: RtmpMessage): Buffer {
  return Buffer.concat(writer.write(m))
}

/** The chunk stream a publisher sends after its handshake: set-chunk-size, connect, createStream, publish and media. */
export function chunkStreamSample(rng: Rng): Buffer {
  const w = new ChunkWriter()
  const size = rng.pick([64, 128, 4096])
  const parts = [chunked(w, setChunkSizeMessage(size))]
  w.setChunkSize(size)
  parts.push(chunked(w, commandMessage(0, ...connectValues(connectApp(rng, ''), 1935))))
  parts.push(chunked(w, commandMessage(0, ...commandValues.createStream())))
  parts.push(chunked(w, commandMessage(RTMP_STREAM_ID, ...commandValues.publish('pub'))))
  for (const t of flvBodies(rng, 2))
    parts.push(
      chunked(w, {
        chunkStreamId: t.typeId === MessageType.VIDEO ? 6 : 4,
        timestamp: rng.int(0x1000000 + 100),
        typeId: t.typeId,
        messageStreamId: RTMP_STREAM_ID,
        payload: t.body,
      }),
    )
  return Buffer.concat(parts)
}
