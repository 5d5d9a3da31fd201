// The camera board module's call order, return codes, typed errors and the microsecond timestamp guard.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { K230_FAIL, K230_OK, Multimedia, RtspServer, multimedia } from '../../src/compat/k230.js'
import { TimestampGuard } from '../../src/compat/timestamp-guard.js'
import { ConfigError, StateError } from '../../src/errors.js'
import type { Clock } from '../../src/util/clock.js'

class FakeClock implements Clock {
  now = 1_000
  wallMs(): number {
    return 1_700_000_000_000 + this.now
  }
  monoMs(): number {
    return this.now
  }
}

const IDR = Buffer.from([0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x10])

function initialised(clock?: Clock): Multimedia {
  const mm = new Multimedia({ host: '127.0.0.1', publicHost: '127.0.0.1', clock })
  assert.equal(mm.rtspserver_create(), K230_OK)
  mm.rtspserver_init(0)
  return mm
}

describe('k230 multimedia: order of calls and return codes', () => {
  it('create and destroy return 0, and -1 when repeated', () => {
    const mm = new Multimedia()
    assert.equal(mm.rtspserver_destroy(), K230_FAIL, 'destroy before create')
    assert.equal(mm.rtspserver_create(), K230_OK)
    assert.equal(mm.rtspserver_create(), K230_FAIL, 'second create')
    assert.equal(mm.rtspserver_destroy(), K230_OK)
    assert.equal(mm.rtspserver_destroy(), K230_FAIL, 'second destroy')
    assert.equal(mm.rtspserver_create(), K230_OK, 'create again after destroy')
    assert.equal(mm.rtspserver_destroy(), K230_OK)
  })

  it('the process-wide multimedia instance holds nothing until create', () => {
    assert.ok(multimedia instanceof Multimedia)
    assert.throws(
      () => multimedia.rtspserver_getrtspurl(),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NOT_INITIALIZED',
    )
  })

  it('init before create, createsession before init and a second init are StateErrors', () => {
    const mm = new Multimedia()
    assert.throws(
      () => mm.rtspserver_init(8554),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NOT_CREATED',
    )
    mm.rtspserver_create()
    assert.throws(
      () => mm.rtspserver_createsession('s', 'h264', false),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NOT_INITIALIZED',
    )
    assert.throws(
      () => mm.rtspserver_start(),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NOT_INITIALIZED',
    )
    mm.rtspserver_init(0)
    assert.throws(
      () => mm.rtspserver_init(0),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_INITIALIZED',
    )
    mm.rtspserver_destroy()
  })

  it('bad video types, audio codecs, duplicate and unknown sessions, sizes and data are typed errors', () => {
    const mm = initialised()
    assert.throws(
      () => mm.rtspserver_createsession('s', 'vp8' as 'h264', false),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_VIDEO_TYPE',
    )
    assert.throws(
      () => mm.rtspserver_createsession('s', 'h264', true, { audio: { codec: 'opus' as 'pcmu' } }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_AUDIO_CODEC',
    )
    mm.rtspserver_createsession('s', 'h264', false)
    assert.throws(
      () => mm.rtspserver_createsession('s', 'h265', false),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_SESSION_EXISTS',
    )
    assert.throws(
      () => mm.rtspserver_sendvideodata('nope', IDR, IDR.length, 0),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NO_SESSION' && /rtspserver_createsession/.test(e.message),
    )
    assert.throws(
      () => mm.rtspserver_sendvideodata('s', IDR, IDR.length + 1, 0),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_SIZE',
    )
    assert.throws(
      () => mm.rtspserver_sendvideodata('s', IDR, 0, 0),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_SIZE',
    )
    assert.throws(
      () => mm.rtspserver_sendvideodata('s', 'abc' as unknown as Uint8Array, 3, 0),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_DATA',
    )
    assert.throws(
      () => mm.rtspserver_sendaudiodata('s', Buffer.alloc(160), 160, 0),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NO_AUDIO',
    )
    assert.throws(
      () => mm.rtspserver_getrtspurl('nope'),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NO_SESSION',
    )
    mm.rtspserver_destroysession('s')
    assert.throws(
      () => mm.rtspserver_destroysession('s'),
      (e: unknown) => e instanceof StateError && e.code === 'ERR_K230_NO_SESSION',
    )
    mm.rtspserver_destroy()
  })

  it('video sent before start is accepted (no reader can exist yet)', () => {
    const mm = initialised()
    mm.rtspserver_createsession('early', 'h264', true)
    assert.doesNotThrow(() => mm.rtspserver_sendvideodata('early', IDR, IDR.length, 0))
    assert.doesNotThrow(() => mm.rtspserver_sendaudiodata('early', Buffer.alloc(160, 0xff), 160, 0))
    mm.rtspserver_destroy()
  })

  it('start is asynchronous: the awaitable form resolves when listening, getrtspurl names the port and the session', async () => {
    const mm = initialised()
    mm.rtspserver_createsession('cam', 'h264', false)
    mm.rtspserver_createsession('cam2', 'h265', false)
    await mm.rtspserver_start_async()
    assert.match(mm.rtspserver_getrtspurl(), /^rtsp:\/\/127\.0\.0\.1:\d+\/cam$/, 'default: the first session')
    assert.match(mm.rtspserver_getrtspurl('cam2'), /^rtsp:\/\/127\.0\.0\.1:\d+\/cam2$/)
    assert.doesNotThrow(() => mm.rtspserver_start(), 'start while started is a no-op')
    await mm.rtspserver_stop_async()
    assert.equal(mm.rtspserver_destroy(), K230_OK)
  })

  it('a start that fails (port in use) is thrown by the next call that needs the server', async () => {
    const first = initialised()
    first.rtspserver_createsession('a', 'h264', false)
    await first.rtspserver_start_async()
    const port = Number(/:(\d+)\//.exec(first.rtspserver_getrtspurl())![1])
    const second = new Multimedia({ host: '127.0.0.1', publicHost: '127.0.0.1' })
    second.rtspserver_create()
    second.rtspserver_init(port)
    second.rtspserver_createsession('b', 'h264', false)
    await assert.rejects(second.rtspserver_start_async(), (e: unknown) => e instanceof ConfigError && e.code === 'ERR_PORT_IN_USE')
    second.rtspserver_start()
    await new Promise((r) => setTimeout(r, 50))
    assert.throws(
      () => second.rtspserver_sendvideodata('b', IDR, IDR.length, 0),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_PORT_IN_USE',
    )
    second.rtspserver_destroy()
    first.rtspserver_destroy()
  })
})

describe('k230 timestamps: integer microseconds', () => {
  it('non-integers (seconds), negatives and non-numbers are refused at once', () => {
    const g = new TimestampGuard(new FakeClock(), 'video')
    assert.throws(
      () => g.check(1712345678.25),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_TIMESTAMP' && /seconds\?/.test(e.message),
    )
    assert.throws(
      () => g.check(-1),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_TIMESTAMP',
    )
    assert.throws(
      () => g.check(-1n),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_TIMESTAMP',
    )
    assert.throws(
      () => g.check('5' as unknown as number),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_TIMESTAMP',
    )
  })

  it('microseconds as numbers or bigints pass and keep passing', () => {
    const clock = new FakeClock()
    const g = new TimestampGuard(clock, 'video')
    for (let i = 0; i < 100; i++) {
      assert.equal(g.check(i % 2 ? BigInt(5_000_000 + i * 40_000) : 5_000_000 + i * 40_000), 5_000_000 + i * 40_000)
      clock.now += 40
    }
  })

  it('milliseconds are caught after a second of real time, with a hint, and stay refused', () => {
    const clock = new FakeClock()
    const g = new TimestampGuard(clock, 'session "s" video')
    let thrown: unknown
    for (let i = 0; i < 40 && !thrown; i++) {
      try {
        g.check(clock.now) // a millisecond clock
      } catch (err) {
        thrown = err
      }
      clock.now += 40
    }
    assert.ok(thrown instanceof ConfigError && thrown.code === 'ERR_K230_TIMESTAMP_UNIT', String(thrown))
    assert.match((thrown as Error).message, /milliseconds\?.*microseconds/)
    assert.ok(clock.now >= 2_000, 'judged only after a second')
    assert.throws(
      () => g.check(clock.now * 1000),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_TIMESTAMP_UNIT',
    )
  })

  it('nanoseconds are caught as well', () => {
    const clock = new FakeClock()
    const g = new TimestampGuard(clock, 'audio')
    g.check(BigInt(clock.now) * 1_000_000n)
    clock.now += 1_100
    assert.throws(
      () => g.check(BigInt(clock.now) * 1_000_000n),
      (e: unknown) => e instanceof ConfigError && /nanoseconds\?/.test((e as Error).message),
    )
  })

  it('the multimedia API applies the guard per session and track', () => {
    const clock = new FakeClock()
    const mm = initialised(clock)
    mm.rtspserver_createsession('s', 'h264', true)
    mm.rtspserver_sendvideodata('s', IDR, IDR.length, 0)
    mm.rtspserver_sendaudiodata('s', Buffer.alloc(160, 0xff), 160, 0)
    clock.now += 1_500
    assert.throws(
      () => mm.rtspserver_sendvideodata('s', IDR, IDR.length, 1_500),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_TIMESTAMP_UNIT',
    )
    assert.doesNotThrow(() => mm.rtspserver_sendaudiodata('s', Buffer.alloc(160, 0xff), 160, 1_500_000))
    mm.rtspserver_destroy()
  })
})

describe('k230 media RtspServer', () => {
  it('validates its options and chooses a source', () => {
    assert.throws(
      () => new RtspServer({ video_type: 'av1' as 'h264' }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_VIDEO_TYPE',
    )
    assert.throws(
      () => new RtspServer({ video: 'testsrc', ffmpeg: '' }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_K230_NO_FFMPEG',
    )
    assert.equal(new RtspServer({ video: 'testcard' }).video, 'testcard')
    assert.equal(new RtspServer({ video: 'auto', device: '/nonexistent/video9', ffmpeg: '/usr/bin/ffmpeg' }).video, 'testsrc')
    assert.equal(new RtspServer({ video: 'auto', device: '/dev/null', ffmpeg: '/usr/bin/ffmpeg' }).video, 'camera')
  })
})
