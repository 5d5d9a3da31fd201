/**
 * An RTMP player as a stream output, without sockets: the sequence header before the first keyframe
 * (and again when the parameter sets change), FLV tags whose NAL units are length-prefixed, and a
 * slow player (its socket holding more than the bound) losing whole GOPs: it skips to the next
 * keyframe, counts every unit it drops, and the publisher and other outputs never wait.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MessageType, type RtmpMessage } from '../../src/rtmp/chunk-reader.js'
import { parseVideoTag } from '../../src/rtmp/flv-tags.js'
import { RtmpPlay } from '../../src/rtmp/rtmp-play.js'
import { Stream } from '../../src/stream/stream.js'
import { systemClock } from '../../src/util/clock.js'
import { cryptoRandom } from '../../src/util/random.js'
import { hex } from '../helpers/split.js'

const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const IDR = Buffer.concat([hex('65 88 84'), Buffer.alloc(3000, 0x11)])
const P_SLICE = Buffer.concat([hex('41 9a 02'), Buffer.alloc(500, 0x22)])

function setup(maxQueueBytes = 10_000) {
  const stream = new Stream(
    'cam',
    { video: { codec: 'h264', sps: SPS, pps: PPS } },
    { clock: systemClock, random: cryptoRandom, instantStart: false },
  )
  const sent: RtmpMessage[] = []
  const sink = { buffered: 0, send: (m: RtmpMessage) => void sent.push(m) }
  let slow = 0
  const play = new RtmpPlay(stream, 1, sink, maxQueueBytes, () => slow++)
  play.start()
  const videoTags = () =>
    sent.filter((m) => m.typeId === MessageType.VIDEO).map((m) => ({ ts: m.timestamp, tag: parseVideoTag(m.payload) }))
  return { stream, sink, play, sent, videoTags, slow: () => slow }
}

describe('RtmpPlay', () => {
  it('onMetaData first, then the AVC sequence header before the first keyframe and length-prefixed NAL units', () => {
    const { stream, sent, videoTags } = setup()
    assert.equal(sent[0]!.typeId, MessageType.DATA_AMF0)
    stream.pushVideo([P_SLICE], 0) // before any keyframe: nothing
    stream.pushVideo([SPS, PPS, IDR], 40)
    stream.pushVideo([P_SLICE], 80)
    const tags = videoTags()
    assert.deepEqual(
      tags.map((t) => (t.tag.codec === 'H264' ? `${t.ts} ${t.tag.packet} ${t.tag.keyframe}` : 'other')),
      ['0 config true', '0 frame true', '40 frame false'],
    )
    const frame = tags[1]!.tag
    assert.ok(frame.codec === 'H264' && frame.data.readUInt32BE(0) === SPS.length, 'NAL units are 4-byte length-prefixed')
  })

  it('a slow player drops whole GOPs: up to the next keyframe, every unit counted, one episode', () => {
    const { stream, sink, play, videoTags, slow } = setup(10_000)
    stream.pushVideo([SPS, PPS, IDR], 0)
    stream.pushVideo([P_SLICE], 40)
    sink.buffered = 9_800 // the socket holds almost the bound: the next unit would go over it
    stream.pushVideo([P_SLICE], 80)
    sink.buffered = 0 // drained, but the GOP is broken: wait for a keyframe
    stream.pushVideo([P_SLICE], 120)
    stream.pushVideo([P_SLICE], 160)
    stream.pushVideo([SPS, PPS, IDR], 200)
    stream.pushVideo([P_SLICE], 240)
    assert.deepEqual(
      videoTags()
        .filter((t) => t.tag.packet === 'frame')
        .map((t) => t.ts),
      [0, 40, 200, 240],
    )
    assert.equal(play.framesDropped, 3)
    assert.equal(slow(), 1)
    assert.equal(play.slowEpisodes, 1)
  })

  it('new parameter sets on a keyframe send a new sequence header', () => {
    const { stream, videoTags } = setup()
    stream.pushVideo([SPS, PPS, IDR], 0)
    stream.pushVideo([SPS, PPS, IDR], 40)
    const PPS2 = hex('68ce3c80')
    stream.pushVideo([SPS, PPS2, IDR], 80)
    assert.deepEqual(
      videoTags().map((t) => t.tag.packet),
      ['config', 'frame', 'frame', 'config', 'frame'],
    )
  })
})
