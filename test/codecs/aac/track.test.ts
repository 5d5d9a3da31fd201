import { packetizeFrame } from '../../../src/server/tracks/media-track.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../../../src/errors.js'
import { AacDepacketizer } from '../../../src/codecs/aac/depacketizer.js'
import { parseAacFmtp } from '../../../src/codecs/aac/format.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { AacTrack } from '../../../src/server/tracks/aac-track.js'
import { ASC_LC_48K_STEREO } from './vectors.js'

describe('AacTrack', () => {
  it('describes itself as mpeg4-generic AAC-hbr with the config', () => {
    const t = new AacTrack({ ssrc: 9, initialSequence: 100, sampleRate: 48000, channels: 2, config: ASC_LC_48K_STEREO })
    assert.deepEqual(
      [t.kind, t.codec, t.clockRate, t.payloadType, t.ready, t.ssrc, t.nextSequence],
      ['audio', 'MPEG4-GENERIC', 48000, 97, true, 9, 100],
    )
    assert.deepEqual(t.sdpAttributes(), [
      { key: 'rtpmap', value: '97 MPEG4-GENERIC/48000/2' },
      { key: 'fmtp', value: '97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190' },
    ])
    assert.deepEqual(parseAacFmtp(t.sdpAttributes()[1]!.value!.slice(3)).config, ASC_LC_48K_STEREO)
  })

  it('packetizes one AU or consecutive AUs; every unit is a keyframe', () => {
    const t = new AacTrack({ ssrc: 9, initialSequence: 100, payloadType: 100, sampleRate: 48000, channels: 2, config: ASC_LC_48K_STEREO })
    t.prepare(Buffer.alloc(1))
    const one = packetizeFrame(t, Buffer.alloc(10, 1), 5000)
    const many = packetizeFrame(t, [Buffer.alloc(10, 2), Buffer.alloc(10, 3)], 6024)
    assert.equal(one.keyframe && many.keyframe, true)
    assert.equal(one.bytes, 12 + 4 + 10)
    assert.equal(t.nextSequence, 102)
    const d = new AacDepacketizer()
    const frames = [...one.packets, ...many.packets].flatMap((p) => d.push(RtpPacket.parse(p)))
    assert.deepEqual(
      frames.map((f) => [f.data[0], f.timestamp]),
      [
        [1, 5000],
        [2, 6024],
        [3, 7048],
      ],
    )
    assert.equal(RtpPacket.parse(one.packets[0]!).payloadType, 100)
  })

  it('refuses a bad sample rate or channel count', () => {
    const bad = (o: { sampleRate: number; channels: number }, code: string) =>
      assert.throws(
        () => new AacTrack({ ssrc: 1, initialSequence: 0, config: ASC_LC_48K_STEREO, ...o }),
        (e: unknown) => e instanceof ConfigError && e.code === code,
      )
    bad({ sampleRate: 0, channels: 2 }, 'ERR_AUDIO_SAMPLE_RATE')
    bad({ sampleRate: 48000, channels: 0 }, 'ERR_AUDIO_CHANNELS')
  })

  it('refuses an invalid config in one line', () => {
    assert.throws(
      () => new AacTrack({ ssrc: 1, initialSequence: 0, sampleRate: 48000, channels: 2, config: Buffer.alloc(0) }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'ERR_AAC_CONFIG' &&
        e.message === 'invalid AAC config (empty): bitstream ended: wanted 5 bits, 0 left',
    )
  })
})
