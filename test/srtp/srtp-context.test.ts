// SRTP and SRTCP (RFC 3711): the Appendix B vectors byte for byte, then round trips, ROC roll-over,
// replay and tampering.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { RtspkitError } from '../../src/errors.js'
import { AesCounterMode } from '../../src/srtp/aes-cm.js'
import { deriveKey, Label } from '../../src/srtp/key-derivation.js'
import { SrtpContext } from '../../src/srtp/srtp-context.js'
import { ERR_SRTP_AUTH, ERR_SRTP_REPLAY, ERR_SRTP_SHORT } from '../../src/srtp/srtp-errors.js'
import { AES_CM_128_HMAC_SHA1_32, AES_CM_128_HMAC_SHA1_80 } from '../../src/srtp/srtp-profile.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

test('RFC 3711 B.2: the AES-CM keystream, first and last blocks of the 65282-block segment', () => {
  const cm = new AesCounterMode(hex('2B7E151628AED2A6ABF7158809CF4F3C'))
  const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000')
  const stream = cm.keystream(iv, 1044512)
  assert.equal(
    stream.subarray(0, 48).toString('hex').toUpperCase(),
    'E03EAD0935C95E80E166B16DD92B4EB4' + 'D23513162B02D0F72A43A2FE4A5F97AB' + '41E95B3BB0A2E8DD477901E4FCA894C0',
  )
  assert.equal(
    stream
      .subarray(stream.length - 48)
      .toString('hex')
      .toUpperCase(),
    'EC8CDF7398607CB0F2D21675EA9EA1E4' + '362B7C3C6773516318A077D7FC5073AE' + '6A2CC3787889374FBEB4C81B17BA6C44',
  )
})

test('RFC 3711 B.3: key derivation, labels 0, 1 (94 bytes) and 2', () => {
  const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139')
  const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6')
  const prf = new AesCounterMode(masterKey)
  assert.deepEqual(deriveKey(prf, masterSalt, Label.rtpEncryption, 16), hex('C61E7A93744F39EE10734AFE3FF7A087'))
  assert.deepEqual(deriveKey(prf, masterSalt, Label.rtpSalt, 14), hex('30CBBC08863D8C85D49DB34A9AE1'))
  assert.deepEqual(
    deriveKey(prf, masterSalt, Label.rtpAuthentication, 94),
    hex(`CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
         E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
         6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2`),
  )
})

const master = { key: hex('E1F97A0D3E018BE0D64FA32C06DE4139'), salt: hex('0EC675AD498AFEEBB6960B3AABE6') }

function rtp(seq: number, ssrc: number, payload: Buffer, marker = false): Buffer {
  const p = Buffer.alloc(12 + payload.length)
  p[0] = 0x80 // V=2, no padding, no extension, CC=0
  p[1] = (marker ? 0x80 : 0) | 96 // M, PT 96
  p.writeUInt16BE(seq & 0xffff, 2)
  p.writeUInt32BE((seq * 3000) >>> 0, 4)
  p.writeUInt32BE(ssrc >>> 0, 8)
  payload.copy(p, 12)
  return p
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof RtspkitError, `not a typed error: ${String(err)}`)
    return err.code
  }
  return 'none'
}

test('SRTP: the header stays clear, the payload changes, the tag is 10 (80) or 4 (32) bytes', () => {
  for (const profile of [AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32]) {
    const tx = new SrtpContext(master, profile)
    const rx = new SrtpContext(master, profile)
    const plain = rtp(1000, 0xdecafbad, Buffer.alloc(100, 0xab))
    const copy = Buffer.from(plain)
    const s = tx.protectRtp(plain)
    assert.deepEqual(plain, copy, 'the input is not changed')
    assert.equal(s.length, plain.length + profile.rtpTagLength)
    assert.deepEqual(s.subarray(0, 12), plain.subarray(0, 12))
    assert.notDeepEqual(s.subarray(12, plain.length), plain.subarray(12))
    assert.deepEqual(rx.unprotectRtp(s), plain)
  }
})

test('SRTP: round trip for any payload and sequence numbers across the 16-bit wrap (ROC)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 65535 }),
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (start, payloads, ssrc) => {
        const tx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
        const rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
        payloads.forEach((pl, i) => {
          const p = rtp(start + i * 2000, ssrc, Buffer.from(pl))
          assert.deepEqual(rx.unprotectRtp(tx.protectRtp(p)), p)
        })
      },
    ),
  )
})

test('SRTP: the ROC counts wraps, so a packet after the wrap authenticates only with ROC 1', () => {
  const tx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const late = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  let last: Buffer = Buffer.alloc(0)
  for (let seq = 65530; seq < 65546; seq++) {
    last = tx.protectRtp(rtp(seq, 7, Buffer.from([seq & 0xff])))
    assert.equal(rx.unprotectRtp(last).readUInt16BE(2), seq & 0xffff)
  }
  // A receiver that starts after the wrap assumes ROC 0 and so cannot authenticate it.
  assert.equal(
    codeOf(() => late.unprotectRtp(last)),
    ERR_SRTP_AUTH,
  )
})

