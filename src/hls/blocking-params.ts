/**
 * The delivery directives of a Media Playlist request, RFC 8216bis section 6.2.5 (Playlist Delivery
 * Directives):
 *
 *   _HLS_msn=<M>   a decimal-integer: hold the request until the Playlist holds Media Segment M (or later)
 *   _HLS_part=<N>  with _HLS_msn: until it holds Partial Segment N of Segment M (or later);
 *                  without _HLS_msn it is an error (6.2.5.2: the server MUST answer 400)
 *   _HLS_skip=YES|v2  delta updates: not offered (no CAN-SKIP-UNTIL), so ignored
 *
 * A decimal-integer is 0 to 2^64-1 in decimal digits (RFC 8216bis 4.2); past 2^53 we cannot compare
 * exactly, and no real playlist gets there, so those are refused too.
 */
import { ProtocolError } from '../errors.js'

export interface BlockingRequest {
  msn: number
  /** Absent: wait for the whole segment `msn`. */
  part?: number
}

const DECIMAL_INTEGER = /^[0-9]{1,16}$/

function decimal(name: string, v: string): number {
  const n = DECIMAL_INTEGER.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n))
    throw new ProtocolError('ERR_HLS_DIRECTIVE', `${name} must be a decimal integer, got "${v.slice(0, 32)}"`, {
      observed: v.slice(0, 32),
      allowed: `0..${Number.MAX_SAFE_INTEGER}`,
    })
  return n
}

/**
 * The blocking request a query asks for, undefined for a plain reload. ProtocolError
 * ('ERR_HLS_DIRECTIVE') for values that are not decimal integers, a directive given twice, or
 * _HLS_part without _HLS_msn: the caller answers 400.
 */
export function parseBlockingRequest(query: URLSearchParams): BlockingRequest | undefined {
  const msns = query.getAll('_HLS_msn')
  const parts = query.getAll('_HLS_part')
  if (msns.length > 1 || parts.length > 1)
    throw new ProtocolError('ERR_HLS_DIRECTIVE', 'a delivery directive is given twice', { observed: [...msns, ...parts] })
  const [msn] = msns
  const [part] = parts
  if (msn === undefined) {
    if (part !== undefined)
      throw new ProtocolError('ERR_HLS_DIRECTIVE', '_HLS_part needs _HLS_msn', { observed: part, allowed: '_HLS_msn with _HLS_part' })
    return undefined
  }
  const out: BlockingRequest = { msn: decimal('_HLS_msn', msn) }
  if (part !== undefined) out.part = decimal('_HLS_part', part)
  return out
}
