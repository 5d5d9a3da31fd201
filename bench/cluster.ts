/**
 * `npm run bench:cluster`: what a cluster costs next to one node. Phase 1: one rtspkit node serves
 * the bench clip (720p30 H.264, ~4 Mbit/s) to 2N readers. Phase 2: a redis-server and three nodes
 * joined through it — the origin serves the clip, two edges relay it (one upstream each) — and N
 * readers on each edge. All readers RTSP over TCP interleaved (bench/load-client.ts). Over a window,
 * each node's CPU time is read from /proc and every reader's rate measured.
 * Reported per node: CPU seconds per reader-minute (and per minute), readers at full rate (at least
 * 90 % of the clip's rate) and the slowest reader's rate.
 *
 * BENCH_READERS=20 (per edge) BENCH_SECONDS=10 BENCH_WARMUP=4; the lead's run: BENCH_READERS=300
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { numberEnv, sleep } from './bench-env.js'
import { ensureFixture, FIXTURE_MARGIN_S } from './fixture.js'
import { LoadReader } from './load-client.js'
import { clockTicksPerSecond, processTicks } from './proc-stats.js'
import { CLI, HOST, MOUNT, ServerProcess, startServer } from './server-process.js'
import { fmt, median, textTable } from './stats.js'

const cfg = {
  readers: numberEnv('BENCH_READERS', 20, 1, 5000),
  seconds: numberEnv('BENCH_SECONDS', 10, 2, 600),
  warmup: numberEnv('BENCH_WARMUP', 4, 0, 120),
}

interface Row {
  setup: string
  node: string
  readers: number
  cpuPerReaderMinute: number
  cpuPerMinute: number
  fullRate: number
  slowestMbps: number
  medianMbps: number
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, HOST, () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** CPU seconds of each process and the bytes of each reader over the window (after warm-up). */
async function window(pids: number[], readers: LoadReader[]): Promise<{ cpu: number[]; mbps: number[]; elapsed: number }> {
  await sleep(cfg.warmup * 1000)
  const bytes = (): number[] => readers.map((r) => r.tracks.reduce((s, t) => s + t.bytes, 0))
  const hz = clockTicksPerSecond()
  const b0 = bytes()
  const t0 = pids.map(processTicks)
  const start = performance.now()
  await sleep(cfg.seconds * 1000)
  const t1 = pids.map(processTicks)
  const elapsed = (performance.now() - start) / 1000
  const b1 = bytes()
  return {
    cpu: t1.map((t, i) => (t - t0[i]!) / hz),
    mbps: b1.map((b, i) => ((b - b0[i]!) * 8) / elapsed / 1e6),
    elapsed,
  }
}

function row(setup: string, node: string, readers: number, cpu: number, elapsed: number, mbps: number[], clipMbps: number): Row {
  const minutes = elapsed / 60
  return {
    setup,
    node,
    readers,
    cpuPerReaderMinute: readers > 0 ? cpu / readers / minutes : 0,
    cpuPerMinute: cpu / minutes,
    fullRate: mbps.filter((m) => m >= clipMbps * 0.9).length,
    slowestMbps: mbps.length > 0 ? Math.min(...mbps) : 0,
    medianMbps: mbps.length > 0 ? median(mbps) : 0,
  }
}

async function startReaders(url: string, n: number): Promise<LoadReader[]> {
  const readers = Array.from({ length: n }, () => new LoadReader({ url, transport: 'tcp' }))
  for (const r of readers) await r.start()
  return readers
}

async function single(clip: string, logs: string, clipMbps: number): Promise<Row> {
  const port = await freePort()
  const server = startServer('rtspkit', port, clip, join(logs, 'cluster-single.log'), { extraArgs: ['--no-hls', '--no-webrtc'] })
  try {
    await server.ready()
    const readers = await startReaders(server.url, cfg.readers * 2)
    try {
      const m = await window([server.pid], readers)
      return row('single node', 'single', readers.length, m.cpu[0]!, m.elapsed, m.mbps, clipMbps)
    } finally {
      await Promise.all(readers.map((r) => r.close()))
    }
  } finally {
    await server.stop()
  }
}

