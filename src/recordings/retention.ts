/**
 * `recordDeleteAfter`: every `intervalMs`, the segments whose start is older than their path's limit are
 * deleted. Only files the store names as a recording of a path the rule governs are touched (the
 * template must match the whole name, with a recording extension); files being written are left alone.
 * The clock is injected, and sweep() can be called directly (tests, or a check at start).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Clock } from '../util/clock.js'
import { listSegments } from './recording-store.js'

export interface RetentionRule {
  recordPath: string
  /** 0 keeps everything. */
  deleteAfterMs: number
  /** Whether the rule governs this path name (the config entry the name matches is this one). */
  accepts(pathName: string): boolean
}

export interface RecordingRetentionOptions {
  clock: Clock
  rules: () => readonly RetentionRule[]
  /** Absolute paths of files being written. */
  inUse?: () => readonly string[]
  /** Default 60 s; 0 = no timer (call sweep()). */
  intervalMs?: number
  log?: (msg: string) => void
}

const DEFAULT_INTERVAL_MS = 60_000

export class RecordingRetention {
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly opts: RecordingRetentionOptions) {
    const every = opts.intervalMs ?? DEFAULT_INTERVAL_MS
    if (every > 0) {
      this.timer = setInterval(() => this.sweep(), every)
      this.timer.unref()
    }
  }

  /** Deletes what is due now; returns the files deleted. */
  sweep(): string[] {
    const now = this.opts.clock.wallMs()
    const busy = new Set(this.opts.inUse?.() ?? [])
    const deleted: string[] = []
    for (const rule of this.opts.rules()) {
      if (!(rule.deleteAfterMs > 0)) continue
      for (const seg of listSegments(rule.recordPath)) {
        if (seg.startMs >= now - rule.deleteAfterMs || !rule.accepts(seg.pathName)) continue
        if (busy.has(path.resolve(seg.file))) continue
        try {
          fs.rmSync(seg.file)
          deleted.push(seg.file)
          this.opts.log?.(`recording /${seg.pathName}: deleted ${seg.file} (older than recordDeleteAfter)`)
        } catch (err) {
          this.opts.log?.(`recording /${seg.pathName}: cannot delete ${seg.file}: ${(err as Error).message}`)
        }
      }
    }
    return deleted
  }

  /** Idempotent. */
  close(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}
