/**
 * `npm run reliability -- --scenario NAME`: the short scenarios of docs/reliability.md, against rtspkit
 * or gst-rtsp-server (`--target`).
 *
 *   parallel-play  `--clients` readers handshake at the same moment, each PLAY carrying
 *                  `Range: npt=0.000-` (what ffmpeg sends); counts how many get their PLAY answered
 *                  and media flowing within the timeout, over `--rounds` rounds on one server.
 *   burst          `--clients` connections opened at once, each sending OPTIONS; the latency from
 *                  connect to answer shows a short listen backlog (SYNs dropped and retried after 1 s).
 */
import { LoadReader, UdpPortAllocator } from '../../bench/load-client.js'
import { fmt, percentile, textTable } from '../../bench/stats.js'
import { Conversation } from './conversation.js'
import { flagHelp, parseFlags, runTool } from './flags.js'
import { largest, printVerdict } from './report.js'
import { startTarget, TARGETS, type Target, type TargetName } from './target.js'

const FLAGS = {
  target: { kind: 'string', default: 'rtspkit', allowed: TARGETS, help: 'server under test: rtspkit or gst' },
  scenario: { kind: 'string', default: 'parallel-play', allowed: ['parallel-play', 'burst'], help: 'which scenario' },
  clients: { kind: 'number', default: 16, min: 1, max: 5000, help: 'readers (parallel-play) or connections (burst) at once' },
  rounds: { kind: 'number', default: 3, min: 1, max: 1000, help: 'rounds on the same server' },
  transport: { kind: 'string', default: 'tcp', allowed: ['tcp', 'udp'], help: 'parallel-play: the readers’ transport' },
  'timeout-s': { kind: 'number', default: 10, min: 1, max: 600, help: 'how long a client may wait' },
  'gst-seekable': { kind: 'boolean', help: 'gst: serve the file as seekable (no SEEKING probe), as a plain file factory does' },
  help: { kind: 'boolean', help: 'this help' },
} as const

const MEDIA_WAIT_MS = 3000

interface RoundResult {
  round: number
  ok: number
  failed: number
  p50Ms: number
  maxMs: number
  firstError?: string
}

async function parallelPlay(
  target: Target,
  clients: number,
  transport: 'tcp' | 'udp',
  timeoutMs: number,
  round: number,
): Promise<RoundResult> {
  const ports = new UdpPortAllocator(30_000 + round * 2 * clients, '127.0.0.1')
  const readers = Array.from({ length: clients }, () => new LoadReader({ url: target.url, transport, ports }))
  const latencies: number[] = []
  const errors: string[] = []
  const t0 = performance.now()
  await Promise.all(
    readers.map(async (r) => {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no PLAY answer in ${timeoutMs} ms`)), timeoutMs).unref(),
      )
      try {
        await Promise.race([r.start(), timeout])
        latencies.push(performance.now() - t0)
      } catch (err) {
        errors.push((err as Error).message)
      }
    }),
  )
  await new Promise((res) => setTimeout(res, MEDIA_WAIT_MS))
  const receiving = readers.filter((r) => r.receiving).length
  await Promise.all(readers.map((r) => Promise.race([r.close(), new Promise((res) => setTimeout(res, 2000))])))
  return {
    round,
    ok: receiving,
    failed: clients - receiving,
    p50Ms: percentile(latencies, 50),
    maxMs: latencies.length ? largest(latencies) : NaN,
    firstError: errors[0] ?? (receiving < clients ? 'PLAY answered but no media' : undefined),
  }
}

async function burst(target: Target, clients: number, timeoutMs: number, round: number): Promise<RoundResult> {
  const latencies: number[] = []
  const errors: string[] = []
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      try {
        const conv = await Conversation.open(target.ports.rtsp, target.host)
        conv.write(`OPTIONS ${target.url} RTSP/1.0\r\nCSeq: 1\r\n\r\n`)
        const got = await conv.waitResponses(1, timeoutMs)
        conv.close()
        if (got) latencies.push(performance.now() - t0)
        else errors.push(`no answer in ${timeoutMs} ms`)
      } catch (err) {
        errors.push((err as Error).message)
      }
    }),
  )
  return {
    round,
    ok: latencies.length,
    failed: clients - latencies.length,
    p50Ms: percentile(latencies, 50),
    maxMs: latencies.length ? largest(latencies) : NaN,
    firstError: errors[0],
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), FLAGS)
  if (flags.help) {
    console.log(`Usage: npm run reliability -- [options]\n\n${flagHelp(FLAGS)}`)
    return 0
  }
  const name = flags.target as TargetName
  const target = await startTarget(name, { seconds: 120, gstSeekable: flags['gst-seekable'] })
  console.log(`${flags.scenario} against ${name} at ${target.url}: ${flags.clients} clients, ${flags.rounds} rounds`)
  const rows: RoundResult[] = []
  try {
    for (let round = 1; round <= flags.rounds && target.process.running; round++) {
      const timeoutMs = flags['timeout-s'] * 1000
      const r =
        flags.scenario === 'burst'
          ? await burst(target, flags.clients, timeoutMs, round)
          : await parallelPlay(target, flags.clients, flags.transport as 'tcp' | 'udp', timeoutMs, round)
      rows.push(r)
      console.log(`  round ${round}: ${r.ok}/${flags.clients} ok${r.firstError ? ` (first failure: ${r.firstError})` : ''}`)
    }
  } finally {
    await target.process.stop()
  }
  const what = flags.scenario === 'burst' ? 'answered' : 'playing'
  console.log()
  console.log(
    textTable(
      ['round', what, 'failed', 'p50 ms', 'max ms', 'first failure'],
      rows.map((r) => [String(r.round), String(r.ok), String(r.failed), fmt(r.p50Ms, 0), fmt(r.maxMs, 0), r.firstError ?? '']),
      1,
    ),
  )
  const failures = rows.filter((r) => r.failed > 0).map((r) => `round ${r.round}: ${r.failed} of ${flags.clients} failed (${r.firstError})`)
  printVerdict('SCENARIO', { target: name, scenario: flags.scenario, clients: flags.clients, rounds: rows }, { failures })
  return failures.length === 0 ? 0 : 1
}

runTool(main)
