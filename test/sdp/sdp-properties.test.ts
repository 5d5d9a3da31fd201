import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { RtspkitError } from '../../src/errors.js'
import { formatSdp, parseSdp, type SdpAttribute, type SdpMedia, type SessionDescription } from '../../src/sdp/sdp.js'

const plain = <T extends object>(o: T): T => ({ ...o })

const TOKEN_CHARS = 'abcXYZ019._-+/'.split('')
const token = fc.array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: 8 }).map((a) => a.join(''))
/** Text without line breaks, NUL, or leading/trailing whitespace; may hold inner spaces, ':' and '='. */
const text = fc.array(fc.oneof(token, fc.constantFrom(':', '=', ';', 'é', '<a@b>')), { minLength: 1, maxLength: 5 }).map((a) => a.join(' '))
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

const attribute: fc.Arbitrary<SdpAttribute> = fc
  .record({ key: token, value: optional(fc.oneof(text, fc.constant(''))) })
  .map(withoutUndefined)

const media: fc.Arbitrary<SdpMedia> = fc
  .record({
    type: token,
    port: fc.integer({ min: 0, max: 65535 }),
    portCount: optional(fc.integer({ min: 1, max: 65535 })),
    protocol: token,
    formats: fc.array(token, { maxLength: 4 }),
    title: optional(text),
    connection: optional(text),
    bandwidths: fc.array(text, { maxLength: 2 }),
    key: optional(text),
    attributes: fc.array(attribute, { maxLength: 5 }),
    extraLines: optional(
      fc.array(
        fc.tuple(fc.constantFrom('x', 'y', 'Z', 't', 'v'), text).map(([l, v]) => `${l}=${v}`),
        { minLength: 1, maxLength: 2 },
      ),
    ),
  })
  .map(withoutUndefined)

const timing = fc
  .array(
    fc.tuple(
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a} ${b}`),
      fc.array(
        text.map((r) => `r=${r}`),
        { maxLength: 2 },
      ),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((list) => list.flatMap(([t, rs]) => [t, ...rs]))

const description: fc.Arbitrary<SessionDescription> = fc
  .record({
    version: fc.nat({ max: 9 }),
    origin: fc
      .record({ username: token, sessionId: token, sessionVersion: token, netType: token, addrType: token, address: text })
      .map(plain),
    sessionName: fc.oneof(text, fc.constant('')),
    info: optional(text),
    uri: optional(text),
    emails: fc.array(text, { maxLength: 2 }),
    phones: fc.array(text, { maxLength: 2 }),
    connection: optional(text),
    bandwidths: fc.array(text, { maxLength: 2 }),
    timing,
    timeZones: optional(text),
    key: optional(text),
    attributes: fc.array(attribute, { maxLength: 5 }),
    media: fc.array(media, { maxLength: 3 }),
    extraLines: optional(
      fc.array(
        fc.tuple(fc.constantFrom('x', 'y', 'Z'), text).map(([l, v]) => `${l}=${v}`),
        { minLength: 1, maxLength: 2 },
      ),
    ),
  })
  .map(withoutUndefined)

test('SDP property: generated descriptions round-trip format → parse', () => {
  fc.assert(
    fc.property(description, (d) => {
      const text = formatSdp(d)
      assert.deepEqual(parseSdp(text), d)
      assert.equal(formatSdp(parseSdp(text)), text)
      assert.ok(text.endsWith('\r\n'))
    }),
    { numRuns: 1000 },
  )
})

function checkParse(input: string | Uint8Array): void {
  let d: SessionDescription
  try {
    d = parseSdp(input)
  } catch (e) {
    assert.ok(e instanceof RtspkitError, String(e))
    return
  }
  // parse → format → parse is stable: one pass reaches the canonical form.
  const once = formatSdp(d)
  assert.equal(formatSdp(parseSdp(once)), once)
}

test('SDP property: random strings parse or throw a RtspkitError', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkParse), { numRuns: 2000 })
})

test('SDP property: random bytes parse or throw a RtspkitError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), checkParse), { numRuns: 1000 })
})

const LINE_TYPES = 'vosiuepcbtrzkamxY'.split('')
const VALUE_CHARS = [' ', '\t', ':', '/', '=', ';', '0', '1', '9', 'a', 'R', 'T', 'P', 'A', 'V', 't', 'r', 's', '-', 'é']
const sdpishLine = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...LINE_TYPES), fc.array(fc.constantFrom(...VALUE_CHARS), { maxLength: 24 }))
      .map(([t, v]) => `${t}=${v.join('')}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('m=video 0 RTP/AVP 96', 'm=audio 5000/2 RTP/AVP 0 8', 't=0 0', 'v=0', '', ' ', 'garbage') },
)
const sdpish = fc.tuple(fc.array(sdpishLine, { maxLength: 30 }), fc.constantFrom('\r\n', '\n', '\r')).map(([lines, eol]) => lines.join(eol))

test('SDP property: line soup parses or throws a RtspkitError, and formatting is idempotent', () => {
  fc.assert(fc.property(sdpish, checkParse), { numRuns: 3000 })
})

test('SDP: a t= value that starts like an r= or t= line is refused (fast-check counterexample "t=t=r=")', () => {
  // It was formatted as "t=r=", which parsed back as a repeat line: format was not idempotent.
  for (const input of ['v=0\r\nt=r=1\r\n', 't=t=r=\r\n', 'v=0\r\nt=t=0 0\r\n']) {
    assert.throws(
      () => parseSdp(input),
      (e: unknown) => e instanceof RtspkitError && e.code === 'ERR_SDP_LINE',
      JSON.stringify(input),
    )
  }
})
