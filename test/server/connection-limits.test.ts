/**
 * The connection limits against the abuse issue 14 reproduced: many connections each holding most of
 * a large body (memory), slow headers and bodies (slowloris), silent connections, one address
 * holding many connections, and readers left connected after their stream ended. Small limits keep
 * each case to a few seconds.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import v8 from 'node:v8'
import vm from 'node:vm'
import { describe, it } from 'node:test'
import type { Logger } from '../../src/log/logger.js'
import type { ConnectionLimits } from '../../src/server/connection-limits.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { hex } from '../helpers/split.js'
import { RawRtspConnection } from '../helpers/rtsp-conn.js'
import { waitUntil } from '../helpers/wait.js'

const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480')
const PPS = hex('68cb83cb20')
const MiB = 1024 * 1024

interface Lines {
  warn: string[]
  info: string[]
}

async function withServer(limits: Partial<ConnectionLimits>, extra: ConstructorParameters<typeof RtspServer>[0] = {}) {
  const lines: Lines = { warn: [], info: [] }
  const logger: Logger = { debug() {}, info: (m) => lines.info.push(m), warn: (m) => lines.warn.push(m) }
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', logger, connectionLimits: limits, ...extra })
  const cam = server.addStream('cam', { video: { codec: 'h264', sps: SPS, pps: PPS } })
  await server.start()
  return { server, cam, lines, base: `rtsp://127.0.0.1:${server.port}/cam` }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/** Resolves with what the peer sent once it closed (or rejects after `ms`). */
function closedWith(s: net.Socket, ms: number): Promise<string> {
  let got = ''
  s.on('data', (d: Buffer) => (got += d.toString('latin1')))
  s.on('error', () => {})
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`still open after ${ms} ms; got ${JSON.stringify(got.slice(0, 80))}`)), ms)
    s.once('close', () => {
      clearTimeout(t)
      resolve(got)
    })
  })
}

/** `global.gc`, made callable without --expose-gc. */
function gcNow(): void {
  v8.setFlagsFromString('--expose-gc')
  ;(vm.runInNewContext('gc') as () => void)()
}

