// `rtp recv --out x.mp4`: the MP4 sink built from a format's SDP parameters, read back by ffprobe.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, describe, it } from 'node:test'
import { joinAnnexB } from '../../../src/codecs/h264/annexb.js'
import { NalType, nalType } from '../../../src/codecs/h264/nal.js'
import { createCodecRegistry } from '../../../src/codecs/registry.js'
import type { FormatParams } from '../../../src/codecs/codec.js'
import { ConfigError } from '../../../src/errors.js'
import { mp4TrackFor } from '../../../src/formats/mp4/sdp-track.js'
import { loadH264File } from '../../../src/sources/h264-file.js'
import { openSink, sinkFits } from '../../../src/sinks/sink-factory.js'
import { tempDir } from '../../helpers/audio-interop.js'
import { h264File } from '../../interop/harness.js'
import { decodeErrors, probeStreams } from './probe.js'

const registry = createCodecRegistry()
const params = (encodingName: string, clockRate: number, channels?: number, fmtp: Record<string, string> = {}): FormatParams => ({
  payloadType: 96,
  encodingName,
  clockRate,
  ...(channels !== undefined ? { channels } : {}),
  fmtp: new Map(Object.entries(fmtp)),
})

describe('MP4 sink', () => {
  const tmp = tempDir('mp4-sink')
  after(() => tmp.cleanup())

  it('writes H.264 frames whose parameter sets are only in the SDP', async () => {
    const clip = loadH264File(await h264File({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 }))
    const sprop = `${clip.sps.toString('base64')},${clip.pps.toString('base64')}`
    const out = join(tmp.dir, 'recv.mp4')
    const sink = openSink(out, {
      codec: registry.byName('h264')!,
      params: params('H264', 90000, undefined, { 'packetization-mode': '1', 'sprop-parameter-sets': sprop }),
    })
    clip.accessUnits.forEach((au, i) => {
      const data = joinAnnexB(au.nalus.filter((n) => nalType(n) !== NalType.SPS && nalType(n) !== NalType.PPS))
      sink.write({ data, timestamp: i * 3600, keyframe: au.keyframe, ptsMs: i * 40, ssrc: 1 })
    })
    await sink.close()
    assert.equal(sink.framesWritten, clip.accessUnits.length)
    assert.match(sink.description, /fragmented MP4/)
    const [v] = probeStreams(out)
    assert.deepEqual([v!.codec_name, v!.width, Number(v!.nb_read_frames)], ['h264', 320, clip.accessUnits.length])
    assert.equal(decodeErrors(out), '')
  })

  it('describes audio formats from rtpmap and fmtp', () => {
    assert.deepEqual(mp4TrackFor(registry.byName('pcma')!, params('PCMA', 8000, 1)), {
      kind: 'audio',
      codec: 'pcma',
      sampleRate: 8000,
      channels: 1,
    })
    assert.deepEqual(
      mp4TrackFor(
        registry.byName('aac')!,
        params('MPEG4-GENERIC', 48000, 2, { mode: 'AAC-hbr', config: '1190', sizelength: '13', indexlength: '3', indexdeltalength: '3' }),
      ),
      { kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2, config: Buffer.from('1190', 'hex') },
    )
    assert.throws(
      () => mp4TrackFor(registry.byName('aac')!, params('MPEG4-GENERIC', 48000, 2, {})),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_MP4_TRACK_CONFIG',
    )
  })

  it('is chosen by .mp4 for the formats it carries, never for stdout', () => {
    assert.equal(sinkFits('x.mp4', registry.byName('h265')!), true)
    assert.equal(sinkFits('x.mp4', registry.byName('opus')!), true)
    assert.equal(sinkFits('x.mp4', registry.byName('jpeg')!), false)
    const jpeg = join(tmp.dir, 'jpeg.mp4')
    assert.throws(
      () => openSink(jpeg, { codec: registry.byName('jpeg')!, params: params('JPEG', 90000) }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_SINK_FORMAT',
    )
    assert.equal(existsSync(jpeg), false)
    const stdout = new PassThrough()
    assert.doesNotMatch(openSink('-', { codec: registry.byName('opus')!, params: params('opus', 48000, 2), stdout }).description, /MP4/)
  })
})
