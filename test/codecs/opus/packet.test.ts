import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ParseError } from '../../../src/errors.js'
import { OPUS_MAX_FRAME_SIZE, opusFrameSamples, parseOpusPacket } from '../../../src/codecs/opus/packet.js'
import { hex } from '../../helpers/split.js'

const invalid = (rule: string) => (e: unknown) => e instanceof ParseError && e.code === 'ERR_OPUS_PACKET' && e.message.includes(rule)

describe('Opus packets (RFC 6716 3)', () => {
  it('knows the frame size of every TOC configuration (Table 2)', () => {
    const ms = Array.from({ length: 32 }, (_, c) => opusFrameSamples(c) / 48)
    assert.deepEqual(ms, [
      10,
      20,
      40,
      60,
      10,
      20,
      40,
      60,
      10,
      20,
      40,
      60, // SILK NB, MB, WB
      10,
      20,
      10,
      20, // Hybrid SWB, FB
      2.5,
      5,
      10,
      20,
      2.5,
      5,
      10,
      20,
      2.5,
      5,
      10,
      20,
      2.5,
      5,
      10,
      20, // CELT NB, WB, SWB, FB
    ])
  })

  it('reads the four frame-count codes', () => {
    assert.deepEqual(parseOpusPacket(hex('fc aabb')), { config: 31, stereo: true, code: 0, frameCount: 1, frameSamples: 960, samples: 960 })
    assert.deepEqual(parseOpusPacket(hex('f9 aabb')), {
      config: 31,
      stereo: false,
      code: 1,
      frameCount: 2,
      frameSamples: 960,
      samples: 1920,
    })
    assert.equal(parseOpusPacket(hex('0a 01 aa bb')).samples, 1920) // code 2: first frame 1 byte, second 1 byte
    assert.equal(parseOpusPacket(hex('0a 00')).frameCount, 2) // code 2 with two empty frames (DTX)
    assert.equal(parseOpusPacket(Buffer.concat([hex('0a fc 01'), Buffer.alloc(256 + 3)])).samples, 1920) // two-byte length 252 + 4*1
    assert.equal(parseOpusPacket(hex('03 04 aabbccdd')).samples, 4 * 480) // code 3, CBR, 4 SILK 10 ms frames
    assert.equal(parseOpusPacket(hex('03 83 01 02 aa bbcc')).samples, 3 * 480) // code 3, VBR: lengths 1 and 2, last 0
    assert.equal(parseOpusPacket(hex('03 42 02 aabb 0000')).frameCount, 2) // code 3, CBR with 2 bytes of padding
    assert.equal(parseOpusPacket(Buffer.concat([hex('03 41 ff 00'), Buffer.alloc(254)])).frameCount, 1) // padding 254 + 0
    assert.equal(parseOpusPacket(hex('fc')).samples, 960, 'a packet of only the TOC is a 0-byte frame (R1 allows it)')
  })

  it('enforces R1-R7', () => {
    assert.throws(() => parseOpusPacket(hex('')), invalid('R1'))
    assert.throws(() => parseOpusPacket(Buffer.concat([hex('fc'), Buffer.alloc(OPUS_MAX_FRAME_SIZE + 1)])), invalid('R2'))
    assert.throws(() => parseOpusPacket(hex('f9 aabbcc')), invalid('R3'))
    assert.throws(() => parseOpusPacket(hex('0a')), invalid('R4'))
    assert.throws(() => parseOpusPacket(hex('0a 05 aa')), invalid('R4'))
    assert.throws(() => parseOpusPacket(hex('0a fc')), invalid('R4'))
    assert.throws(() => parseOpusPacket(hex('03 00')), invalid('R5')) // M = 0
    assert.throws(() => parseOpusPacket(hex('1b 03 aabbcc')), invalid('R5')) // 3 x 60 ms > 120 ms
    assert.throws(() => parseOpusPacket(hex('03')), invalid('R6'))
    assert.throws(() => parseOpusPacket(hex('03 43')), invalid('R6'))
    assert.throws(() => parseOpusPacket(hex('03 42 09 aa')), invalid('R6/R7'))
    assert.throws(() => parseOpusPacket(hex('03 82 05 aa')), invalid('R6'))
    assert.throws(() => parseOpusPacket(hex('03 03 aabb')), invalid('R7'))
  })
})
