/**
 * RFC 8840 section 9 (with RFC 9725 section 4.3.1): the `application/trickle-ice-sdpfrag` body a
 * WHIP/WHEP client PATCHes to its session to add ICE candidates. A fragment holds session-level
 * `a=ice-ufrag`/`a=ice-pwd` (an ICE restart when they change), and per `m=` line its `a=mid`,
 * `a=candidate` lines and `a=end-of-candidates`:
 *
 *   a=ice-ufrag:EsAw
 *   a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1
 *   m=audio 9 UDP/TLS/RTP/SAVPF 0
 *   a=mid:0
 *   a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0
 *   a=end-of-candidates
 */
import { LimitError, ParseError } from '../errors.js'

/** Largest fragment accepted: a few hundred candidates. */
export const SDPFRAG_MAX_BYTES = 64 * 1024
/** Most lines in one fragment. */
export const SDPFRAG_MAX_LINES = 1024
/** Most `m=` sections in one fragment (a session has one per transceiver). */
export const SDPFRAG_MAX_MEDIA = 64

export interface FragCandidate {
  /** The `a=candidate:` value without the `candidate:` prefix's `a=` (as RTCIceCandidateInit.candidate wants: `candidate:…`). */
  candidate: string
  /** The `a=mid` of its m= section, when the section named one. */
  sdpMid?: string
  /** Index of its m= section in the fragment. */
  sdpMLineIndex: number
}

export interface SdpFrag {
  ufrag?: string
  pwd?: string
  candidates: FragCandidate[]
  /** True when any section said `a=end-of-candidates`. */
  endOfCandidates: boolean
}

const LINE_BREAK = /\r\n|\n/
/** RFC 8839 section 5.1: candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP address SP port SP cand-type … */
const CANDIDATE_PATTERN = /^[A-Za-z0-9+/]{1,32} \d{1,3} [A-Za-z]+ \d{1,10} \S+ \d{1,5} typ [a-z]+( .*)?$/
/** RFC 8839 section 5.4: ice-char = ALPHA / DIGIT / "+" / "/"; ufrag 4-256 chars, pwd 22-256 (lenient: 1-256). */
const ICE_CHARS = /^[A-Za-z0-9+/]{1,256}$/
const MEDIA_PATTERN = /^m=\S+ \d+ \S+( .*)?$/

function bad(message: string, observed: unknown): ParseError {
  return new ParseError('ERR_SDPFRAG', message, { observed })
}

/** Parses a trickle-ice-sdpfrag body. Throws ParseError on a malformed line, LimitError when too large. */
export function parseSdpFrag(input: string | Uint8Array): SdpFrag {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length
  if (size > SDPFRAG_MAX_BYTES)
    throw new LimitError('ERR_SDPFRAG_SIZE', `sdpfrag of ${size} bytes is too large`, { observed: size, allowed: SDPFRAG_MAX_BYTES })
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8')
  const lines = text.split(LINE_BREAK)
  if (lines.length > SDPFRAG_MAX_LINES)
    throw new LimitError('ERR_SDPFRAG_SIZE', `sdpfrag of ${lines.length} lines is too long`, {
      observed: lines.length,
      allowed: SDPFRAG_MAX_LINES,
    })
  const frag: SdpFrag = { candidates: [], endOfCandidates: false }
  let mLineIndex = -1
  let mid: string | undefined
  // Candidates of a section are given their mid once the section ends (a=mid may follow them).
  let pending: FragCandidate[] = []
  const endSection = (): void => {
    for (const c of pending) if (mid !== undefined) c.sdpMid = mid
    frag.candidates.push(...pending)
    pending = []
    mid = undefined
  }
  for (const raw of lines) {
    const line = raw.trimEnd()
    if (line === '') continue
    if (line.startsWith('m=')) {
      if (!MEDIA_PATTERN.test(line)) throw bad(`bad media line ${JSON.stringify(line.slice(0, 80))}`, line.slice(0, 80))
      endSection()
      if (++mLineIndex >= SDPFRAG_MAX_MEDIA)
        throw new LimitError('ERR_SDPFRAG_SIZE', 'too many m= sections', { observed: mLineIndex + 1, allowed: SDPFRAG_MAX_MEDIA })
      continue
    }
    if (!line.startsWith('a=')) {
      // Other line types (c=, v=…) may appear in fragments made from full SDP; they carry nothing here.
      if (!/^[a-z]=/.test(line)) throw bad(`bad line ${JSON.stringify(line.slice(0, 80))}`, line.slice(0, 80))
      continue
    }
    const colon = line.indexOf(':')
    const key = colon < 0 ? line.slice(2) : line.slice(2, colon)
    const value = colon < 0 ? undefined : line.slice(colon + 1)
    switch (key) {
      case 'ice-ufrag':
      case 'ice-pwd': {
        if (value === undefined || !ICE_CHARS.test(value)) throw bad(`bad ${key} ${JSON.stringify(value?.slice(0, 80))}`, value)
        if (key === 'ice-ufrag') frag.ufrag = value
        else frag.pwd = value
        break
      }
      case 'mid':
        if (value === undefined || value === '' || value.length > 64) throw bad('bad a=mid', value)
        mid = value
        break
      case 'candidate': {
        if (value === undefined || !CANDIDATE_PATTERN.test(value)) throw bad(`bad candidate ${JSON.stringify(value?.slice(0, 80))}`, value)
        pending.push({ candidate: `candidate:${value}`, sdpMLineIndex: Math.max(mLineIndex, 0) })
        break
      }
      case 'end-of-candidates':
        frag.endOfCandidates = true
        break
      default:
        // a=ice-options, a=group… are allowed and ignored.
        break
    }
  }
  endSection()
  return frag
}
