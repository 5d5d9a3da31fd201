// The HLS output in `rtspkit serve`: the hls section, --hls-port / --no-hls, and ServeApp starting it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ServeApp } from '../../src/app/serve-app.js'
import { parseServeArgs, serveConfigFor, type ServeConfig } from '../../src/cli/serve.js'
import { parseConfig } from '../../src/config/load.js'
import { defaultConfig } from '../../src/config/schema.js'
import { ConfigError } from '../../src/errors.js'

const args = (...a: string[]) => parseServeArgs(a) as ServeConfig

describe('the hls section and its flags', () => {
  it('defaults: on, every interface, port 8888, Low-Latency HLS with 7 segments of 1 s and parts of 200 ms', () => {
    assert.deepEqual(defaultConfig().hls, {
      enabled: true,
      host: '',
      port: 8888,
      variant: 'lowLatency',
      segmentCount: 7,
      segmentDuration: 1,
      partDuration: 0.2,
      muxerCloseAfter: 60,
      allowOrigin: '*',
    })
  })

  it('reads durations as seconds or with units, and names a bad key', () => {
    const c = parseConfig({ text: 'hls:\n  variant: fmp4\n  partDuration: 300ms\n  segmentDuration: 2\n  muxerCloseAfter: 5m\n' })
    assert.deepEqual([c.hls.variant, c.hls.partDuration, c.hls.segmentDuration, c.hls.muxerCloseAfter], ['fmp4', 0.3, 2, 300])
    assert.throws(
      () => parseConfig({ text: 'hls:\n  variant: ll\n' }),
      (e: unknown) => e instanceof ConfigError && /hls\.variant/.test(e.message),
    )
    assert.throws(
      () => parseConfig({ text: 'hls:\n  segmentCount: 1\n' }),
      (e: unknown) => e instanceof ConfigError && /hls\.segmentCount/.test(e.message),
    )
  })

  it('--hls-port and --no-hls override the file; RTSPKIT_HLS_PORT too', () => {
    assert.equal(serveConfigFor(args('--hls-port', '18888'), {}).hls.port, 18888)
    assert.equal(serveConfigFor(args('--no-hls'), {}).hls.enabled, false)
    assert.equal(serveConfigFor(args(), { RTSPKIT_HLS_PORT: '0' }).hls.port, 0)
    assert.throws(() => parseServeArgs(['--hls-port', '70000']), ConfigError)
  })

  it('ServeApp starts the HLS server: the test card (images) gets the page that says why it cannot play', async () => {
    const config = serveConfigFor(args('--port', '0', '--no-api', '--hls-port', '0', '--path', 'card=test:160x120@5'), {})
    config.hls.host = '127.0.0.1'
    const app = new ServeApp(config)
    await app.start()
    try {
      assert.match(app.hlsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
      // The dashboard's live previews find the path's HLS player there.
      assert.equal(app.browserPlayback.hlsUrl?.('card'), `${app.hlsUrl}/card`)
      const res = await fetch(`${app.hlsUrl}/card`)
      assert.equal(res.status, 404)
      assert.match(await res.text(), /cannot be played over HLS.*rtsp:\/\//s)
    } finally {
      await app.stop()
    }
    assert.equal(app.hlsUrl, undefined)
    assert.equal(app.browserPlayback.hlsUrl, undefined)
  })

  it('a reload that changes the hls section restarts the HLS server; hls.enabled: false stops it', async () => {
    const config = serveConfigFor(args('--port', '0', '--no-api', '--hls-port', '0', '--path', 'card=test:160x120@5'), {})
    config.hls.host = '127.0.0.1'
    const app = new ServeApp(config)
    await app.start()
    try {
      const first = app.hlsUrl
      const next = structuredClone(config)
      next.hls.variant = 'fmp4'
      assert.deepEqual(
        app.reload(next).settings.map((c) => [c.key, c.apply]),
        [['hls.variant', 'restart-hls']],
      )
      const deadline = Date.now() + 5000
      while ((app.hlsUrl === undefined || app.hlsUrl === first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      assert.ok(app.hlsUrl && app.hlsUrl !== first, `${first} -> ${app.hlsUrl}`)
      const off = structuredClone(next)
      off.hls.enabled = false
      app.reload(off)
      await new Promise((r) => setTimeout(r, 200))
      assert.equal(app.hlsUrl, undefined)
    } finally {
      await app.stop()
    }
  })

  it('--no-hls: no HLS server', async () => {
    const app = new ServeApp(serveConfigFor(args('--port', '0', '--no-api', '--no-hls', '--path', 'card=test:160x120@5'), {}))
    await app.start()
    assert.equal(app.hlsUrl, undefined)
    await app.stop()
  })
})
