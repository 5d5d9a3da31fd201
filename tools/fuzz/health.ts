/**
 * Health probes of the server under test while it is attacked: an OPTIONS on a fresh RTSP connection
 * (the accept loop, the reader and the dispatcher in one round trip) and, where there is an HTTP API,
 * GET /v1/paths. A probe slower than the bound counts as a hang.
 */
import { Conversation } from './conversation.js'
import type { Target } from './target.js'

const PROBE_EVERY_MS = 500
/** This many failed or slow probes in a row: the server has stopped answering, and the run ends early. */
const STALL_PROBES = 6

export interface HealthStats {
  probes: number
  /** Probes slower than the bound, or unanswered. */
  slow: number
  latenciesMs: number[]
  worstMs: number
  firstSlow?: string
  /** Seconds from the start of probing to the first slow probe. */
  firstSlowAtS?: number
  /** True once STALL_PROBES probes in a row were slow or unanswered. */
  stalled: boolean
}

/** Runs probes until stop() is called; `stats` fills as they complete. */
export class HealthProbe {
  readonly stats: HealthStats = { probes: 0, slow: 0, latenciesMs: [], worstMs: 0, stalled: false }
  private running = true
  private inARow = 0
  private readonly startedAt = performance.now()
  private readonly loop: Promise<void>

  constructor(
    private readonly target: Target,
    private readonly boundMs: number,
  ) {
    this.loop = this.run()
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.probe('OPTIONS', () => this.options())
      if (this.target.ports.api !== undefined) await this.probe('GET /v1/paths', () => this.apiPaths())
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS))
    }
  }

  private async probe(name: string, f: () => Promise<boolean>): Promise<void> {
    const t0 = performance.now()
    let ok: boolean
    try {
      ok = await f()
    } catch {
      ok = false
    }
    const ms = performance.now() - t0
    this.stats.probes++
    this.stats.latenciesMs.push(ms)
    this.stats.worstMs = Math.max(this.stats.worstMs, ms)
    if (!ok || ms > this.boundMs) {
      this.stats.slow++
      this.stats.firstSlow ??= `${name}: ${ok ? `${ms.toFixed(0)} ms` : 'no answer'}`
      this.stats.firstSlowAtS ??= (t0 - this.startedAt) / 1000
      if (++this.inARow >= STALL_PROBES) this.stats.stalled = true
    } else this.inARow = 0
  }

  private async options(): Promise<boolean> {
    const conv = await Conversation.open(this.target.ports.rtsp, this.target.host)
    try {
      conv.write(`OPTIONS ${this.target.url} RTSP/1.0\r\nCSeq: 1\r\n\r\n`)
      await conv.waitResponses(1, this.boundMs * 2)
      return conv.responses[0]?.statusCode === 200
    } finally {
      conv.close()
    }
  }

  private async apiPaths(): Promise<boolean> {
    const res = await fetch(`http://${this.target.host}:${this.target.ports.api}/v1/paths`, {
      signal: AbortSignal.timeout(this.boundMs * 2),
    })
    await res.arrayBuffer()
    return res.ok
  }

  async stop(): Promise<HealthStats> {
    this.running = false
    await this.loop
    return this.stats
  }
}
