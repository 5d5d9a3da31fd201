/**
 * The recordings part of the HTTP API, in MediaMTX's layout (v3 `/recordings/…`) under /v1:
 *
 *   GET    /v1/recordings/list                                  every path with recordings, and its segments
 *   GET    /v1/recordings/get/NAME                              one path's segments
 *   DELETE /v1/recordings/deletesegment?path=NAME&start=RFC3339 one segment, named by its start (admins)
 *
 * A segment is `{ start, duration }` (RFC 3339, seconds). What counts as a recording of a path is what
 * recording-store.ts says (the whole file name matches the path's recordPath template, with a recording
 * extension), so a delete can only remove a file the listing shows: never one outside the recordings
 * tree, whatever the parameters say.
 */
import path from 'node:path'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import { deleteRecording, listRecordings, listSegments } from '../recordings/recording-store.js'
import { ApiError } from './api-error.js'
import type { ApiReply, ApiRoute } from './api-server.js'

export interface RecordingRoutesDeps {
  /** The recordPath template of a path name; undefined when no config entry serves the name. */
  recordPathOf(pathName: string): string | undefined
  /** Every recordPath template of the configuration: where the listing looks. */
  recordPaths(): readonly string[]
  /** Absolute names of the segments being written now (they are not deleted). */
  activeFiles?(): readonly string[]
  logger?: Logger
}

/** One segment as the API shows it. */
export interface RecordingSegmentView {
  /** When its first frame was taken (RFC 3339, from the file name). */
  start: string
  /** Seconds of media it holds (its complete fragments or clusters). */
  duration: number
}

export interface RecordingView {
  name: string
  segments: RecordingSegmentView[]
}

/** The characters a path name may have here (as the playback server's); '.' and '..' parts are refused. */
const PATH_NAME_RE = /^[A-Za-z0-9._~\-/]+$/
/** RFC 3339 date-time (section 5.6), fractional seconds of any length. */
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
const MS_PER_S = 1000

function checkedName(raw: string | null): string {
  const name = (raw ?? '').replace(/^\/+|\/+$/g, '')
  if (!name || !PATH_NAME_RE.test(name) || name.split('/').some((p) => p === '.' || p === '..' || p === ''))
    throw new ApiError(400, 'ERR_API_BAD_PARAMETER', `"${raw ?? ''}" is not a path name (letters, digits, . _ ~ - and /)`)
  return name
}

/** Milliseconds since the epoch of an RFC 3339 time (finer digits than milliseconds are dropped). */
function checkedStart(raw: string | null): number {
  if (raw === null) throw new ApiError(400, 'ERR_API_BAD_PARAMETER', 'start= is required (the segment start, RFC 3339)')
  // Date.parse rounds digits past the millisecond differently across engines: cut them first.
  const ms = RFC3339_RE.test(raw) ? Date.parse(raw.replace(/(\.\d{3})\d+/, '$1')) : NaN
  if (!Number.isFinite(ms))
    throw new ApiError(400, 'ERR_API_BAD_PARAMETER', `start=${raw} is not an RFC 3339 time (e.g. 2026-12-07T10:00:00.123Z)`)
  return ms
}

const segmentView = (s: { startMs: number; durationMs: number }): RecordingSegmentView => ({
  start: new Date(s.startMs).toISOString(),
  duration: s.durationMs / MS_PER_S,
})

export function recordingRoutes(deps: RecordingRoutesDeps): ApiRoute[] {
  const one = (name: string): RecordingView => {
    const template = deps.recordPathOf(name)
    const segments = template === undefined ? [] : listRecordings(template, name)
    if (segments.length === 0) throw new ApiError(404, 'ERR_API_RECORDING_NOT_FOUND', `no recordings of "${name}"`)
    return { name, segments: segments.map(segmentView) }
  }
  const list = (): ApiReply => {
    // A name counts under a template only when that template is the one its config entry records with now.
    const names = new Set<string>()
    for (const template of new Set(deps.recordPaths()))
      for (const s of listSegments(template)) if (deps.recordPathOf(s.pathName) === template) names.add(s.pathName)
    const items = [...names].sort().flatMap((name) => {
      try {
        return [one(name)]
      } catch {
        return [] // its last segment went between the two looks
      }
    })
    return { status: 200, body: { items } }
  }
  const deleteSegment = (_: string[], _body: unknown, query?: URLSearchParams): ApiReply => {
    const name = checkedName(query?.get('path') ?? null)
    const startMs = checkedStart(query?.get('start') ?? null)
    const template = deps.recordPathOf(name)
    const seg = template === undefined ? undefined : listSegments(template, name).find((s) => s.startMs === startMs)
    if (!template || !seg)
      throw new ApiError(404, 'ERR_API_RECORDING_NOT_FOUND', `no segment of "${name}" starts at ${new Date(startMs).toISOString()}`)
    if (deps.activeFiles?.().includes(path.resolve(seg.file)))
      throw new ApiError(409, 'ERR_API_RECORDING_IN_USE', `the segment of "${name}" at ${new Date(startMs).toISOString()} is being written`)
    try {
      deleteRecording(template, name, seg.file)
    } catch (err) {
      if (err instanceof ConfigError) throw new ApiError(404, 'ERR_API_RECORDING_NOT_FOUND', err.message)
      throw err
    }
    deps.logger?.info(`API: recording ${seg.file} of "${name}" deleted`)
    return { status: 204 }
  }
  return [
    { pattern: /^\/v1\/recordings\/list$/, methods: { GET: list } },
    { pattern: /^\/v1\/recordings\/get\/(.+)$/, methods: { GET: ([name]) => ({ status: 200, body: one(checkedName(name!)) }) } },
    { pattern: /^\/v1\/recordings\/deletesegment$/, methods: { DELETE: deleteSegment } },
  ]
}
