/**
 * `npm run bench:ttff-ab`: time to first frame of two or more rtspkit builds, interleaved. Every build
 * serves the same clip at once on its own port; each round probes every build once, in a shuffled order,
 * with `ffmpeg … -frames:v 1` (bench/ttff-probe.ts). A machine whose speed drifts between two sequential
 * runs (seen here: 25 ms between consecutive runs of one build) then drifts for every build alike, so a
 * difference of a few ms between builds shows, where `npm run bench:ttff` run once per build does not.
 *
 * Knobs: BENCH_TTFF_BUILDS=name=DIST,name=DIST (a build's compiled tree: the directory holding
 * src/cli/main.js; default `this=dist` of this checkout; make another with `git worktree add` and
 * `npx tsc`), BENCH_TTFF_RUNS=30 (rounds), BENCH_TRANSPORTS=tcp,udp, BENCH_SEED, BENCH_RTSPKIT_PORT.
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { listEnv, numberEnv, ROOT, sleep } from './bench-env.js'
import { ensureFixture, MIN_FIXTURE_SECONDS } from './fixture.js'
import { HOST, MOUNT, ServerProcess } from './server-process.js'
import { fmt, percentile, seededRandom, textTable } from './stats.js'
import { DEFAULT_PROBE_TIMEOUT_MS, firstFrameArgs, timeProcess } from './ttff-probe.js'

/** A pause between probes, varied so that no build always lands on the same point of the GOP. */
const MIN_GAP_MS = 100
const GAP_SPREAD_MS = 300

interface Build {
  name: string
  dist: string
}

function builds(): Build[] {
  const spec = process.env.BENCH_TTFF_BUILDS ?? 'this=dist'
  return spec.split(',').map((item) => {
    const at = item.indexOf('=')
    if (at <= 0) {
      console.error(`BENCH_TTFF_BUILDS: "${item}" is not name=DIST (e.g. old=/work/old/dist)`)
      process.exit(2)
    }
    return { name: item.slice(0, at), dist: resolve(ROOT, item.slice(at + 1)) }
  })
}

async function main(): Promise<void> {
  const list = builds()
  const rounds = numberEnv('BENCH_TTFF_RUNS', 30, 1, 500)
  const transports = listEnv('BENCH_TRANSPORTS', 'tcp,udp', ['tcp', 'udp'] as const)
  const random = seededRandom(numberEnv('BENCH_SEED', 1, 0, 0xffffffff))
  const basePort = numberEnv('BENCH_RTSPKIT_PORT', 18554, 1024, 65000)
  const cacheDir = process.env.BENCH_CACHE ?? join(tmpdir(), 'rtspkit-bench')
  const logs = join(cacheDir, 'logs')
  mkdirSync(logs, { recursive: true })
  const clip = ensureFixture(cacheDir, MIN_FIXTURE_SECONDS)
  const servers = list.map(({ name, dist }, i) => {
    const port = basePort + 2 * i
    const args = [join(dist, 'src', 'cli', 'main.js'), 'serve', '--port', String(port), '--host', HOST, '--no-api']
    args.push('--path', `${MOUNT}=file:${clip.path}`)
    return new ServerProcess('rtspkit', process.execPath, args, port, join(logs, `ttff-ab-${name}.log`))
  })
  try {
    await Promise.all(servers.map((s) => s.ready()))
    const times = new Map<string, number[]>()
    for (let round = 0; round < rounds; round++) {
      for (const transport of transports) {
        const order = list.map((_, i) => i).sort(() => random() - 0.5)
        for (const i of order) {
          const r = await timeProcess('ffmpeg', firstFrameArgs(servers[i]!.url, transport), DEFAULT_PROBE_TIMEOUT_MS)
          const key = `${list[i]!.name} ${transport}`
          if (r.ok) times.set(key, [...(times.get(key) ?? []), r.ms])
          await sleep(MIN_GAP_MS + random() * GAP_SPREAD_MS)
        }
      }
    }
    const rows = [...times].map(([key, v]) => {
      const [name, transport] = key.split(' ')
      return [name!, transport!, `${v.length}/${rounds}`, fmt(percentile(v, 25)), fmt(percentile(v, 50)), fmt(percentile(v, 75))]
    })
    console.log(`\nTime to first frame, interleaved (ffmpeg spawn → exit after 1 decoded frame), ms:\n`)
    console.log(textTable(['build', 'transport', 'ok', 'p25', 'median', 'p75'], rows))
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
  }
}

await main()
