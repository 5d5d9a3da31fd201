import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { aacFmtp, aacRtpmap, parseAacFmtp } from '../../../src/codecs/aac/format.js'
import { parseFmtp } from '../../../src/sdp/fmtp.js'
import { parseRtpmap } from '../../../src/sdp/rtpmap.js'
import { ASC_LC_48K_STEREO } from './vectors.js'

describe('AAC SDP format', () => {
  it('writes the AAC-hbr fmtp and the rtpmap', () => {
    assert.equal(
      aacFmtp(ASC_LC_48K_STEREO),
      'streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190',
    )
    assert.equal(aacRtpmap(97, 48000, 2), '97 MPEG4-GENERIC/48000/2')
    assert.deepEqual(parseRtpmap(aacRtpmap(97, 44100, 1)), {
      payloadType: 97,
      encodingName: 'MPEG4-GENERIC',
      clockRate: 44100,
      channels: 1,
    })
  })

  it('parses what it writes', () => {
    const p = parseAacFmtp(aacFmtp(ASC_LC_48K_STEREO))
    assert.equal(p.mode, 'AAC-hbr')
    assert.deepEqual(p.config, ASC_LC_48K_STEREO)
    assert.deepEqual([p.sizeLength, p.indexLength, p.indexDeltaLength, p.ctsDeltaLength, p.dtsDeltaLength], [13, 3, 3, 0, 0])
    assert.equal(p.streamType, 5)
    assert.equal(p.profileLevelId, 1)
  })

  it("parses ffmpeg's fmtp (space before config) and GStreamer's, from a string or a parsed a=fmtp", () => {
    const ff = parseAacFmtp('profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=1190')
    assert.deepEqual(ff.config, ASC_LC_48K_STEREO)
    const gst = parseAacFmtp(
      parseFmtp('96 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=119056e500;sizelength=13;indexlength=3;indexdeltalength=3').params,
    )
    assert.equal(gst.config.toString('hex'), '119056e500')
    assert.equal(gst.profileLevelId, 2)
  })

  it('reads the optional AU-header fields (AAC-lbr, CTS/DTS, RAP, stream state, auxiliary data)', () => {
    const p = parseAacFmtp(
      'mode=aac-lbr;config=1190;SizeLength=6;IndexLength=2;IndexDeltaLength=2;CTSDeltaLength=4;DTSDeltaLength=5;RandomAccessIndication=1;StreamStateIndication=3;AuxiliaryDataSizeLength=8',
    )
    assert.deepEqual(
      [
        p.mode,
        p.sizeLength,
        p.indexLength,
        p.indexDeltaLength,
        p.ctsDeltaLength,
        p.dtsDeltaLength,
        p.randomAccessIndication,
        p.streamStateIndication,
        p.auxiliaryDataSizeLength,
      ],
      ['aac-lbr', 6, 2, 2, 4, 5, true, 3, 8],
    )
  })

  it('rejects a missing mode or config, bad numbers and constant-size streams', () => {
    const bad = (v: string) =>
      assert.throws(
        () => parseAacFmtp(v),
        (e: unknown) => e instanceof ParseError && e.code === 'ERR_AAC_FMTP',
      )
    bad('config=1190;sizelength=13')
    bad('mode=AAC-hbr;sizelength=13')
    bad('mode=AAC-hbr;sizelength=13;config=119')
    bad('mode=AAC-hbr;sizelength=13;config=zz')
    bad('mode=AAC-hbr;sizelength=x;config=1190')
    bad('mode=AAC-hbr;sizelength=33;config=1190')
    bad('mode=AAC-hbr;randomaccessindication=2;sizelength=13;config=1190')
    bad('mode=AAC-hbr;config=1190;constantsize=100')
  })
})
