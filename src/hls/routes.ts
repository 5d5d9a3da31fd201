/**
 * The URLs of the HLS server. A path may hold slashes (`site/door`), so the last component says what
 * is asked for:
 *
 *   /PATH  or /PATH/        the player page
 *   /PATH/index.m3u8        the multivariant playlist (`?preview=1`: a dashboard preview, not counted)
 *   /PATH/stream.m3u8       the media playlist (`_HLS_msn`, `_HLS_part`: blocking reload)
 *   /PATH/init.mp4          the init segment
 *   /PATH/seg<N>.mp4        media segment N
 *   /PATH/part<N>.mp4       partial segment N (the next one is held until it exists: preload hint)
 *   /PATH/hls.min.js        hls.js, from the package (any prefix, so pages can name it relatively)
 */

export type HlsFile =
  | { kind: 'page' }
  | { kind: 'index' }
  | { kind: 'media' }
  | { kind: 'init' }
  | { kind: 'segment'; msn: number }
  | { kind: 'part'; id: number }
  | { kind: 'script' }

export interface HlsRoute {
  /** The stream path, without leading or trailing slashes ('' for the root). */
  path: string
  file: HlsFile
}

export const MEDIA_PLAYLIST = 'stream.m3u8'
export const MULTIVARIANT_PLAYLIST = 'index.m3u8'
export const SCRIPT_FILE = 'hls.min.js'
/** Numbers in segment and part names: at most this many digits (beyond, no such file can exist). */
const MAX_NUMBER_DIGITS = 15

const SEGMENT_RE = new RegExp(`^seg([0-9]{1,${MAX_NUMBER_DIGITS}})\\.mp4$`)
const PART_RE = new RegExp(`^part([0-9]{1,${MAX_NUMBER_DIGITS}})\\.mp4$`)

function fileOf(name: string): HlsFile | undefined {
  if (name === MULTIVARIANT_PLAYLIST) return { kind: 'index' }
  if (name === MEDIA_PLAYLIST) return { kind: 'media' }
  if (name === 'init.mp4') return { kind: 'init' }
  if (name === SCRIPT_FILE) return { kind: 'script' }
  const seg = SEGMENT_RE.exec(name)
  if (seg) return { kind: 'segment', msn: Number(seg[1]) }
  const part = PART_RE.exec(name)
  if (part) return { kind: 'part', id: Number(part[1]) }
  return undefined
}

/** What a URL's (still percent-encoded) pathname asks for; undefined when it cannot be decoded or names `.`/`..`. */
export function parseRoute(pathname: string): HlsRoute | undefined {
  let parts: string[]
  try {
    parts = pathname
      .split('/')
      .filter((p) => p !== '')
      .map((p) => decodeURIComponent(p))
  } catch {
    return undefined
  }
  if (parts.some((p) => p === '.' || p === '..' || p.includes('/') || p.includes('\0'))) return undefined
  const last = parts.at(-1)
  const file = last !== undefined ? fileOf(last) : undefined
  if (file) return { path: parts.slice(0, -1).join('/'), file }
  return { path: parts.join('/'), file: { kind: 'page' } }
}
