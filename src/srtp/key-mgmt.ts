/**
 * Where MIKEY travels in RTSP (RFC 4567): the SDP attribute `a=key-mgmt:mikey BASE64` (§3.1) for the
 * sender's keys of a media, and the `KeyMgmt: prot=mikey; uri="…"; data="BASE64"` header (§3.2) on a
 * SETUP request, for the keys of what the client sends (RTCP for a reader, RTP for a publisher).
 */
import { ParseError } from '../errors.js'
import { ERR_MIKEY, parseMikey, type MikeyMessage } from './mikey.js'

export const KEY_MGMT_HEADER = 'KeyMgmt'
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

function decode(data: string): MikeyMessage {
  const text = data.trim()
  if (!BASE64.test(text) || text.length % 4 !== 0) {
    throw new ParseError(ERR_MIKEY, 'MIKEY data is not base64', { observed: text.slice(0, 40) })
  }
  return parseMikey(Buffer.from(text, 'base64'))
}

/** The value of an SDP `key-mgmt` attribute, or undefined when it names another protocol. */
export function parseKeyMgmtAttribute(value: string): MikeyMessage | undefined {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(value)
  if (m === null) throw new ParseError(ERR_MIKEY, 'malformed key-mgmt attribute', { observed: value.slice(0, 40) })
  if (m[1]!.toLowerCase() !== 'mikey') return undefined
  return decode(m[2]!)
}

export function formatKeyMgmtAttribute(mikey: Buffer): string {
  return `mikey ${mikey.toString('base64')}`
}

export interface KeyMgmtHeader {
  uri?: string
  message: MikeyMessage
}

/** Parses a KeyMgmt header (one `prot=mikey` entry is used; others are ignored). */
export function parseKeyMgmtHeader(value: string): KeyMgmtHeader {
  for (const entry of value.split(/,(?=\s*prot\s*=)/)) {
    const fields = new Map<string, string>()
    for (const part of entry.split(';')) {
      const eq = part.indexOf('=')
      if (eq < 0) continue
      const v = part.slice(eq + 1).trim()
      fields.set(part.slice(0, eq).trim().toLowerCase(), v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v)
    }
    if (fields.get('prot')?.toLowerCase() !== 'mikey') continue
    const data = fields.get('data')
    if (data === undefined) throw new ParseError(ERR_MIKEY, 'KeyMgmt header without data')
    const uri = fields.get('uri')
    return uri === undefined ? { message: decode(data) } : { uri, message: decode(data) }
  }
  throw new ParseError(ERR_MIKEY, 'KeyMgmt header without prot=mikey', { observed: value.slice(0, 60) })
}

export function formatKeyMgmtHeader(uri: string, mikey: Buffer): string {
  return `prot=mikey; uri="${uri}"; data="${mikey.toString('base64')}"`
}
