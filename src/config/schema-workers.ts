/** `server.workers`: how many threads send UDP readers' RTP (server/server-options.ts `workers`). */

/** Beyond this many send threads there is nothing left to gain on any machine we run on. */
export const MAX_WORKERS = 64

export function checkWorkers(v: string): string | undefined {
  if (v === 'auto') return undefined
  const n = /^\d+$/.test(v) ? Number(v) : NaN
  return n >= 1 && n <= MAX_WORKERS ? undefined : `must be 'auto' (one per core) or a number of threads from 1 to ${MAX_WORKERS}`
}
