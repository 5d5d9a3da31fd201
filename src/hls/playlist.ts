/**
 * Playlists, RFC 8216bis section 4 (and Apple's "Enabling Low-Latency HLS"):
 *
 *   Multivariant Playlist (4.4.6)  one EXT-X-STREAM-INF variant: BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE
 *   Media Playlist (4.4.3, 4.4.4)  EXT-X-TARGETDURATION (every EXTINF rounded to the nearest integer is at
 *       most this), EXT-X-MEDIA-SEQUENCE, EXT-X-MAP (the init segment), EXT-X-PROGRAM-DATE-TIME and EXTINF
 *       per segment; low latency adds EXT-X-SERVER-CONTROL (CAN-BLOCK-RELOAD, PART-HOLD-BACK at least
 *       twice PART-TARGET, 3x recommended), EXT-X-PART-INF, EXT-X-PART for the parts of the last
 *       segments and of the one being made, and EXT-X-PRELOAD-HINT for the next part (4.4.5.3).
 *
 * Version 9 is what a playlist with EXT-X-PART / EXT-X-PRELOAD-HINT / EXT-X-SERVER-CONTROL declares in
 * practice (hls.js and Apple's validator accept it); the plain fMP4 variant needs version 7 (EXT-X-MAP
 * in a playlist without EXT-X-I-FRAMES-ONLY is version 6, fMP4 segments 7).
 */

export const LOW_LATENCY_VERSION = 9
export const FMP4_VERSION = 7
/** PART-HOLD-BACK in part targets (the spec's minimum is 2, its recommendation 3). */
export const PART_HOLD_BACK_PARTS = 3
/** Parts stay listed for segments that end within this many target durations of the live edge (4.4.4.9). */
export const PART_LIST_TARGET_DURATIONS = 3
const MS_PER_SECOND = 1000
const DURATION_DECIMALS = 5

export interface PlaylistPart {
  uri: string
  durationMs: number
  independent: boolean
}

export interface PlaylistSegment {
  msn: number
  uri: string
  durationMs: number
  /** Wall clock of its first sample (EXT-X-PROGRAM-DATE-TIME). */
  wallMs: number
  parts: readonly PlaylistPart[]
}

export interface MediaPlaylistInput {
  lowLatency: boolean
  /** Timeline restarts before the first segment (a new feeder): EXT-X-DISCONTINUITY-SEQUENCE (4.4.3.3). */
  discontinuitySequence: number
  /** Largest segment duration to allow for, ms (the configured target, or longer GOPs seen). */
  longestSegmentMs: number
  partTargetMs: number
  initUri: string
  /** Complete segments, oldest first (at least one). */
  segments: readonly PlaylistSegment[]
  /** Low latency: parts of the segment being made, and the URI of the next part. */
  pendingParts: readonly PlaylistPart[]
  /** Wall clock of the first sample of the segment being made. */
  pendingWallMs: number
  preloadHintUri: string
}

const seconds = (ms: number): string => (ms / MS_PER_SECOND).toFixed(DURATION_DECIMALS).replace(/\.?0+$/, '') || '0'

/** EXT-X-TARGETDURATION: an integer no EXTINF exceeds once rounded (4.4.3.1). */
export function targetDurationS(longestSegmentMs: number): number {
  return Math.max(1, Math.round(longestSegmentMs / MS_PER_SECOND))
}

function partLine(p: PlaylistPart): string {
  return `#EXT-X-PART:DURATION=${seconds(p.durationMs)},URI="${p.uri}"${p.independent ? ',INDEPENDENT=YES' : ''}`
}

export function renderMediaPlaylist(p: MediaPlaylistInput): string {
  const target = targetDurationS(p.longestSegmentMs)
  const first = p.segments[0]
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${p.lowLatency ? LOW_LATENCY_VERSION : FMP4_VERSION}`, `#EXT-X-TARGETDURATION:${target}`]
  if (p.lowLatency) {
    lines.push(
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${seconds(p.partTargetMs * PART_HOLD_BACK_PARTS)}`,
      `#EXT-X-PART-INF:PART-TARGET=${seconds(p.partTargetMs)}`,
    )
  }
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${first ? first.msn : 0}`)
  if (p.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`)
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS', `#EXT-X-MAP:URI="${p.initUri}"`)
  // Parts are listed for the segments near the live edge only.
  let fromEnd = 0
  const listParts = new Set<number>()
  for (let i = p.segments.length - 1; i >= 0 && fromEnd < PART_LIST_TARGET_DURATIONS * target * MS_PER_SECOND; i--) {
    listParts.add(i)
    fromEnd += p.segments[i]!.durationMs
  }
  p.segments.forEach((s, i) => {
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.wallMs).toISOString()}`)
    if (p.lowLatency && listParts.has(i)) for (const part of s.parts) lines.push(partLine(part))
    lines.push(`#EXTINF:${seconds(s.durationMs)},`, s.uri)
  })
  if (p.lowLatency) {
    if (p.pendingParts.length > 0) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(p.pendingWallMs).toISOString()}`)
    for (const part of p.pendingParts) lines.push(partLine(part))
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${p.preloadHintUri}"`)
  }
  return `${lines.join('\n')}\n`
}

export interface VariantInput {
  lowLatency: boolean
  /** Peak bits per second (4.4.6.2: BANDWIDTH is required). */
  bandwidth: number
  /** RFC 6381 names; left out when any is unknown. */
  codecs: readonly (string | undefined)[]
  width?: number | undefined
  height?: number | undefined
  fps?: number | undefined
  uri: string
}

export function renderMultivariantPlaylist(v: VariantInput): string {
  const attrs = [`BANDWIDTH=${Math.max(1, Math.round(v.bandwidth))}`]
  if (v.codecs.length > 0 && v.codecs.every((c) => c !== undefined)) attrs.push(`CODECS="${v.codecs.join(',')}"`)
  if (v.width && v.height) attrs.push(`RESOLUTION=${v.width}x${v.height}`)
  if (v.fps && Number.isFinite(v.fps) && v.fps > 0) attrs.push(`FRAME-RATE=${v.fps.toFixed(3)}`)
  return [
    '#EXTM3U',
    `#EXT-X-VERSION:${v.lowLatency ? LOW_LATENCY_VERSION : FMP4_VERSION}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-STREAM-INF:${attrs.join(',')}`,
    v.uri,
    '',
  ].join('\n')
}
