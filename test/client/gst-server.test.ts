/** The client against gst-rtsp-server (Debian python3 + gi): UDP, TCP, TCP-only (auto fallback), Digest and Basic auth. */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomInt } from 'node:crypto'
import path from 'node:path'
import { describe, it } from 'node:test'
import { RtspClient, type RtspClientOptions } from '../../src/client/rtsp-client.js'
import { AuthError } from '../../src/errors.js'
import { DEBIAN_PYTHON, ROOT } from '../interop/harness.js'
import { collectFrames } from './client-helpers.js'

const SCRIPT = path.join(ROOT, 'test/client/gst_rtsp_server.py')
const READY_TIMEOUT_MS = 10_000
const MAX_PORT_TRIES = 5

interface GstServer {
  url: string
  stop(): Promise<void>
}

function launch(port: number, args: string[]): Promise<{ child: ChildProcess; ready: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(DEBIAN_PYTHON, [SCRIPT, String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const timer = setTimeout(() => finish(false), READY_TIMEOUT_MS)
    const finish = (ready: boolean) => {
      clearTimeout(timer)
      if (!ready) child.kill('SIGKILL')
      resolve({ child, ready })
    }
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('READY')) finish(true)
      else if (out.includes('BIND_FAILED')) finish(false)
    })
    child.on('exit', () => finish(false))
  })
}

/** gst-rtsp-server on a random port in 20000-60000 (retried when taken), serving /test. */
async function startGst(args: string[] = []): Promise<GstServer> {
  for (let i = 0; i < MAX_PORT_TRIES; i++) {
    const port = randomInt(20000, 60000)
    const { child, ready } = await launch(port, args)
    if (!ready) continue
    return {
      url: `rtsp://127.0.0.1:${port}/test`,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    }
  }
  throw new Error('gst-rtsp-server did not start')
}

async function playFrames(url: string, opts: RtspClientOptions, count = 10): Promise<{ keyframe: boolean; transport: string | undefined }> {
  const client = new RtspClient(url, { udpTimeoutMs: 1500, ...opts })
  try {
    const got = collectFrames(client, count, 15_000)
    await client.play()
    const frames = await got
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i]!.ptsMs > frames[i - 1]!.ptsMs)
    assert.ok(frames.every((f) => f.data.length > 0))
    return { keyframe: frames[0]!.keyframe, transport: client.transport }
  } finally {
    await client.close()
  }
}

describe('RtspClient plays from gst-rtsp-server', { concurrency: true }, () => {
  it('udp and tcp', async () => {
    const gst = await startGst()
    try {
      assert.deepEqual(await playFrames(gst.url, { transport: 'udp' }), { keyframe: true, transport: 'udp' })
      assert.deepEqual(await playFrames(gst.url, { transport: 'tcp' }), { keyframe: true, transport: 'tcp' })
    } finally {
      await gst.stop()
    }
  })

  it('auto falls back to TCP when the server refuses UDP (461)', async () => {
    const gst = await startGst(['--tcp-only'])
    try {
      const client = new RtspClient(gst.url, { transport: 'auto' })
      const transports: string[] = []
      client.on('transport', (t) => transports.push(t))
      try {
        const got = collectFrames(client, 5, 15_000)
        await client.play()
        await got
        assert.equal(client.transport, 'tcp')
        assert.deepEqual(transports, ['tcp'])
      } finally {
        await client.close()
      }
    } finally {
      await gst.stop()
    }
  })

  it('Digest: wrong password → AuthError, no credentials → AuthError, right password → frames', async () => {
    const gst = await startGst(['--auth', 'digest', '--user', 'admin', '--password', 'p@ss word'])
    try {
      const wrong = new RtspClient(gst.url.replace('rtsp://', 'rtsp://admin:nope@'))
      await assert.rejects(wrong.play(), (e: unknown) => e instanceof AuthError && e.code === 'ERR_AUTH_REJECTED' && /401/.test(e.message))
      await wrong.close()
      const none = new RtspClient(gst.url)
      await assert.rejects(none.play(), (e: unknown) => e instanceof AuthError && e.code === 'ERR_AUTH_REQUIRED')
      await none.close()
      const dialogue: string[] = []
      const url = gst.url.replace('rtsp://', 'rtsp://admin:p%40ss%20word@')
      assert.deepEqual(await playFrames(url, { transport: 'tcp', onDialogue: (dir, text) => dialogue.push(`${dir} ${text}`) }), {
        keyframe: true,
        transport: 'tcp',
      })
      // Every request after the challenge carries Digest credentials, and the URI never carries them.
      const sent = dialogue.filter((d) => d.startsWith('send '))
      assert.ok(sent.some((d) => d.startsWith('send SETUP') && /Authorization: Digest username="admin"/.test(d)))
      assert.ok(sent.some((d) => d.startsWith('send PLAY') && /Authorization: Digest/.test(d)))
      assert.ok(sent.every((d) => !d.includes('p@ss') && !d.includes('admin:')))
      assert.deepEqual(await playFrames(url, { transport: 'udp' }), { keyframe: true, transport: 'udp' })
    } finally {
      await gst.stop()
    }
  })

  it('Basic: wrong password → AuthError, right → frames', async () => {
    const gst = await startGst(['--auth', 'basic', '--user', 'user', '--password', 'secret'])
    try {
      const wrong = new RtspClient(gst.url, { username: 'user', password: 'wrong' })
      await assert.rejects(wrong.describe(), AuthError)
      await wrong.close()
      assert.equal((await playFrames(gst.url, { username: 'user', password: 'secret', transport: 'tcp' })).keyframe, true)
    } finally {
      await gst.stop()
    }
  })
})
