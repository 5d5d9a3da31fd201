/**
 * `npm run fuzz`: a network fuzzer against a running server (tools/fuzz/target.ts starts it). Workers
 * pick attacks (tools/fuzz/net-attacks.ts) by weight until `--duration` seconds or `--requests`
 * messages; health probes run throughout. Fails (exit 1) on a crash, a hang (a probe slower than
 * `--health-ms`), RSS growth past `--max-rss-growth-mb` or descriptor growth past `--max-fd-growth`
 * once the server has had `--settle` seconds to expire what the attacks left behind.
 *
 *   npm run fuzz -- --duration 60                 rtspkit, every attack, 60 s
 *   npm run fuzz -- --requests 200000 --duration 3600
 *   npm run fuzz -- --target gst --settle 70      gst-rtsp-server (RTSP attacks only; 60 s sessions)
 *   npm run fuzz -- --parsers                     the parsers instead (tools/fuzz/parser-fuzz.ts)
 */
import { percentile, textTable } from '../../bench/stats.js'
import { flagHelp, parseFlags, runTool } from './flags.js'
import { HealthProbe } from './health.js'
import { Rng } from './mutate.js'
import { ATTACKS, type AttackContext } from './net-attacks.js'
import { runParserFuzz } from './parser-fuzz.js'
import { sampleProc, ProcWatch } from './proc-watch.js'
import { counterTable, mib, printVerdict } from './report.js'
import { startTarget, TARGETS, type TargetName } from './target.js'

const FLAGS = {
  target: { kind: 'string', default: 'rtspkit', allowed: TARGETS, help: 'server under test: rtspkit or gst' },
  duration: { kind: 'number', default: 60, min: 1, max: 86_400, help: 'seconds of fuzzing at most' },
  requests: { kind: 'number', default: 0, min: 0, max: 1e9, help: 'stop after this many messages (0: duration only)' },
  workers: { kind: 'number', default: 6, min: 1, max: 256, help: 'attacks in flight at once' },
  seed: { kind: 'number', default: 1, min: 0, max: 2 ** 32 - 1, help: 'seed of the mutations (workers use seed+i)' },
  'health-ms': { kind: 'number', default: 1000, min: 10, max: 60_000, help: 'a health probe slower than this is a hang' },
  // The peak is the working set at the attack rate (six workers, about 4,000 messages a second: up to
  // 150 MiB over the baseline in the 1M-message run, level from quarter to quarter); a leak is what
  // 'max-rss-climb-mb' catches.
  'max-rss-growth-mb': { kind: 'number', default: 200, min: 0, max: 1e6, help: 'peak RSS growth allowed over the baseline' },
  'max-rss-climb-mb': {
    kind: 'number',
    default: 40,
    min: 0,
    max: 1e6,
    help: 'RSS growth allowed from the second quarter of the run to the last (medians): a leak',
  },
  'max-fd-growth': { kind: 'number', default: 16, min: 0, max: 1e6, help: 'open descriptors allowed over the baseline after settling' },
  settle: { kind: 'number', default: 15, min: 0, max: 3600, help: 'seconds to wait for descriptors to come back after the attacks' },
  'session-timeout': {
    kind: 'number',
    default: 5,
    min: 1,
    max: 3600,
    help: "rtspkit's --session-timeout (sessions the attacks leave expire)",
  },
  'server-arg': { kind: 'string', default: '', help: 'extra rtspkit serve arguments, space-separated (e.g. limits)' },
  parsers: { kind: 'boolean', help: 'fuzz the parsers in process instead (see --runs)' },
  runs: { kind: 'number', default: 100_000, min: 1, max: 1e9, help: 'with --parsers: fast-check runs per parser' },
  help: { kind: 'boolean', help: 'this help' },
} as const

