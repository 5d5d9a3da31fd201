/**
 * `npm run bench:secure`: what encryption and multicast cost the server per reader.
 *  - RTSPS + SRTP (`--encryption strict`: TLS for RTSP, RTP/SAVP keyed by MIKEY) against plain RTSP,
 *    over TCP interleaved and over UDP, for N readers each;
 *  - one multicast group against N unicast UDP readers, inside a network namespace this script makes
 *    (`ip netns add`, lo up with multicast, a 224.0.0.0/4 route: multicast needs a route, and the
 *    bench must not touch the machine's own), where it runs itself again as the child.
 * One rtspkit server (a child process) per scenario serves the bench clip (720p30 H.264, ~4 Mbit/s);
 * its CPU time over the window is read from /proc. The readers are bench/load-client.ts's: they count
 * packets and sequence gaps without decoding (SRTP's header is in clear, so nothing is decrypted).
 * Reported: server CPU s per reader-minute, the ratio to plain (or to unicast), the slowest reader's
 * rate and the loss. Multicast members: only the first BENCH_MC_LISTEN join the group and count (the
 * server sends once whatever the number; hundreds of members in one process would measure the load
 * process).
 *
 * BENCH_SECURE_READERS=50,200 BENCH_SECONDS=10 BENCH_WARMUP=3 BENCH_MC_LISTEN=10 (root, for ip netns)
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { numberEnv, sleep } from './bench-env.js'
import { ensureFixture, FIXTURE_MARGIN_S, type Fixture } from './fixture.js'
import { LoadReader, UdpPortAllocator, type BenchTransport } from './load-client.js'
import { clockTicksPerSecond, processTicks } from './proc-stats.js'
import { HOST, MOUNT, startServer } from './server-process.js'
import { fmt, median, textTable } from './stats.js'

const CHILD_ENV = 'BENCH_SECURE_NETNS_CHILD'
const CONNECT_CONCURRENCY = 8
const FIRST_PACKET_TIMEOUT_MS = 10_000

const cfg = {
  readers: (process.env.BENCH_SECURE_READERS ?? '50,200').split(',').map((v) => Number(v.trim())),
  seconds: numberEnv('BENCH_SECONDS', 10, 2, 600),
  warmup: numberEnv('BENCH_WARMUP', 3, 0, 120),
  mcListen: numberEnv('BENCH_MC_LISTEN', 10, 1, 2000),
  port: numberEnv('BENCH_SECURE_PORT', 18754, 1024, 65000),
  udpBase: numberEnv('BENCH_SECURE_UDP_BASE', 30000, 1024, 60000),
}

interface Scenario {
  label: string
  transport: BenchTransport
  readers: number
  /** Server arguments besides port, host, --no-api and the path. */
  args: string[]
  url: string
  tls?: boolean
  srtp?: boolean
}

interface Result {
  label: string
  transport: BenchTransport
  readers: number
  playing: number
  counted: number
  cpuPerReaderMin: number
  slowestMbps: number
  medianMbps: number
  lost: number
  loadCpuPct: number
}

async function runScenario(s: Scenario, fixture: Fixture, cacheDir: string): Promise<Result> {
  const server = startServer(
    'rtspkit',
    cfg.port,
    fixture.path,
    join(cacheDir, 'logs', `secure-${s.label}-${s.transport}-${s.readers}.log`),
    {
      extraArgs: ['--no-hls', '--no-webrtc', ...s.args],
    },
  )
  const readers: LoadReader[] = []
  try {
    await server.ready()
    const ports = new UdpPortAllocator(cfg.udpBase, HOST)
    let next = 0
    const errors: string[] = []
    const worker = async (): Promise<void> => {
      while (next < s.readers) {
        const listen = s.transport !== 'multicast' || next < cfg.mcListen
        next++
        const r = new LoadReader({ url: s.url, transport: s.transport, ports, tls: s.tls, srtp: s.srtp, listen })
        readers.push(r)
        await r.start().catch((err: Error) => errors.push(err.message))
      }
    }
    await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker))
    const playing = readers.filter((r) => r.error === undefined && r.tracks.length > 0)
    const counted = playing.filter((r) => s.transport !== 'multicast' || readers.indexOf(r) < cfg.mcListen)
    const until = performance.now() + FIRST_PACKET_TIMEOUT_MS
    while (!counted.every((r) => r.receiving) && performance.now() < until) await sleep(100)
    await sleep(cfg.warmup * 1000)
    const hz = clockTicksPerSecond()
    const snaps0 = counted.map((r) => r.snapshot())
    const cpu0 = processTicks(server.pid)
    const load0 = process.cpuUsage()
    const t0 = performance.now()
    await sleep(cfg.seconds * 1000)
    const cpu1 = processTicks(server.pid)
    const load = process.cpuUsage(load0)
    const windowS = (performance.now() - t0) / 1000
    const snaps1 = counted.map((r) => r.snapshot())
    const mbps = snaps1.map((b, i) => ((b.bytes - snaps0[i]!.bytes) * 8) / windowS / 1e6)
    const lost = snaps1.reduce((sum, b, i) => sum + (b.expected - b.packets - (snaps0[i]!.expected - snaps0[i]!.packets)), 0)
    if (errors.length > 0) console.error(`${s.label} ${s.transport} ${s.readers}: ${errors.length} readers failed: ${errors[0]}`)
    return {
      label: s.label,
      transport: s.transport,
      readers: s.readers,
      playing: playing.length,
      counted: counted.length,
      cpuPerReaderMin: (cpu1 - cpu0) / hz / (playing.length * (windowS / 60)),
      slowestMbps: mbps.length > 0 ? Math.min(...mbps) : 0,
      medianMbps: mbps.length > 0 ? median(mbps) : 0,
      lost,
      loadCpuPct: ((load.user + load.system) / 1e6 / windowS) * 100,
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()))
    await server.stop()
  }
}

