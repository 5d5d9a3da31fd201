/**
 * The `server:` keys of the connection limits (src/server/connection-limits.ts): their types, ranges
 * and defaults, kept apart from schema.ts, which spreads them into the server section. Seconds in
 * the file, milliseconds in the server. Every change applies live (the next sweep reads them).
 */
import type { LeafSpec } from './schema.js'
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from '../server/connection-limits.js'

export interface ConnectionLimitsConfig {
  /** Seconds a new connection has to complete its first request; 0 = no limit. */
  firstRequestTimeout: number
  /** Seconds from a request's first byte to the end of its headers; 0 = no limit. */
  headersTimeout: number
  /** Seconds from the end of a request's headers to the end of its body; 0 = no limit. */
  bodyTimeout: number
  /** Seconds a connection without a session may stay quiet; 0 = forever. */
  idleTimeout: number
  /** Seconds a TCP reader's socket may take nothing while bytes wait; 0 = forever. */
  writeTimeout: number
  /** Seconds a reader's connection stays after the server ended its last session. */
  streamEndGrace: number
  /** Most connections from one address; 0 = no cap. */
  maxConnectionsPerAddress: number
  /** Bytes of unfinished requests held in memory at once, all connections together; 0 = no budget. */
  requestBodyBudget: number
}

const HOUR_S = 3600
const MAX_BYTES = 1 << 30

export const CONNECTION_LIMIT_FIELDS: Readonly<Record<keyof ConnectionLimitsConfig, LeafSpec>> = {
  firstRequestTimeout: { type: 'seconds', min: 0, max: HOUR_S, apply: 'live' },
  headersTimeout: { type: 'seconds', min: 0, max: HOUR_S, apply: 'live' },
  bodyTimeout: { type: 'seconds', min: 0, max: HOUR_S, apply: 'live' },
  idleTimeout: { type: 'seconds', min: 0, max: 24 * HOUR_S, apply: 'live' },
  writeTimeout: { type: 'seconds', min: 0, max: HOUR_S, apply: 'live' },
  streamEndGrace: { type: 'seconds', min: 0, max: HOUR_S, apply: 'live' },
  maxConnectionsPerAddress: { type: 'int', min: 0, max: 1_000_000, apply: 'live' },
  requestBodyBudget: { type: 'int', min: 0, max: MAX_BYTES, apply: 'live' },
}

const d = DEFAULT_CONNECTION_LIMITS

export function defaultConnectionLimitsConfig(): ConnectionLimitsConfig {
  return {
    firstRequestTimeout: d.firstRequestTimeoutMs / 1000,
    headersTimeout: d.headersTimeoutMs / 1000,
    bodyTimeout: d.bodyTimeoutMs / 1000,
    idleTimeout: d.idleTimeoutMs / 1000,
    writeTimeout: d.writeTimeoutMs / 1000,
    streamEndGrace: d.streamEndGraceMs / 1000,
    maxConnectionsPerAddress: d.maxConnectionsPerAddress,
    requestBodyBudget: d.requestBodyBudget,
  }
}

/** The server's view of the keys. */
export function connectionLimitsOf(s: ConnectionLimitsConfig): ConnectionLimits {
  return {
    firstRequestTimeoutMs: s.firstRequestTimeout * 1000,
    headersTimeoutMs: s.headersTimeout * 1000,
    bodyTimeoutMs: s.bodyTimeout * 1000,
    idleTimeoutMs: s.idleTimeout * 1000,
    writeTimeoutMs: s.writeTimeout * 1000,
    streamEndGraceMs: s.streamEndGrace * 1000,
    maxConnectionsPerAddress: s.maxConnectionsPerAddress,
    requestBodyBudget: s.requestBodyBudget,
  }
}
