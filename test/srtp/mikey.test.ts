// MIKEY (RFC 3830) as GStreamer sends it, and the KeyMgmt header / key-mgmt attribute (RFC 4567).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ParseError } from '../../src/errors.js'
import { buildMikey, ERR_MIKEY, parseMikey } from '../../src/srtp/mikey.js'
import { formatKeyMgmtAttribute, formatKeyMgmtHeader, parseKeyMgmtAttribute, parseKeyMgmtHeader } from '../../src/srtp/key-mgmt.js'
import { AES_CM_128_HMAC_SHA1_32, AES_CM_128_HMAC_SHA1_80 } from '../../src/srtp/srtp-profile.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+|\/\/[^\n]*/g, ''), 'hex')

/** A message as gst-rtsp-server (gstmikey) writes it for one SSRC, AES_CM_128_HMAC_SHA1_80. */
const GST_MESSAGE = hex(`
  01 00 05 00               // HDR: version 1, PSK init, next T, V=0 PRF=0
  e6 9d 51 f8               // CSB ID
  01 00                     // #CS 1, map type SRTP-ID
  00 30 68 57 60 00 00 00 00 // policy 0, SSRC 0x30685760, ROC 0
  0b 00 eb fe 6f 2d b1 c1 3f d0 // T: next RAND, NTP-UTC, 64-bit time
  0a 10 c2 dd e4 43 a8 49 30 a5 75 7a 7e d9 c3 a4 17 fb // RAND: next SP, 16 bytes
  01 00 00 00 15            // SP: next KEMAC, policy 0, SRTP, 21 bytes of parameters
  00 01 01  01 01 10  02 01 01  03 01 0a  07 01 01  08 01 01  0a 01 01
  00 00 00 22               // KEMAC: last, encr NULL, 34 bytes
  00 20 00 1e               // key data: last, TEK KV=0, 30 bytes
  90 91 78 3d fc e8 dd cd 44 3a 53 50 8b 64 50 9f // master key
  35 bd 8a 86 bc 4d 8b 76 37 a5 02 49 3d af       // master salt
  00                        // MAC NULL
`)

function mikeyCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ParseError, `not a ParseError: ${String(err)}`)
    return err.code
  }
  return undefined
}

test("parses GStreamer's MIKEY: SSRC, ROC, policy and TEK", () => {
  const m = parseMikey(GST_MESSAGE)
  assert.equal(m.csbId, 0xe69d51f8)
  assert.deepEqual(m.sessions, [{ policyNo: 0, ssrc: 0x30685760, roc: 0 }])
  assert.equal(m.profile, AES_CM_128_HMAC_SHA1_80)
  assert.deepEqual(m.masterKey.key, hex('90 91 78 3d fc e8 dd cd 44 3a 53 50 8b 64 50 9f'))
  assert.deepEqual(m.masterKey.salt, hex('35 bd 8a 86 bc 4d 8b 76 37 a5 02 49 3d af'))
  assert.equal(m.rand?.length, 16)
  assert.equal(m.timestamp?.seconds, 0xebfe6f2d)
})

test('builds the same layout as GStreamer, byte for byte', () => {
  const m = parseMikey(GST_MESSAGE)
  const built = buildMikey({
    masterKey: m.masterKey,
    profile: AES_CM_128_HMAC_SHA1_80,
    ssrcs: [0x30685760],
    csbId: m.csbId,
    rand: m.rand!,
    timestamp: m.timestamp!,
  })
  // GStreamer's SP lists the same 7 parameters in the same order, with 16-byte keys and 10-byte tags.
  assert.equal(built.toString('hex'), GST_MESSAGE.toString('hex'))
})

test('round trip for any key, SSRCs and profile', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 30, maxLength: 30 }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 5 }),
      fc.boolean(),
      (tek, ssrcs, short) => {
        const profile = short ? AES_CM_128_HMAC_SHA1_32 : AES_CM_128_HMAC_SHA1_80
        const t = Buffer.from(tek)
        const masterKey = { key: t.subarray(0, 16), salt: t.subarray(16) }
        const built = buildMikey({ masterKey, profile, ssrcs, csbId: 1, rand: Buffer.alloc(16, 7), timestamp: { seconds: 2, fraction: 3 } })
        const m = parseMikey(built)
        assert.deepEqual(m.masterKey.key, masterKey.key)
        assert.deepEqual(m.masterKey.salt, masterKey.salt)
        assert.equal(m.profile, profile)
        assert.deepEqual(
          m.sessions.map((s) => s.ssrc),
          ssrcs,
        )
      },
    ),
  )
})

test('every truncation, unknown payload and random bytes give ParseError ERR_MIKEY', () => {
  for (let n = 0; n < GST_MESSAGE.length - 1; n++) {
    assert.equal(
      mikeyCode(() => parseMikey(GST_MESSAGE.subarray(0, n))),
      ERR_MIKEY,
      `cut at ${n}`,
    )
  }
  const unknown = Buffer.from(GST_MESSAGE)
  unknown[2] = 0x07 // next payload: ID, not supported
  assert.equal(
    mikeyCode(() => parseMikey(unknown)),
    ERR_MIKEY,
  )
  const encrypted = Buffer.from(GST_MESSAGE)
  encrypted[encrypted.length - 38] = 1 // KEMAC encr alg AES-CM
  assert.equal(
    mikeyCode(() => parseMikey(encrypted)),
    ERR_MIKEY,
  )
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const code = mikeyCode(() => parseMikey(bytes))
      assert.ok(code === undefined || code === ERR_MIKEY)
    }),
  )
  fc.assert(
    fc.property(fc.integer({ min: 0, max: GST_MESSAGE.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const b = Buffer.from(GST_MESSAGE)
      b[at]! ^= x
      const code = mikeyCode(() => parseMikey(b))
      assert.ok(code === undefined || code === ERR_MIKEY)
    }),
  )
})

test('KeyMgmt header and key-mgmt attribute', () => {
  const header = formatKeyMgmtHeader('rtsp://h/p/trackID=0', GST_MESSAGE)
  assert.match(header, /^prot=mikey; uri="rtsp:\/\/h\/p\/trackID=0"; data="AQAF/)
  const parsed = parseKeyMgmtHeader(header)
  assert.equal(parsed.uri, 'rtsp://h/p/trackID=0')
  assert.equal(parsed.message.csbId, 0xe69d51f8)
  // GStreamer writes no spaces: prot=mikey;uri="…";data="…"
  assert.equal(parseKeyMgmtHeader(header.replace(/; /g, ';')).message.csbId, 0xe69d51f8)
  assert.equal(parseKeyMgmtAttribute(formatKeyMgmtAttribute(GST_MESSAGE))?.csbId, 0xe69d51f8)
  assert.equal(parseKeyMgmtAttribute('other AAAA'), undefined)
  assert.equal(
    mikeyCode(() => parseKeyMgmtHeader('prot=mikey; data="!!notbase64"')),
    ERR_MIKEY,
  )
  assert.equal(
    mikeyCode(() => parseKeyMgmtHeader('prot=other; data="AAAA"')),
    ERR_MIKEY,
  )
  assert.equal(
    mikeyCode(() => parseKeyMgmtHeader(`prot=mikey; data="${GST_MESSAGE.subarray(0, 40).toString('base64')}"`)),
    ERR_MIKEY,
  )
})
