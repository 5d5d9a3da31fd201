/**
 * What every bench runner shares about its environment: the repository root, environment-variable
 * knobs with range checks (errors name the variable), running a tool once, sleeping.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../src/errors.js'

/** The repository root: this file runs as dist/bench/bench-env.js. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A comma-separated list knob whose items must be among `allowed`. */
export function listEnv<T extends string>(name: string, fallback: string, allowed: readonly T[]): T[] {
  const items = (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new ConfigError('ERR_BENCH_ENV', `${name}: "${item}" is not one of ${allowed.join(', ')}`, { observed: item, allowed })
  }
  if (items.length === 0) throw new ConfigError('ERR_BENCH_ENV', `${name} is empty`, { observed: '', allowed })
  return items as T[]
}

/** A numeric knob in [min, max]; `fallback` when unset or empty. */
export function numberEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ConfigError('ERR_BENCH_ENV', `${name} must be a number from ${min} to ${max}, got "${raw}"`, {
      observed: raw,
      allowed: `${min}-${max}`,
    })
  return n
}

/** Runs a tool to completion; its trimmed stdout, or undefined when it is missing or fails. */
export function tryExec(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
  } catch {
    return undefined
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Wall-clock milliseconds (Unix epoch) with sub-millisecond resolution, comparable to Python's time.time() × 1000. */
export const wallMs = (): number => performance.timeOrigin + performance.now()
