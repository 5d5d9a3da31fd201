/**
 * The recordings on disk, as a `recordPath` template lays them out: the segments of a path (start time
 * from the file name, duration from the file), the spans they form, and deleting one. The playback
 * server, retention and the API all go through here, so they agree on what a path's recordings are: a
 * file counts only when its whole name matches the template and its extension is a recording format's.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '../errors.js'
import { demuxMp4 } from '../formats/mp4/demuxer.js'
import { FileByteSource } from '../formats/mp4/byte-source.js'
import { matroskaDurationMs } from '../formats/matroska/matroska-reader.js'
import { parseRecordPath, recordRoot } from './record-path.js'

/** Extensions of the formats rtspkit records. */
export const RECORDING_EXTENSIONS: Readonly<Record<string, 'fmp4' | 'matroska'>> = { '.mp4': 'fmp4', '.mkv': 'matroska' }
/** Folders deeper than this under a template's root are not searched. */
const MAX_DEPTH = 16
/** Segments closer than this are one span in /list (a new segment starts where the last ended). */
export const SPAN_GAP_TOLERANCE_MS = 1000
const MS_PER_S = 1000

export interface RecordingSegment {
  /** The file, as the template names it (relative to the working directory unless absolute). */
  file: string
  pathName: string
  /** Wall-clock time of its first frame (from the name), ms since the epoch. */
  startMs: number
  format: 'fmp4' | 'matroska'
}

export interface RecordingSpan {
  startMs: number
  durationMs: number
}

function walk(dir: string, depth: number, out: string[]): void {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return // not there (yet): no recordings
  }
  for (const e of entries) {
    const full = `${dir}/${e.name}`
    if (e.isDirectory()) {
      if (depth < MAX_DEPTH) walk(full, depth + 1, out)
    } else if (e.isFile()) out.push(full)
  }
}

/** Every file under the template's root that the template names, oldest first (`pathName` narrows it to one path). */
export function listSegments(template: string, pathName?: string): RecordingSegment[] {
  const tpl = template.split(path.sep).join('/')
  const root = recordRoot(tpl, pathName ?? '')
  // Without a path name the root stops before %path's folder.
  const base = pathName === undefined ? recordRoot(tpl.slice(0, Math.max(0, tpl.indexOf('%path'))) + 'x', '') : root
  const files: string[] = []
  walk(base, 0, files)
  const out: RecordingSegment[] = []
  for (const full of files) {
    const ext = path.extname(full)
    const format = RECORDING_EXTENSIONS[ext]
    if (!format) continue
    const name = base === '.' && !tpl.startsWith('./') ? full.slice(2) : full
    const parsed = parseRecordPath(tpl, name.slice(0, -ext.length), pathName)
    if (parsed) out.push({ file: name, pathName: parsed.pathName, startMs: parsed.startMs, format })
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.file.localeCompare(b.file))
}

/** Media duration of a segment in ms (what its complete fragments or clusters hold); 0 when unreadable. */
export function segmentDurationMs(seg: Pick<RecordingSegment, 'file' | 'format'>): number {
  try {
    if (seg.format === 'matroska') return matroskaDurationMs(seg.file)
    const src = new FileByteSource(seg.file)
    try {
      const movie = demuxMp4(src)
      let ms = 0
      for (const t of movie.tracks) if (t.samples.count > 0) ms = Math.max(ms, (t.samples.endDts * MS_PER_S) / t.timescale)
      return ms
    } finally {
      src.close()
    }
  } catch {
    return 0 // being created, or cut before its first fragment
  }
}

/** Segments of one path with their durations (the input of /list and of the API's listing). */
export function listRecordings(template: string, pathName: string): (RecordingSegment & { durationMs: number })[] {
  return listSegments(template, pathName).map((s) => ({ ...s, durationMs: segmentDurationMs(s) }))
}

/** Consecutive segments merged into spans: a segment starting within the tolerance of the last end continues it. */
export function spansOf(
  segments: readonly { startMs: number; durationMs: number }[],
  toleranceMs = SPAN_GAP_TOLERANCE_MS,
): RecordingSpan[] {
  const spans: RecordingSpan[] = []
  for (const s of segments) {
    if (s.durationMs <= 0) continue
    const last = spans.at(-1)
    if (last && Math.abs(s.startMs - (last.startMs + last.durationMs)) <= toleranceMs)
      last.durationMs = Math.max(last.durationMs, s.startMs + s.durationMs - last.startMs)
    else spans.push({ startMs: s.startMs, durationMs: s.durationMs })
  }
  return spans
}

/**
 * Deletes one recording of `pathName`: `file` must be one listSegments names for that path. ConfigError
 * ('ERR_RECORDING_UNKNOWN') otherwise, so nothing else can be deleted through it.
 */
export function deleteRecording(template: string, pathName: string, file: string): void {
  const seg = listSegments(template, pathName).find((s) => path.resolve(s.file) === path.resolve(file))
  if (!seg) throw new ConfigError('ERR_RECORDING_UNKNOWN', `${file} is not a recording of ${pathName}`, { observed: file })
  fs.rmSync(seg.file, { force: true })
}