test('SRTP: a replayed packet and one older than the 64-packet window are refused and counted', () => {
  const tx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const sent = Array.from({ length: 100 }, (_, i) => tx.protectRtp(rtp(i, 1, Buffer.alloc(20, i))))
  rx.unprotectRtp(sent[0]!)
  rx.unprotectRtp(sent[99]!)
  assert.equal(
    codeOf(() => rx.unprotectRtp(sent[99]!)),
    ERR_SRTP_REPLAY,
  )
  assert.equal(
    codeOf(() => rx.unprotectRtp(sent[10]!)),
    ERR_SRTP_REPLAY,
  )
  rx.unprotectRtp(sent[50]!) // reordered but inside the window
  assert.equal(
    codeOf(() => rx.unprotectRtp(sent[50]!)),
    ERR_SRTP_REPLAY,
  )
  assert.equal(rx.counters.replayed, 3)
})

test('SRTP: any flipped bit or truncation gives a typed error and counts, never a crash', () => {
  const tx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const good = tx.protectRtp(rtp(5, 9, Buffer.alloc(64, 1)))
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length * 8 - 1 }), (bit) => {
      const rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
      const bad = Buffer.from(good)
      bad[bit >> 3]! ^= 1 << (bit & 7)
      const code = codeOf(() => rx.unprotectRtp(bad))
      assert.ok([ERR_SRTP_AUTH, ERR_SRTP_SHORT].includes(code), code)
    }),
  )
  const rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  for (let n = 0; n < 22; n++)
    assert.equal(
      codeOf(() => rx.unprotectRtp(good.subarray(0, n))),
      ERR_SRTP_SHORT,
    )
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const code = codeOf(() => rx.unprotectRtp(bytes))
      assert.ok([ERR_SRTP_AUTH, ERR_SRTP_SHORT, ERR_SRTP_REPLAY].includes(code), code)
      const code2 = codeOf(() => rx.unprotectRtcp(bytes))
      assert.ok([ERR_SRTP_AUTH, ERR_SRTP_SHORT, ERR_SRTP_REPLAY].includes(code2), code2)
    }),
  )
  const forged = Buffer.from(good)
  forged.fill(0, forged.length - 10)
  assert.equal(
    codeOf(() => rx.unprotectRtp(forged)),
    ERR_SRTP_AUTH,
  )
  assert.ok(rx.counters.authFailures >= 1)
})

test('SRTCP: E bit and index after the payload, 80-bit tag, round trip, tamper and replay refused', () => {
  const tx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_32)
  const rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_32)
  // A receiver report: V=2 RC=0, PT 201, length 1, SSRC.
  const rr = hex('80c90001 11223344')
  const sr = hex('80c80006 11223344 0000000100000002 00000003 00000004 00000005')
  const a = tx.protectRtcp(rr)
  const b = tx.protectRtcp(sr)
  assert.equal(a.length, rr.length + 4 + 10)
  assert.equal(a.readUInt32BE(rr.length), 0x80000000, 'E=1, index 0')
  assert.equal(b.readUInt32BE(sr.length), 0x80000001, 'E=1, index 1')
  assert.deepEqual(b.subarray(0, 8), sr.subarray(0, 8))
  assert.notDeepEqual(b.subarray(8, sr.length), sr.subarray(8))
  assert.deepEqual(rx.unprotectRtcp(a), rr)
  assert.deepEqual(rx.unprotectRtcp(b), sr)
  assert.equal(
    codeOf(() => rx.unprotectRtcp(b)),
    ERR_SRTP_REPLAY,
  )
  const bad = Buffer.from(tx.protectRtcp(sr))
  bad[10]! ^= 0x40
  assert.equal(
    codeOf(() => rx.unprotectRtcp(bad)),
    ERR_SRTP_AUTH,
  )
  assert.equal(rx.counters.authFailures, 1)
})

test('SRTP: a receiver told the ROC (MIKEY CS map) joins a sender past a sequence wrap', () => {
  const tx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  for (let seq = 65500; seq < 65536 + 10; seq++) tx.protectRtp(rtp(seq, 42, Buffer.alloc(8)))
  const next = rtp(65536 + 10, 42, Buffer.alloc(8, 5))
  const s = tx.protectRtp(next)
  const late = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  late.setRolloverCounter(42, 1)
  assert.deepEqual(late.unprotectRtp(s), next)
  const unaware = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  assert.equal(
    codeOf(() => unaware.unprotectRtp(s)),
    ERR_SRTP_AUTH,
  )
})

test('AES-CM: aligned (word) and unaligned (byte) XOR give the same keystream', () => {
  const cm = new AesCounterMode(hex('2B7E151628AED2A6ABF7158809CF4F3C'))
  const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000')
  const reference = cm.keystream(iv, 77)
  const backing = Buffer.alloc(100)
  for (const offset of [0, 1, 2, 3]) {
    const view = backing.subarray(offset, offset + 77).fill(0)
    cm.xor(iv, view)
    assert.deepEqual(view, reference, `offset ${offset}`)
  }
})
