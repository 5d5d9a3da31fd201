/**
 * Resource readings of the server under test, from Linux's /proc (proc(5)): resident memory
 * (VmRSS in /proc/PID/status) and open descriptors (the entries of /proc/PID/fd). The fuzzer and the
 * soak compare a baseline taken after warm-up with readings taken later; growth past a bound fails
 * the run, because a leak per connection or per datagram shows up there first.
 */
import { readdirSync, readFileSync } from 'node:fs'

const KIB = 1024
const MIB = 1024 * 1024

export interface ProcSample {
  /** performance.now() of the reading. */
  at: number
  rssBytes: number
  fds: number
}

/** VmRSS of a process in bytes; NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * KIB : NaN
  } catch {
    return NaN
  }
}

/** How many descriptors a process has open; NaN when the process is gone. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return NaN
  }
}

export function sampleProc(pid: number): ProcSample {
  return { at: performance.now(), rssBytes: rssBytes(pid), fds: openFds(pid) }
}

export const toMiB = (bytes: number): number => bytes / MIB

/** Readings every `everyMs` while a run lasts; `peak` and `samples` for the summary. */
export class ProcWatch {
  readonly samples: ProcSample[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly pid: number,
    everyMs: number,
  ) {
    this.timer = setInterval(() => this.samples.push(sampleProc(pid)), everyMs)
    this.timer.unref()
  }

  peak(key: 'rssBytes' | 'fds'): number {
    // A loop, not Math.max(...): a long run has more samples than a call may take arguments.
    let peak = -Infinity
    for (const s of this.samples) if (!Number.isNaN(s[key])) peak = Math.max(peak, s[key])
    return peak
  }

  /** The median of `key` over the samples taken in [from, to) (performance.now() times); NaN when none. */
  medianBetween(key: 'rssBytes' | 'fds', from: number, to: number): number {
    const v = this.samples
      .filter((s) => s.at >= from && s.at < to && !Number.isNaN(s[key]))
      .map((s) => s[key])
      .sort((a, b) => a - b)
    return v.length === 0 ? NaN : v[Math.floor(v.length / 2)]!
  }

  close(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
