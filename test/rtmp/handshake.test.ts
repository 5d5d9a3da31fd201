/** The server handshake: simple and digest C1 both get the simple S1 and C1 echoed as S2; other versions are refused. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ProtocolError } from '../../src/errors.js'
import { C0C1_SIZE, HANDSHAKE_SIZE, parseC0C1, serverHello } from '../../src/rtmp/handshake.js'
import { streamKey } from '../../src/rtmp/stream-key.js'

describe('RTMP handshake', () => {
  it('answers a digest C1 (ffmpeg: version 9.0.124.2 in bytes 4..7) with a simple S1 and C1 echoed', () => {
    const c0c1 = Buffer.alloc(C0C1_SIZE, 0x5a)
    c0c1[0] = 3
    c0c1.writeUInt32BE(1234, 1)
    c0c1.writeUInt32BE(0x0900_7c02, 5)
    const hello = parseC0C1(c0c1)
    assert.equal(hello.time, 1234)
    assert.equal(hello.clientVersion, 0x0900_7c02)
    const out = serverHello(hello, 77, (b) => b.fill(1))
    assert.equal(out.length, 1 + 2 * HANDSHAKE_SIZE)
    assert.equal(out[0], 3)
    assert.equal(out.readUInt32BE(1), 77)
    assert.equal(out.readUInt32BE(5), 0, 'S1 says simple handshake')
    assert.equal(out[9], 1)
    assert.ok(out.subarray(1 + HANDSHAKE_SIZE).equals(c0c1.subarray(1)), 'S2 echoes C1')
  })
  it('refuses RTMPE (version 6), TLS and HTTP', () => {
    for (const first of [6, 0x16, 0x47]) {
      const b = Buffer.alloc(C0C1_SIZE)
      b[0] = first
      assert.throws(
        () => parseC0C1(b),
        (e: unknown) => e instanceof ProtocolError && e.code === 'ERR_RTMP_VERSION',
      )
    }
  })
})

describe('stream keys', () => {
  it('app and stream name make the path; a query on either gives credentials', () => {
    assert.deepEqual({ ...streamKey('live', 'cam'), query: undefined }, { path: 'live/cam', query: undefined })
    assert.equal(streamKey('cam', '').path, 'cam')
    assert.equal(streamKey('', 'cam').path, 'cam')
    assert.equal(streamKey('a', 'b/c').path, 'a/b/c')
    assert.deepEqual(streamKey('live', 'cam?user=u&pass=p%20w').credentials, { username: 'u', password: 'p w' })
    assert.deepEqual(streamKey('live?user=u&pass=p', 'cam').credentials, { username: 'u', password: 'p' })
    assert.equal(streamKey('live', 'cam?user=u').credentials, undefined)
    assert.equal(streamKey('live/', '/cam?x=1').path, 'live/cam')
  })
})
