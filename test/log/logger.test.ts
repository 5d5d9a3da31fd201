import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { createLogger } from '../../src/log/logger.js'

function capture(format: 'pretty' | 'json'): { text: () => string; log: ReturnType<typeof createLogger> } {
  const out = new PassThrough()
  let text = ''
  out.on('data', (d: Buffer) => (text += d.toString('utf8')))
  const log = createLogger({ level: 'debug', format, out, err: out, now: () => Date.UTC(2026, 11, 7, 12, 0, 0) })
  return { text: () => text, log }
}

describe('logger', () => {
  it('writes what peers sent with its control characters escaped, so no peer moves the cursor or breaks a line', () => {
    const { text, log } = capture('pretty')
    log.warn('no stream at "live/\u001b[2J\u0000\rfake\u009b"', { path: 'a\u0007b', remote: '127.0.0.1' })
    assert.equal(text(), '12:00:00.000 WRN [/a\\x07b 127.0.0.1] no stream at "live/\\x1b[2J\\x00\\x0dfake\\x9b"\n')
  })

  it('keeps a multi-line message together, its lines indented under the first, tabs as they are', () => {
    const { text, log } = capture('pretty')
    log.info('OPTIONS * RTSP/1.0\r\nCSeq:\t1\r\n')
    assert.equal(text(), '12:00:00.000 INF OPTIONS * RTSP/1.0\n    CSeq:\t1\n')
  })

  it('JSON lines escape control characters as JSON does', () => {
    const { text, log } = capture('json')
    log.error('x\u001by')
    assert.deepEqual(JSON.parse(text()), { time: '2026-12-07T12:00:00.000Z', level: 'error', msg: 'x\u001by' })
  })
})
