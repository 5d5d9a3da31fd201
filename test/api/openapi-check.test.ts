import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkResponse, loadOpenApi, operations, UnsupportedSchemaError, validate } from './openapi-check.js'

const doc = loadOpenApi()
const json = (status: number, body: unknown) => ({
  status,
  headers: new Headers({ 'content-type': 'application/json; charset=utf-8' }),
  text: JSON.stringify(body),
})

describe('OpenAPI document and checker', () => {
  it('the document is OpenAPI 3.1 and every schema uses only what the checker checks', () => {
    assert.equal(doc.openapi, '3.1.0')
    // Walking every component schema with a value of each JSON type reaches every keyword.
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      for (const v of [null, 1, 1.5, 'x', true, [], [{}], {}]) {
        assert.doesNotThrow(() => validate(schema, v, doc), `schema ${name}`)
      }
    }
    assert.ok(operations(doc).includes('DELETE /v1/sessions/{id}'))
  })

  it('refuses a keyword it does not implement instead of passing it silently', () => {
    assert.throws(() => validate({ type: 'string', pattern: '^a' }, 'b', doc), UnsupportedSchemaError)
    assert.throws(() => validate({ type: 'string', format: 'uri' }, 'b', doc), UnsupportedSchemaError)
  })

  it('finds wrong types, missing and extra properties, enum and range violations, bad dates, oneOf', () => {
    const session = { $ref: '#/components/schemas/Session' }
    const good = {
      id: '1',
      protocol: 'rtsp',
      role: 'reader',
      preview: false,
      path: 'cam',
      remoteAddress: '127.0.0.1',
      transport: 'tcp',
      state: 'playing',
      since: '2024-05-01T10:00:00.000Z',
      bytesSent: 10,
      bytesReceived: 0,
      packetsSent: 1,
      framesDropped: 0,
      bytesDropped: 0,
      sendErrors: 0,
      queuedBytes: 0,
      fractionLost: null,
      cumulativeLost: null,
      tracks: [],
    }
    assert.deepEqual(validate(session, good, doc), [])
    assert.deepEqual(validate(session, { ...good, bytesSent: -1 }, doc), ['$.bytesSent: -1 < minimum 0'])
    assert.deepEqual(validate(session, { ...good, bytesSent: 1.5 }, doc), ['$.bytesSent: expected integer, got number'])
    assert.deepEqual(validate(session, { ...good, transport: 'sctp' }, doc), ['$.transport: "sctp" not in ["udp","tcp","multicast"]'])
    assert.deepEqual(validate(session, { ...good, protocol: 'srt' }, doc), ['$.protocol: "srt" not in ["rtsp","webrtc","hls","rtmp"]'])
    assert.deepEqual(validate(session, { ...good, role: 'publisher', state: 'recording', bytesReceived: 5 }, doc), [])
    assert.deepEqual(validate(session, { ...good, since: 'yesterday' }, doc), ['$.since: "yesterday" is not a date-time'])
    assert.deepEqual(validate(session, { ...good, fractionLost: 2 }, doc), ['$.fractionLost: 2 > maximum 1'])
    assert.deepEqual(validate(session, { ...good, extra: 1 }, doc), ['$: unexpected property "extra"'])
    const { id: _id, ...noId } = good
    assert.deepEqual(validate(session, noId, doc), ['$: missing required "id"'])
    // An empty track misses each of its 13 required fields.
    assert.deepEqual(validate(session, { ...good, tracks: [{}] }, doc).length, 13)
    const publisher = (doc.components.schemas.Path!.properties as Record<string, Record<string, unknown>>).publisher!
    assert.deepEqual(validate(publisher, 'someone', doc), ['$: matches 0 of oneOf, needs exactly 1'])
  })

  it('checks status, media type and body of a response against its operation', () => {
    assert.deepEqual(checkResponse(doc, 'GET', '/v1/paths', json(200, { items: [] })), [])
    assert.match(checkResponse(doc, 'GET', '/v1/paths', json(418, {}))[0]!, /status 418 is not documented/)
    assert.match(
      checkResponse(doc, 'GET', '/v1/paths', { ...json(200, { items: [] }), headers: new Headers({ 'content-type': 'text/html' }) })[0]!,
      /content type "text\/html"/,
    )
    assert.deepEqual(checkResponse(doc, 'GET', '/v1/paths/{name}', json(404, { error: { code: 'ERR_API_PATH_NOT_FOUND' } })), [
      '$.error: missing required "message"',
    ])
    assert.deepEqual(checkResponse(doc, 'DELETE', '/v1/sessions/{id}', { status: 204, headers: new Headers(), text: '' }), [])
    assert.match(
      checkResponse(doc, 'DELETE', '/v1/sessions/{id}', { status: 204, headers: new Headers(), text: 'x' })[0]!,
      /without a body/,
    )
  })
})
