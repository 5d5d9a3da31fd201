// gst-rtsp-server over TLS with SRTP (RTP/SAVP, MIKEY) as the upstream of rtspkit's client: the
// client reads the server's key from a=key-mgmt, sends its own in KeyMgmt, and decodes frames.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { DEBIAN_PYTHON, ROOT } from './harness.js'
import { parseKeyMgmtAttribute } from '../../src/srtp/key-mgmt.js'
import { makeCert } from './tls-cert.js'

const SCRIPT = path.join(ROOT, 'test/interop/gst_srtp_server.py')

function launch(port: number, cert: string, key: string): Promise<ChildProcess | undefined> {
  return new Promise((resolve) => {
    const child = spawn(DEBIAN_PYTHON, [SCRIPT, String(port), cert, key], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const timer = setTimeout(() => finish(false), 10_000)
    const finish = (ready: boolean): void => {
      clearTimeout(timer)
      if (!ready) child.kill('SIGKILL')
      resolve(ready ? child : undefined)
    }
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('READY')) finish(true)
      else if (out.includes('BIND_FAILED')) finish(false)
    })
    child.on('exit', () => finish(false))
  })
}

describe('gst-rtsp-server with TLS and SAVP as upstream', () => {
  let child: ChildProcess | undefined
  let url = ''
  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-gst-srtp-'))
    const pem = await makeCert('gst-srtp')
    writeFileSync(path.join(dir, 'cert.pem'), pem.cert)
    writeFileSync(path.join(dir, 'key.pem'), pem.key)
    for (let i = 0; i < 5 && !child; i++) {
      const port = randomInt(20000, 60000)
      child = await launch(port, path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'))
      url = `rtsps://127.0.0.1:${port}/test`
    }
    assert.ok(child, 'gst-rtsp-server did not start')
  })
  after(() => {
    child?.kill('SIGKILL')
  })

  it('offers RTP/SAVP with a=key-mgmt:mikey (read by our MIKEY parser)', async () => {
    const client = new RtspClient(url, { tls: { insecure: true } })
    try {
      const d = await client.describe()
      assert.equal(d.tracks[0]!.media.protocol, 'RTP/SAVP')
      const km = d.tracks[0]!.media.attributes.find((a) => a.key === 'key-mgmt')
      const mikey = parseKeyMgmtAttribute(km?.value ?? '')
      assert.equal(mikey?.masterKey.key.length, 16, "gst-rtsp-server's MIKEY parses")
      assert.equal(mikey?.masterKey.salt.length, 14)
    } finally {
      await client.close()
    }
  })

  for (const transport of ['udp', 'tcp'] as const) {
    it(`RtspClient plays it over ${transport} and decodes H.264 frames`, async () => {
      const client = new RtspClient(url, { tls: { insecure: true }, transport })
      let n = 0
      let keyframes = 0
      const enough = new Promise<void>((resolve) =>
        client.on('frame', (f) => {
          if (f.keyframe) keyframes++
          if (f.data.length > 0 && ++n >= 25) resolve()
        }),
      )
      try {
        await client.play()
        await Promise.race([enough, new Promise((r) => setTimeout(r, 15_000))])
        assert.equal(client.transport, transport)
      } finally {
        await client.close()
      }
      assert.ok(n >= 25, `${n} frames`)
      assert.ok(keyframes >= 1)
    })
  }
})
