/**
 * The limits that keep one client, or many, from holding the server's connections and memory:
 * how long a request may take to arrive, how long a connection without a session may stay quiet,
 * how many connections one address may hold, how many request bytes may wait in memory at once,
 * and how long a TCP reader may leave its socket full. Defaults follow MediaMTX (10 s read and write
 * timeouts) and stay below gst-rtsp-server's 60 s: whatever has not finished a request, or has no
 * session and says nothing, is gone within 30 s. A connection that carries a live session is never
 * closed for being quiet (a UDP reader's RTSP connection may say nothing for as long as it plays).
 */
import { ConfigError } from '../errors.js'

export interface ConnectionLimits {
  /** A new connection must complete its first request within this (ms; 0 = no limit). */
  firstRequestTimeoutMs: number
  /** From a request's first byte to the end of its headers (ms; 0 = no limit): slow headers (slowloris). */
  headersTimeoutMs: number
  /** From the end of a request's headers to the end of its body (ms; 0 = no limit): slow bodies. */
  bodyTimeoutMs: number
  /** A connection without a session (and no request under way) that sends nothing this long is closed (ms; 0 = never). */
  idleTimeoutMs: number
  /** A connection whose socket takes no byte for this long, with bytes waiting, is closed: a stalled TCP reader (ms; 0 = never). */
  writeTimeoutMs: number
  /** A reader's connection is closed this long after the server ended its last session (stream ended, kicked, timed out) (ms). */
  streamEndGraceMs: number
  /** Most connections from one address (0 = no cap); beyond it a connection gets 503 and is closed. */
  maxConnectionsPerAddress: number
  /** Bytes of unfinished requests held in memory across all connections (0 = no budget); past it the request gets 503. */
  requestBodyBudget: number
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  firstRequestTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  writeTimeoutMs: 10_000,
  streamEndGraceMs: 2_000,
  maxConnectionsPerAddress: 0,
  requestBodyBudget: 64 * 1024 * 1024,
})

/** The limits with defaults filled in; a negative or non-numeric value is a ConfigError naming the key. */
export function resolveConnectionLimits(given: Partial<ConnectionLimits> | undefined): ConnectionLimits {
  const out: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS }
  for (const [key, value] of Object.entries(given ?? {}) as [keyof ConnectionLimits, number | undefined][]) {
    if (value === undefined) continue
    if (!(key in DEFAULT_CONNECTION_LIMITS)) {
      throw new ConfigError('ERR_CONFIG_VALUE', `connectionLimits.${key} is not a limit`, { observed: key })
    }
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new ConfigError('ERR_CONFIG_VALUE', `connectionLimits.${key} must be a number >= 0, got ${String(value)}`, {
        observed: value,
        allowed: '>= 0',
      })
    }
    out[key] = value
  }
  return out
}