describe('connection limits', () => {
  it('300 connections each sending most of a 1 MiB body: held bytes stay within the budget, each gets 503 or 408, memory comes back', async () => {
    const budget = 16 * MiB
    const ctx = await withServer({ requestBodyBudget: budget, bodyTimeoutMs: 2000 })
    const body = Buffer.alloc(MiB - 1, 0x61) // one buffer shared by every client: the memory measured is the server's
    gcNow()
    const before = process.memoryUsage().arrayBuffers
    let peakHeld = 0
    let peakArrayBuffers = 0
    const sample = setInterval(() => {
      peakHeld = Math.max(peakHeld, ctx.server.connectionLimitStats().bufferedBytes)
      peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers - before)
    }, 20)
    try {
      const N = 300
      const outcomes = await Promise.all(
        Array.from({ length: N }, async () => {
          const s = await connect(ctx.server.port)
          const done = closedWith(s, 10_000)
          s.write(`ANNOUNCE ${ctx.base}x RTSP/1.0\r\nCSeq: 7\r\nContent-Type: application/sdp\r\nContent-Length: ${MiB}\r\n\r\n`)
          s.write(body)
          return done
        }),
      )
      const statuses = outcomes.map((text) => /^RTSP\/1\.0 (\d{3})/.exec(text)?.[1] ?? 'closed')
      const refused = statuses.filter((st) => st === '503').length
      const timedOut = statuses.filter((st) => st === '408').length
      assert.ok(refused > 0, 'the budget refused some with 503')
      assert.equal(refused + timedOut, N, `every connection got 503 or 408: ${JSON.stringify(statuses.slice(0, 10))}`)
      assert.ok(peakHeld <= budget + MiB, `held ${peakHeld} bytes at most (budget ${budget})`)
      assert.ok(peakArrayBuffers < 80 * MiB, `Buffer memory grew by ${(peakArrayBuffers / MiB).toFixed(0)} MiB at most`)
      await waitUntil(() => ctx.server.stats().connections === 0, 5000, 'every connection gone')
      assert.equal(ctx.server.connectionLimitStats().bufferedBytes, 0, 'nothing charged once they closed')
      // Sockets' buffers are freed by weak callbacks after a collection: collect, let them run, collect.
      for (let i = 0; i < 3; i++) {
        gcNow()
        await new Promise((r) => setTimeout(r, 100))
      }
      const after = process.memoryUsage().arrayBuffers - before
      assert.ok(after < 16 * MiB, `Buffer memory back to ${(after / MiB).toFixed(1)} MiB over the start`)
      assert.equal(ctx.lines.warn.filter((l) => /budget spent/.test(l)).length, 1, 'one line when the budget ran out')
    } finally {
      clearInterval(sample)
      await ctx.server.stop()
    }
  })

  it('slow headers and slow bodies get 408 and are closed (slowloris)', async () => {
    const ctx = await withServer({ headersTimeoutMs: 800, bodyTimeoutMs: 800 })
    try {
      const slowHead = await connect(ctx.server.port)
      const headDone = closedWith(slowHead, 4000)
      slowHead.write('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n')
      // One byte every 100 ms: always something new, never the end of the headers.
      const drip = setInterval(() => slowHead.writable && slowHead.write('X'), 100)
      const slowBody = await connect(ctx.server.port)
      const bodyDone = closedWith(slowBody, 4000)
      slowBody.write(`ANNOUNCE ${ctx.base}x RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 100\r\n\r\nv=0\r\n`)
      const t0 = Date.now()
      try {
        assert.match(await headDone, /^RTSP\/1\.0 408 /)
        assert.match(await bodyDone, /^RTSP\/1\.0 408 /)
      } finally {
        clearInterval(drip)
      }
      assert.ok(Date.now() - t0 < 2500, 'closed soon after the limit')
      assert.equal(ctx.server.connectionLimitStats().timedOut, 2)
    } finally {
      await ctx.server.stop()
    }
  })

  it('silent connections, and quiet ones without a session, are closed; a quiet reader with a session is not', async () => {
    const ctx = await withServer({ firstRequestTimeoutMs: 600, idleTimeoutMs: 1200 })
    try {
      const silent = await connect(ctx.server.port)
      const silentDone = closedWith(silent, 3000)
      const asked = await RawRtspConnection.connect(ctx.server.port)
      assert.equal((await asked.request('OPTIONS', '*')).statusCode, 200)
      const reader = await RawRtspConnection.connect(ctx.server.port)
      const setup = await reader.request('SETUP', `${ctx.base}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
      assert.equal(setup.statusCode, 200)
      const t0 = Date.now()
      await silentDone
      const silentMs = Date.now() - t0
      assert.ok(silentMs < 1500, `the silent one went after ${silentMs} ms`)
      await asked.waitFor(() => asked.closed, 3000)
      await new Promise((r) => setTimeout(r, 1500))
      assert.equal(reader.closed, false, 'the reader with a session stays')
      assert.equal(ctx.server.stats().sessions.length, 1)
      reader.close()
    } finally {
      await ctx.server.stop()
    }
  })

  it('past maxConnectionsPerAddress a connection gets 503, with one log line; others still come in', async () => {
    const ctx = await withServer({ maxConnectionsPerAddress: 3 })
    try {
      const held = await Promise.all([1, 2, 3].map(() => RawRtspConnection.connect(ctx.server.port)))
      for (const c of held) assert.equal((await c.request('OPTIONS', '*')).statusCode, 200)
      for (let i = 0; i < 3; i++) {
        const extra = await RawRtspConnection.connect(ctx.server.port)
        const res = await extra.request('OPTIONS', '*')
        assert.equal(res.statusCode, 503)
        assert.equal(res.headers.get('CSeq'), '1')
        await extra.waitFor(() => extra.closed, 3000)
      }
      assert.equal(ctx.lines.warn.filter((l) => /maxConnectionsPerAddress/.test(l)).length, 1, 'one line for the episode')
      assert.equal(ctx.server.connectionLimitStats().refusedPerAddress, 3)
      held[0]!.close()
      await waitUntil(() => ctx.server.connectionLimitStats().open === 2, 2000, 'the closed one to leave')
      const again = await RawRtspConnection.connect(ctx.server.port)
      assert.equal((await again.request('OPTIONS', '*')).statusCode, 200)
      for (const c of [...held, again]) c.close()
    } finally {
      await ctx.server.stop()
    }
  })

  it("a reader's connection is closed shortly after its stream ends", async () => {
    const ctx = await withServer({ streamEndGraceMs: 300 })
    try {
      const reader = await RawRtspConnection.connect(ctx.server.port)
      const setup = await reader.request('SETUP', `${ctx.base}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })
      const session = setup.headers.get('Session')!.split(';')[0]!
      assert.equal((await reader.request('PLAY', ctx.base, { Session: session })).statusCode, 200)
      const t0 = Date.now()
      ctx.server.removeStream('cam')
      await reader.waitFor(() => reader.closed, 3000)
      const ms = Date.now() - t0
      assert.ok(ms >= 250 && ms < 2000, `closed after ${ms} ms`)
    } finally {
      await ctx.server.stop()
    }
  })
})
