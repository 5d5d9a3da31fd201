/**
 * The recording and playback keys: `recording.fsync`, the `playback` section, and the per-path keys
 * MediaMTX users know (recordPath, recordFormat, recordSegmentDuration, recordPartDuration,
 * recordDeleteAfter). A path that leaves one unset takes it from the `recording` section
 * (recordSettingsOf), so `--record DIR` and `recording.dir` keep working.
 */
import { DEFAULT_RECORD_PATH, recordPathProblem } from '../recordings/record-path.js'
import type { ApplyBy, LeafSpec, SectionSpec } from './schema.js'

export const RECORD_FORMATS = ['fmp4', 'matroska'] as const
export type RecordFormat = (typeof RECORD_FORMATS)[number]
export const FSYNC_POLICIES = ['fragment', 'segment', 'never'] as const
export type FsyncPolicyName = (typeof FSYNC_POLICIES)[number]

const DAY_S = 86_400
const YEAR_S = 366 * DAY_S
const MAX_PORT = 65_535
/** MediaMTX's default fragment (part) length, and what a crash loses at most. */
export const DEFAULT_RECORD_PART_S = 1

/** The `recording` section's keys beyond dir and segmentSeconds. */
export interface RecordingSectionExtras {
  /** When recordings are forced to the disk. */
  fsync: FsyncPolicyName
  /** Default recordFormat of the paths. */
  format: RecordFormat
  /** Default recordPartDuration: the longest fragment, what a crash loses at most. */
  partSeconds: number
  /** Default recordDeleteAfter (0 = keep). */
  deleteAfter: number
}

export interface PlaybackConfig {
  enabled: boolean
  host: string
  port: number
  /** CORS Access-Control-Allow-Origin. */
  allowOrigin: string
}

/** Per-path keys; unset ones come from the `recording` section. */
export interface PathRecordConfig {
  recordPath?: string
  recordFormat?: RecordFormat
  recordSegmentDuration?: number
  recordPartDuration?: number
  recordDeleteAfter?: number
}

/** What a recorded path is recorded with, every key resolved. */
export interface RecordSettings {
  /** Template (recordings/record-path.ts), relative to the working directory or absolute. */
  recordPath: string
  format: RecordFormat
  segmentSeconds: number
  partSeconds: number
  /** 0 = keep forever. */
  deleteAfterSeconds: number
  fsync: FsyncPolicyName
}

/** The recording section's new keys, merged into SECTIONS.recording by schema.ts. */
export const RECORDING_SECTION_FIELDS: SectionSpec['fields'] = {
  fsync: { type: 'enum', values: FSYNC_POLICIES, apply: 'paths' },
  format: { type: 'enum', values: RECORD_FORMATS, apply: 'paths' },
  partSeconds: { type: 'seconds', min: 0.1, max: 60, apply: 'paths' },
  deleteAfter: { type: 'seconds', min: 0, max: YEAR_S, apply: 'paths' },
}

export const RECORDING_SECTION_DEFAULTS: RecordingSectionExtras = {
  fsync: 'segment',
  format: 'fmp4',
  partSeconds: DEFAULT_RECORD_PART_S,
  deleteAfter: 0,
}

export const PLAYBACK_SECTION: SectionSpec = {
  type: 'section',
  fields: {
    enabled: { type: 'bool', apply: 'restart-api' satisfies ApplyBy },
    host: { type: 'string', apply: 'restart-api' },
    port: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-api' },
    allowOrigin: { type: 'string', apply: 'restart-api' },
  },
}

export const PLAYBACK_DEFAULTS: PlaybackConfig = { enabled: false, host: '', port: 9996, allowOrigin: '*' }

export const RECORD_PATH_FIELDS: Readonly<Record<keyof PathRecordConfig, LeafSpec>> = {
  recordPath: { type: 'string', check: recordPathProblem, apply: 'paths' },
  recordFormat: { type: 'enum', values: RECORD_FORMATS, apply: 'paths' },
  recordSegmentDuration: { type: 'seconds', min: 1, max: DAY_S, apply: 'paths' },
  recordPartDuration: { type: 'seconds', min: 0.1, max: 60, apply: 'paths' },
  recordDeleteAfter: { type: 'seconds', min: 0, max: YEAR_S, apply: 'paths' },
}

/** The per-path keys a path entry sets (validated by `get`), leaving out the unset ones. */
export function pathRecordFields(get: (key: string, fallback: unknown) => unknown): PathRecordConfig {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(RECORD_PATH_FIELDS)) {
    const v = get(k, undefined)
    if (v !== undefined) out[k] = v
  }
  return out
}

export interface RecordingSectionLike {
  dir: string
  segmentSeconds: number
  fsync?: FsyncPolicyName
  format?: RecordFormat
  partSeconds?: number
  deleteAfter?: number
}

/** A path's recording settings, its own keys over the `recording` section's. */
export function recordSettingsOf(recording: RecordingSectionLike, path: PathRecordConfig): RecordSettings {
  return {
    recordPath: path.recordPath ?? `${recording.dir.replace(/[\\/]+$/, '')}/${DEFAULT_RECORD_PATH}`,
    format: path.recordFormat ?? recording.format ?? RECORDING_SECTION_DEFAULTS.format,
    segmentSeconds: path.recordSegmentDuration ?? recording.segmentSeconds,
    partSeconds: path.recordPartDuration ?? recording.partSeconds ?? DEFAULT_RECORD_PART_S,
    deleteAfterSeconds: path.recordDeleteAfter ?? recording.deleteAfter ?? 0,
    fsync: recording.fsync ?? RECORDING_SECTION_DEFAULTS.fsync,
  }
}