function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'bench-cert.pem')
  const key = join(dir, 'bench-key.pem')
  const r = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`)
  return { cert, key }
}

/** Plain against RTSPS + SRTP, TCP and UDP, for each reader count. */
async function secureScenarios(fixture: Fixture, cacheDir: string): Promise<Result[]> {
  const { cert, key } = makeCert(cacheDir)
  const rtspsPort = cfg.port + 1
  const plain = `rtsp://${HOST}:${cfg.port}/${MOUNT}`
  const secure = `rtsps://${HOST}:${rtspsPort}/${MOUNT}`
  const tlsArgs = ['--tls-cert', cert, '--tls-key', key, '--rtsps-port', String(rtspsPort), '--encryption', 'strict']
  const results: Result[] = []
  for (const n of cfg.readers) {
    for (const transport of ['tcp', 'udp'] as const) {
      results.push(await runScenario({ label: 'RTSP', transport, readers: n, args: ['--encryption', 'no'], url: plain }, fixture, cacheDir))
      results.push(
        await runScenario(
          { label: 'RTSPS+SRTP', transport, readers: n, args: tlsArgs, url: secure, tls: true, srtp: true },
          fixture,
          cacheDir,
        ),
      )
    }
  }
  return results
}

/** In the namespace: N unicast UDP readers, then N multicast members, for each reader count. */
async function multicastScenarios(fixture: Fixture, cacheDir: string): Promise<Result[]> {
  const url = `rtsp://${HOST}:${cfg.port}/${MOUNT}`
  const results: Result[] = []
  for (const n of cfg.readers) {
    results.push(await runScenario({ label: 'unicast', transport: 'udp', readers: n, args: [], url }, fixture, cacheDir))
    results.push(await runScenario({ label: 'multicast', transport: 'multicast', readers: n, args: [], url }, fixture, cacheDir))
  }
  return results
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args)
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.toString().trim()} (the multicast part needs root)`)
}

/** Makes the namespace, runs this script in it, and returns what the child measured. */
function multicastInNamespace(): Result[] {
  const ns = `rtspkit-bench-${process.pid}`
  ip('netns', 'add', ns)
  try {
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up')
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'multicast', 'on')
    ip('netns', 'exec', ns, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo')
    const child = spawnSync('ip', ['netns', 'exec', ns, process.execPath, process.argv[1]!], {
      env: { ...process.env, [CHILD_ENV]: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 1024 * 1024,
    })
    if (child.status !== 0) throw new Error(`the multicast child failed (${child.status})`)
    return JSON.parse(child.stdout.toString().trim().split('\n').pop()!) as Result[]
  } finally {
    spawnSync('ip', ['netns', 'del', ns])
  }
}

function table(results: Result[], baseLabel: string): string {
  const rows = results.map((r) => {
    const base = results.find(
      (b) => b.label === baseLabel && b.readers === r.readers && (b.transport === r.transport || r.transport === 'multicast'),
    )
    return [
      String(r.readers),
      `${r.label} ${r.transport.toUpperCase()}`,
      `${r.playing}`,
      fmt(r.cpuPerReaderMin, 4),
      base ? `${fmt(r.cpuPerReaderMin / base.cpuPerReaderMin, 2)}×` : '',
      `${fmt(r.slowestMbps, 2)} (${r.counted})`,
      fmt(r.medianMbps, 2),
      String(r.lost),
      fmt(r.loadCpuPct, 0),
    ]
  })
  return textTable(
    ['readers', 'kind', 'playing', 'CPU s / reader-min', `× ${baseLabel}`, 'slowest Mbit/s (of)', 'median', 'lost', 'load CPU %'],
    rows,
  )
}

async function main(): Promise<void> {
  const cacheDir = process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench')
  mkdirSync(join(cacheDir, 'logs'), { recursive: true })
  const fixture = ensureFixture(cacheDir, Math.max(60, (cfg.warmup + cfg.seconds) * 3 + FIXTURE_MARGIN_S))
  if (process.env[CHILD_ENV] === '1') {
    console.log(JSON.stringify(await multicastScenarios(fixture, cacheDir)))
    return
  }
  const secure = await secureScenarios(fixture, cacheDir)
  const multicast = multicastInNamespace()
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  console.log(`clip ${fixture.mbps.toFixed(2)} Mbit/s; window ${cfg.seconds} s after ${cfg.warmup} s warm-up; load average ${load}\n`)
  console.log(table(secure, 'RTSP'))
  console.log()
  console.log(table(multicast, 'unicast'))
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
