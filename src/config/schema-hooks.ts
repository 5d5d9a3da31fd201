/**
 * Hooks in `rtspkit.yml`: shell commands run when something happens on a path or a connection, named
 * and timed as MediaMTX names them (runOnInit, runOnDemand, runOnReady…). The path keys live in every
 * `paths` entry and in `pathDefaults`; the connection keys are global (section `hooks`), since a
 * connection has no path when it opens. Pure data: src/hooks/ runs them.
 */
import type { LeafSpec, SectionSpec } from './schema.js'

/** The hooks of one path. A '' command is no hook. Seconds are numbers, as elsewhere in the config. */
export interface PathHooks {
  /** Runs while the path exists (from start, or from a regex path's first request). */
  runOnInit: string
  /** Starts runOnInit again when it exits by itself. */
  runOnInitRestart: boolean
  /** Started when a reader asks for the path and nothing publishes there: it should publish into it. */
  runOnDemand: string
  runOnDemandRestart: boolean
  /** How long a reader waits for runOnDemand's publisher (s). */
  runOnDemandStartTimeout: number
  /** runOnDemand is stopped this long after the last reader left (s). */
  runOnDemandCloseAfter: number
  /** Runs once when runOnDemand is stopped. */
  runOnUnDemand: string
  /** Runs while the path has a ready stream (a publisher, a relay pulling, a local source). */
  runOnReady: string
  runOnReadyRestart: boolean
  /** Runs once when the stream goes. */
  runOnNotReady: string
  /** Runs while a reader plays the path. */
  runOnRead: string
  runOnReadRestart: boolean
  /** Runs once when a reader stops. */
  runOnUnread: string
  /** Runs once when a recording segment is opened (MTX_SEGMENT_PATH). */
  runOnRecordSegmentCreate: string
  /** Runs once when a recording segment is complete (MTX_SEGMENT_PATH). */
  runOnRecordSegmentComplete: string
}

/** The global hooks (section `hooks`). */
export interface GlobalHooks {
  /** Runs while an RTSP(S) connection is open. */
  runOnConnect: string
  runOnConnectRestart: boolean
  /** Runs once when an RTSP(S) connection closes. */
  runOnDisconnect: string
}

const DAY_S = 86_400
const command: LeafSpec = { type: 'string', apply: 'paths' }
const restart: LeafSpec = { type: 'bool', apply: 'paths' }

/** The path fields of hooks, spread into PATH_FIELDS: a change rebuilds the path, as a source change does. */
export const HOOK_FIELDS: SectionSpec['fields'] = {
  runOnInit: command,
  runOnInitRestart: restart,
  runOnDemand: command,
  runOnDemandRestart: restart,
  runOnDemandStartTimeout: { type: 'seconds', min: 0.1, max: DAY_S, apply: 'paths' },
  runOnDemandCloseAfter: { type: 'seconds', min: 0, max: DAY_S, apply: 'paths' },
  runOnUnDemand: command,
  runOnReady: command,
  runOnReadyRestart: restart,
  runOnNotReady: command,
  runOnRead: command,
  runOnReadRestart: restart,
  runOnUnread: command,
  runOnRecordSegmentCreate: command,
  runOnRecordSegmentComplete: command,
}

/** Section `hooks`: new connections apply the current values, so a change applies live. */
export const GLOBAL_HOOKS_SECTION: SectionSpec = {
  type: 'section',
  fields: {
    runOnConnect: { type: 'string', apply: 'live' },
    runOnConnectRestart: { type: 'bool', apply: 'live' },
    runOnDisconnect: { type: 'string', apply: 'live' },
  },
}

export function defaultPathHooks(): PathHooks {
  return {
    runOnInit: '',
    runOnInitRestart: false,
    runOnDemand: '',
    runOnDemandRestart: false,
    runOnDemandStartTimeout: 10,
    runOnDemandCloseAfter: 10,
    runOnUnDemand: '',
    runOnReady: '',
    runOnReadyRestart: false,
    runOnNotReady: '',
    runOnRead: '',
    runOnReadRestart: false,
    runOnUnread: '',
    runOnRecordSegmentCreate: '',
    runOnRecordSegmentComplete: '',
  }
}

export function defaultGlobalHooks(): GlobalHooks {
  return { runOnConnect: '', runOnConnectRestart: false, runOnDisconnect: '' }
}

/** A path's hooks from its entry: `get(key, fallback)` reads and checks one field (the validator's). */
export function readPathHooks(get: (key: string, fallback: unknown) => unknown): PathHooks {
  const defaults = defaultPathHooks() as unknown as Record<string, unknown>
  return Object.fromEntries(Object.keys(HOOK_FIELDS).map((k) => [k, get(k, defaults[k])])) as unknown as PathHooks
}