const WARMUP_MS = 2000
const SAMPLE_EVERY_MS = 1000
const SETTLE_POLL_MS = 500

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), FLAGS)
  if (flags.help) {
    console.log(`Usage: npm run fuzz -- [options]\n\n${flagHelp(FLAGS)}`)
    return 0
  }
  if (flags.parsers) return runParserFuzz({ runs: flags.runs, seed: flags.seed })

  const name = flags.target as TargetName
  const extra = ['--session-timeout', String(flags['session-timeout']), ...flags['server-arg'].split(' ').filter((s) => s !== '')]
  const target = await startTarget(name, { seconds: flags.duration, extraArgs: name === 'rtspkit' ? extra : [] })
  const pid = target.process.pid
  console.log(`fuzzing ${name} (pid ${pid}) at ${target.url}; ports ${JSON.stringify(target.ports)}; log ${target.logPath}`)
  const onSignal = () => target.process.kill()
  process.once('SIGINT', onSignal)

  await new Promise((r) => setTimeout(r, WARMUP_MS))
  const baseline = sampleProc(pid)
  const watch = new ProcWatch(pid, SAMPLE_EVERY_MS)
  const health = new HealthProbe(target, flags['health-ms'])

  const replies = new Map<string, number>()
  const tally = (cls: string, n = 1) => replies.set(cls, (replies.get(cls) ?? 0) + n)
  const perAttack = new Map<string, { runs: number; messages: number; errors: number }>()
  const attacks = Object.entries(ATTACKS).filter(([, a]) => name === 'rtspkit' || !a.rtspkitOnly)
  const totalWeight = attacks.reduce((s, [, a]) => s + a.weight, 0)
  let messages = 0
  const t0 = performance.now()
  const deadline = t0 + flags.duration * 1000
  const more = () =>
    target.process.running && !health.stats.stalled && performance.now() < deadline && (flags.requests === 0 || messages < flags.requests)

  const worker = async (i: number) => {
    const rng = new Rng(flags.seed + i)
    const ctx: AttackContext = { target, rng, tally }
    while (more()) {
      let w = rng.float() * totalWeight
      const [label, attack] = attacks.find(([, a]) => (w -= a.weight) < 0) ?? attacks[0]!
      const row = perAttack.get(label) ?? { runs: 0, messages: 0, errors: 0 }
      perAttack.set(label, row)
      row.runs++
      try {
        const n = await attack.run(ctx)
        row.messages += n
        messages += n
      } catch {
        // Connect refused or reset before the first byte: counted, and a crash shows in `running`.
        row.errors++
      }
    }
  }
  await Promise.all(Array.from({ length: flags.workers }, (_, i) => worker(i)))
  const fuzzSeconds = (performance.now() - t0) / 1000
  const h = await health.stop()
  const crashed = !target.process.running

  // Let sessions the attacks left expire, then compare descriptors with the baseline.
  let settled = sampleProc(pid)
  const settleEnd = performance.now() + flags.settle * 1000
  while (!crashed && settled.fds - baseline.fds > flags['max-fd-growth'] && performance.now() < settleEnd) {
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS))
    settled = sampleProc(pid)
  }
  // RSS by quarter of the run (medians): a leak climbs from quarter to quarter, a working set levels off.
  const t1 = t0 + fuzzSeconds * 1000
  const rssQuarters = [0, 1, 2, 3].map((q) => watch.medianBetween('rssBytes', t0 + ((t1 - t0) * q) / 4, t0 + ((t1 - t0) * (q + 1)) / 4))
  watch.close()
  const exitInfo = crashed ? `exit ${target.process.child.exitCode ?? target.process.child.signalCode}` : ''
  await target.process.stop()

  const failures: string[] = []
  if (crashed) failures.push(`crash: ${name} ${exitInfo}; last lines:\n${target.process.lastLines()}`)
  if (h.stalled) failures.push(`hang: the server stopped answering ${h.firstSlowAtS?.toFixed(0)} s into the run; the run ended early`)
  if (h.slow > 0)
    failures.push(
      `hang: ${h.slow} of ${h.probes} health probes slower than ${flags['health-ms']} ms (first: ${h.firstSlow}, ${h.firstSlowAtS?.toFixed(0)} s in)`,
    )
  const rssGrowth = watch.peak('rssBytes') - baseline.rssBytes
  if (rssGrowth > flags['max-rss-growth-mb'] * 1024 * 1024)
    failures.push(`RSS grew ${mib(rssGrowth)} MiB (bound ${flags['max-rss-growth-mb']} MiB)`)
  const climb = rssQuarters[3]! - rssQuarters[1]!
  if (climb > flags['max-rss-climb-mb'] * 1024 * 1024)
    failures.push(
      `RSS kept climbing: ${mib(climb)} MiB from the second quarter of the run to the last (bound ${flags['max-rss-climb-mb']} MiB)`,
    )
  const fdGrowth = settled.fds - baseline.fds
  if (!crashed && fdGrowth > flags['max-fd-growth'])
    failures.push(`descriptors grew by ${fdGrowth} after ${flags.settle} s of settling (bound ${flags['max-fd-growth']})`)

  console.log(
    `\n${name}: ${messages} messages in ${fuzzSeconds.toFixed(1)} s (${(messages / fuzzSeconds).toFixed(0)}/s), seed ${flags.seed}\n`,
  )
  const attackRows = [...perAttack.entries()].map(([k, r]) => [k, String(r.runs), String(r.messages), String(r.errors)])
  console.log(textTable(['attack', 'runs', 'messages', 'failed to connect'], attackRows, 1))
  console.log()
  console.log(counterTable('replies by class', replies))
  console.log()
  const lat = h.latenciesMs
  console.log(
    textTable(
      [
        'server',
        'RSS base MiB',
        'RSS peak MiB',
        'RSS by quarter MiB',
        'fds base',
        'fds peak',
        'fds settled',
        'probes',
        'probe p99 ms',
        'probe max ms',
      ],
      [
        [
          name,
          mib(baseline.rssBytes),
          mib(watch.peak('rssBytes')),
          rssQuarters.map((v) => mib(v)).join(' / '),
          String(baseline.fds),
          String(watch.peak('fds')),
          String(settled.fds),
          String(h.probes),
          percentile(lat, 99).toFixed(1),
          h.worstMs.toFixed(1),
        ],
      ],
      1,
    ),
  )
  printVerdict(
    'FUZZ',
    {
      target: name,
      messages,
      seconds: fuzzSeconds,
      replies: Object.fromEntries(replies),
      rssBaseMiB: baseline.rssBytes / 2 ** 20,
      rssPeakMiB: watch.peak('rssBytes') / 2 ** 20,
      rssQuartersMiB: rssQuarters.map((v) => v / 2 ** 20),
      fdsBase: baseline.fds,
      fdsPeak: watch.peak('fds'),
      fdsSettled: settled.fds,
      probes: h.probes,
      probeP99Ms: percentile(lat, 99),
      probeMaxMs: h.worstMs,
      crashed,
      stalled: h.stalled,
    },
    { failures },
  )
  process.off('SIGINT', onSignal)
  return failures.length === 0 ? 0 : 1
}

runTool(main)
