/**
 * RFC 3551 section 6, Tables 4 and 5: the static payload types and their encodings, for an m= line
 * that names a payload type without rtpmap.
 */
import type { FormatParams, MediaKind } from './codec.js'

export interface StaticPayloadType {
  encodingName: string
  clockRate: number
  channels?: number
  kind: MediaKind
}

export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, StaticPayloadType> = new Map([
  [0, { encodingName: 'PCMU', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [3, { encodingName: 'GSM', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [4, { encodingName: 'G723', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [5, { encodingName: 'DVI4', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [6, { encodingName: 'DVI4', clockRate: 16000, channels: 1, kind: 'audio' as const }],
  [7, { encodingName: 'LPC', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [8, { encodingName: 'PCMA', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [9, { encodingName: 'G722', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [10, { encodingName: 'L16', clockRate: 44100, channels: 2, kind: 'audio' as const }],
  [11, { encodingName: 'L16', clockRate: 44100, channels: 1, kind: 'audio' as const }],
  [12, { encodingName: 'QCELP', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [13, { encodingName: 'CN', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [14, { encodingName: 'MPA', clockRate: 90000, kind: 'audio' as const }],
  [15, { encodingName: 'G728', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [18, { encodingName: 'G729', clockRate: 8000, channels: 1, kind: 'audio' as const }],
  [25, { encodingName: 'CelB', clockRate: 90000, kind: 'video' as const }],
  [26, { encodingName: 'JPEG', clockRate: 90000, kind: 'video' as const }],
  [28, { encodingName: 'nv', clockRate: 90000, kind: 'video' as const }],
  [31, { encodingName: 'H261', clockRate: 90000, kind: 'video' as const }],
  [32, { encodingName: 'MPV', clockRate: 90000, kind: 'video' as const }],
  [33, { encodingName: 'MP2T', clockRate: 90000, kind: 'video' as const }],
  [34, { encodingName: 'H263', clockRate: 90000, kind: 'video' as const }],
])

/** First dynamic payload type (RFC 3551 section 6). */
export const DYNAMIC_PAYLOAD_TYPE_MIN = 96

/** Format parameters of a static payload type (RFC 3551), for an m= line without rtpmap. */
export function staticFormatParams(payloadType: number): FormatParams | undefined {
  const s = STATIC_PAYLOAD_TYPES.get(payloadType)
  if (!s) return undefined
  const p: FormatParams = { payloadType, encodingName: s.encodingName, clockRate: s.clockRate, fmtp: new Map() }
  if (s.channels !== undefined) p.channels = s.channels
  return p
}
