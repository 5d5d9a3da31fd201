// RTMP in `rtspkit serve`: the rtmp section, --rtmp-port / --no-rtmp, and ServeApp starting it; an
// ffmpeg RTMP publisher is listed in GET /v1/sessions as protocol rtmp and DELETE kicks it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ServeApp } from '../../src/app/serve-app.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseServeArgs, serveConfigFor, type ServeConfig } from '../../src/cli/serve.js'
import { parseConfig } from '../../src/config/load.js'
import { defaultConfig } from '../../src/config/schema.js'
import { ConfigError } from '../../src/errors.js'
import { ffmpegRtmpPublish, h264AacNoBMp4, waitFor } from '../interop/rtmp-helpers.js'
import { makeCert } from '../interop/tls-cert.js'

const args = (...a: string[]) => parseServeArgs(a) as ServeConfig

interface SessionItem {
  id: string
  protocol: string
  role: string
  path: string
  transport: string
  bytesReceived: number
}

describe('the rtmp section and its flags', () => {
  it('defaults: on, every interface, port 1935; RTMPS off (encryption no, port 1936, server.tls)', () => {
    assert.deepEqual(defaultConfig().rtmp, {
      enabled: true,
      host: '',
      port: 1935,
      encryption: 'no',
      rtmpsPort: 1936,
      tls: { cert: '', key: '' },
    })
  })

  it('names a bad key; --rtmp-port and --no-rtmp override the file, RTSPKIT_RTMP_PORT too', () => {
    assert.throws(
      () => parseConfig({ text: 'rtmp:\n  port: 70000\n' }),
      (e: unknown) => e instanceof ConfigError && /rtmp\.port/.test(e.message),
    )
    assert.throws(
      () => parseConfig({ text: 'rtmp:\n  chunkSize: 4096\n' }),
      (e: unknown) => e instanceof ConfigError && /chunkSize/.test(e.message),
    )
    assert.equal(serveConfigFor(args('--rtmp-port', '11935'), {}).rtmp.port, 11935)
    assert.equal(serveConfigFor(args('--no-rtmp'), {}).rtmp.enabled, false)
    assert.equal(serveConfigFor(args(), { RTSPKIT_RTMP_PORT: '0' }).rtmp.port, 0)
    assert.throws(() => parseServeArgs(['--rtmp-port', '70000']), ConfigError)
  })

  it('ServeApp starts RTMP; the publisher is an rtmp session of /v1/sessions and DELETE kicks it', async () => {
    const config = serveConfigFor(
      args('--port', '0', '--no-hls', '--no-webrtc', '--api-port', '0', '--rtmp-port', '0', '--path', 'live/cam=publish'),
      {},
    )
    config.rtmp.host = '127.0.0.1'
    config.server.logLevel = 'error'
    // A kick is an API write: this machine may make it only when trusted for writes (or as an admin).
    config.api.trustLoopback = 'all'
    const app = new ServeApp(config)
    await app.start()
    const peer = ffmpegRtmpPublish(await h264AacNoBMp4(), `${app.rtmp.url!}/live/cam`)
    try {
      assert.match(app.rtmp.url ?? '', /^rtmp:\/\/127\.0\.0\.1:\d+$/)
      const sessions = async (): Promise<SessionItem[]> =>
        ((await (await fetch(`${app.apiUrl}/v1/sessions`)).json()) as { items: SessionItem[] }).items
      const pub = await waitFor('the RTMP publisher in /v1/sessions', 15_000, async () =>
        (await sessions()).find((s) => s.protocol === 'rtmp' && s.role === 'publisher' && s.path === 'live/cam' && s.bytesReceived > 0),
      )
      assert.equal(pub.transport, 'tcp')
      const res = await fetch(`${app.apiUrl}/v1/sessions/${pub.id}`, { method: 'DELETE' })
      assert.ok(res.status < 300, `DELETE answered ${res.status}`)
      const code = await Promise.race([peer.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))])
      assert.notEqual(code, 'still running', 'ffmpeg sees its publish end')
      assert.equal((await sessions()).filter((s) => s.protocol === 'rtmp').length, 0)
    } finally {
      await peer.stop()
      await app.stop()
    }
    assert.equal(app.rtmp.url, undefined)
  })

  it('RTMPS: --rtmps-port serves rtmps:// with the server.tls pair; strict without a certificate is a config error', async () => {
    assert.deepEqual((({ rtmpsPort, encryption }) => ({ rtmpsPort, encryption }))(serveConfigFor(args('--rtmps-port', '11936'), {}).rtmp), {
      rtmpsPort: 11936,
      encryption: 'optional',
    })
    assert.throws(
      () => parseConfig({ text: 'rtmp:\n  encryption: always\n' }),
      (e: unknown) => e instanceof ConfigError && /rtmp\.encryption/.test(e.message),
    )
    const strict = serveConfigFor(args('--port', '0', '--no-hls', '--no-webrtc', '--no-api', '--rtmp-port', '0'), {})
    strict.rtmp.encryption = 'strict'
    strict.server.logLevel = 'error'
    const failing = new ServeApp(strict)
    await assert.rejects(failing.start(), (e: unknown) => e instanceof ConfigError && /rtmp\.encryption is strict/.test(e.message))
    await failing.stop()

    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-rtmps-'))
    const pem = await makeCert('127.0.0.1')
    writeFileSync(path.join(dir, 'cert.pem'), pem.cert)
    writeFileSync(path.join(dir, 'key.pem'), pem.key)
    const config = serveConfigFor(
      args(
        ...['--port', '0', '--no-hls', '--no-webrtc', '--no-api', '--rtmp-port', '0', '--rtmps-port', '0', '--path', 'live/tls=publish'],
        ...['--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'), '--rtsps-port', '0'],
      ),
      {},
    )
    config.rtmp.host = '127.0.0.1'
    config.server.logLevel = 'error'
    const app = new ServeApp(config)
    await app.start()
    const peer = ffmpegRtmpPublish(await h264AacNoBMp4(), `${app.rtmp.secureUrl!}/live/tls`)
    try {
      assert.match(app.rtmp.secureUrl ?? '', /^rtmps:\/\/127\.0\.0\.1:\d+$/)
      assert.match(app.rtmp.url ?? '', /^rtmp:\/\//, 'optional: plain RTMP as well')
      await waitFor(`the RTMPS publisher (${peer.stderr()})`, 15_000, () =>
        app.server.externalSessions().some((s) => s.protocol === 'rtmp' && s.path === 'live/tls' && s.bytesReceived > 0) ? true : undefined,
      )
    } finally {
      await peer.stop()
      await app.stop()
    }
    assert.equal(app.rtmp.secureUrl, undefined)
  })
})