async function cluster(clip: string, logs: string, clipMbps: number): Promise<Row[]> {
  const redisPort = await freePort()
  const redis: ChildProcess = spawn('redis-server', ['--port', String(redisPort), '--bind', HOST, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const redisUrl = `redis://${HOST}:${redisPort}/0`
  const nodes: ServerProcess[] = []
  try {
    await sleep(500)
    const join_ = (name: string, port: number): string[] => [
      '--no-hls',
      '--no-webrtc',
      '--cluster-redis',
      redisUrl,
      '--node-name',
      name,
      '--advertise',
      `rtsp://${HOST}:${port}`,
    ]
    const originPort = await freePort()
    const origin = startServer('rtspkit', originPort, clip, join(logs, 'cluster-origin.log'), { extraArgs: join_('origin', originPort) })
    nodes.push(origin)
    await origin.ready()
    for (const name of ['edge-1', 'edge-2']) {
      const port = await freePort()
      const args = [CLI, 'serve', '--port', String(port), '--host', HOST, '--no-api', ...join_(name, port), '--path', 'unused=publish']
      const edge = new ServerProcess('rtspkit', process.execPath, args, port, join(logs, `cluster-${name}.log`))
      nodes.push(edge)
      await edge.ready()
    }
    await sleep(1500) // the edges hear of the origin's path
    const edgeUrl = (i: number): string => nodes[i]!.url.replace(/\/[^/]*$/, `/${MOUNT}`)
    const onEdge1 = await startReaders(edgeUrl(1), cfg.readers)
    const onEdge2 = await startReaders(edgeUrl(2), cfg.readers)
    try {
      const m = await window(
        nodes.map((n) => n.pid),
        [...onEdge1, ...onEdge2],
      )
      const first = m.mbps.slice(0, cfg.readers)
      const second = m.mbps.slice(cfg.readers)
      return [
        row('cluster', 'origin (2 upstreams)', 0, m.cpu[0]!, m.elapsed, [], clipMbps),
        row('cluster', 'edge-1', cfg.readers, m.cpu[1]!, m.elapsed, first, clipMbps),
        row('cluster', 'edge-2', cfg.readers, m.cpu[2]!, m.elapsed, second, clipMbps),
        row(
          'cluster',
          'all nodes',
          cfg.readers * 2,
          m.cpu.reduce((a, b) => a + b, 0),
          m.elapsed,
          m.mbps,
          clipMbps,
        ),
      ]
    } finally {
      await Promise.all([...onEdge1, ...onEdge2].map((r) => r.close()))
    }
  } finally {
    for (const n of nodes.reverse()) await n.stop()
    redis.kill('SIGKILL')
  }
}

async function main(): Promise<void> {
  const cacheDir = process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench')
  const logs = join(cacheDir, 'logs')
  mkdirSync(logs, { recursive: true })
  const fixture = ensureFixture(cacheDir, Math.max(60, cfg.warmup * 2 + cfg.seconds * 2 + FIXTURE_MARGIN_S))
  const rows = [await single(fixture.path, logs, fixture.mbps), ...(await cluster(fixture.path, logs, fixture.mbps))]
  console.log(
    `clip ${fixture.mbps.toFixed(2)} Mbit/s; ${cfg.readers} readers per edge; window ${cfg.seconds} s after ${cfg.warmup} s warm-up\n`,
  )
  console.log(
    textTable(
      ['setup', 'node', 'readers', 'CPU s / reader-min', 'CPU s / min', 'at full rate', 'slowest Mbit/s', 'median Mbit/s'],
      rows.map((r) => [
        r.setup,
        r.node,
        String(r.readers),
        r.readers > 0 ? fmt(r.cpuPerReaderMinute, 3) : '-',
        fmt(r.cpuPerMinute, 2),
        r.readers > 0 ? `${r.fullRate}/${r.readers}` : '-',
        r.readers > 0 ? fmt(r.slowestMbps, 2) : '-',
        r.readers > 0 ? fmt(r.medianMbps, 2) : '-',
      ]),
    ),
  )
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
