/**
 * Checks of single config values that need more than a type and a range (schema.ts names them in its
 * SectionSpec): each returns undefined, or what the value must be, for the one-line error.
 */
import { parseMulticastRange } from '../server/multicast-groups.js'

const MAX_PORT = 65_535

const RTP_PORTS_RE = /^(\d+)-(\d+)$/
/** First port of the RTP range: below 1024 needs privileges; a pair needs an even RTP port. */
const MIN_RTP_PORT = 1024

export function checkRtpPorts(v: string): string | undefined {
  if (v === '') return undefined
  if (/^\d+$/.test(v)) {
    const port = Number(v)
    return port >= MIN_RTP_PORT && port < MAX_PORT && port % 2 === 0
      ? undefined
      : 'must be "" (ephemeral), one even port for a shared pair (e.g. "8000": RTP 8000, RTCP 8001) or a range A-B within 1024-65535 holding at least 2 ports, e.g. "20000-20999"'
  }
  const m = RTP_PORTS_RE.exec(v)
  const min = m ? Number(m[1]) : NaN
  const max = m ? Number(m[2]) : NaN
  return m && min >= MIN_RTP_PORT && max <= MAX_PORT && max - min >= 1
    ? undefined
    : 'must be "" (ephemeral), one even port for a shared pair (e.g. "8000": RTP 8000, RTCP 8001) or a range A-B within 1024-65535 holding at least 2 ports, e.g. "20000-20999"'
}

/** webrtc.localUdpAddress: '', ':PORT', 'HOST:PORT' or a range 'A-B' of UDP ports for ICE. */
export function parseLocalUdpAddress(v: string): { host?: string; range?: [number, number] } | undefined {
  if (v === '') return {}
  const range = RTP_PORTS_RE.exec(v)
  if (range) {
    const [min, max] = [Number(range[1]), Number(range[2])]
    return min >= MIN_RTP_PORT && max <= MAX_PORT && max > min ? { range: [min, max] } : undefined
  }
  const m = /^(.*):(\d{1,5})$/.exec(v)
  if (!m) return undefined
  const port = Number(m[2])
  if (port < MIN_RTP_PORT || port >= MAX_PORT) return undefined
  // werift opens one UDP socket per session and address (it cannot share one port): ports from PORT on.
  return { ...(m[1] ? { host: m[1] } : {}), range: [port, Math.min(port + LOCAL_UDP_SPAN - 1, MAX_PORT)] }
}

/** How many UDP ports from webrtc.localUdpAddress's port ICE may use. */
export const LOCAL_UDP_SPAN = 100

export function checkLocalUdpAddress(v: string): string | undefined {
  return parseLocalUdpAddress(v)
    ? undefined
    : `must be '' (ephemeral ports), ':PORT' or 'HOST:PORT' with PORT in 1024-65534 (ICE takes ports from PORT to PORT+${LOCAL_UDP_SPAN - 1}), or a range such as '8189-8289'`
}

export function checkRealm(v: string): string | undefined {
  return v !== '' && !/["\\\r\n]/.test(v) ? undefined : 'must be a non-empty string without quotes, backslashes or line breaks'
}

export function checkMulticastRange(v: string): string | undefined {
  try {
    parseMulticastRange(v)
    return undefined
  } catch {
    return 'must be an IPv4 CIDR range inside 224.0.0.0/4, e.g. "224.1.0.0/16"'
  }
}

export function checkFingerprint(v: string): string | undefined {
  return v === '' || /^[0-9a-f]{64}$/i.test(v.replace(/:/g, ''))
    ? undefined
    : 'must be a SHA-256 fingerprint: 64 hex digits, colons allowed (openssl x509 -noout -fingerprint -sha256)'
}

export function checkNonEmpty(v: string): string | undefined {
  return v.trim() !== '' ? undefined : 'must not be empty'
}
