/**
 * The RTMP handshake, server side (RTMP specification 1.0, section 5.2):
 *
 *   C0/S0  version u8 (3: plain RTMP)
 *   C1/S1  time u32, zero u32, 1528 random bytes                          1536 bytes
 *   C2/S2  time u32 (the peer's), time2 u32, the peer's 1528 random bytes  1536 bytes
 *
 * Flash-era clients (ffmpeg, OBS through librtmp) put a version in C1's "zero" field and an
 * HMAC-SHA256 digest in its random part (the "complex" handshake of Flash Player 9). A server may
 * answer with the simple S1 — zero in that field — and the client then skips verifying a server
 * digest (ffmpeg: only when S1[4] >= 3; librtmp likewise), so we accept either C1 and always answer
 * simply: S0 = 3, S1 = our time, zeros, random bytes; S2 = C1 echoed. C2 is read and not checked:
 * clients disagree on what they echo, and nothing depends on it without encryption.
 */
import { ProtocolError } from '../errors.js'

export const RTMP_VERSION = 3
export const HANDSHAKE_SIZE = 1536
/** C0 + C1: what the server waits for before answering. */
export const C0C1_SIZE = 1 + HANDSHAKE_SIZE
const TIME_OFFSET = 0
const VERSION_OFFSET = 4
const RANDOM_OFFSET = 8

export interface ClientHello {
  /** C1's time field. */
  time: number
  /** C1 bytes 4..7: 0 for the simple handshake, the client's version (e.g. 9.0.124.2 as bytes) for the digest one. */
  clientVersion: number
  /** C1 itself, a view (echoed in S2). */
  c1: Buffer
}

/**
 * Reads C0 + C1 (exactly C0C1_SIZE bytes). Throws ProtocolError for any version but 3 (6 and 8 are
 * RTMPE, encrypted: not supported; an HTTP request or a TLS hello lands here too).
 */
export function parseC0C1(buf: Buffer): ClientHello {
  if (buf.length < C0C1_SIZE)
    throw new ProtocolError('ERR_RTMP_HANDSHAKE', `C0+C1 needs ${C0C1_SIZE} bytes, got ${buf.length}`, {
      observed: buf.length,
      allowed: C0C1_SIZE,
    })
  const version = buf[0]!
  if (version !== RTMP_VERSION)
    throw new ProtocolError('ERR_RTMP_VERSION', `RTMP version ${version} is not supported (plain RTMP is 3)`, {
      observed: version,
      allowed: RTMP_VERSION,
    })
  const c1 = buf.subarray(1, C0C1_SIZE)
  return { time: c1.readUInt32BE(TIME_OFFSET), clientVersion: c1.readUInt32BE(VERSION_OFFSET), c1 }
}

/** S0 + S1 + S2 in one buffer. `random` fills S1's random part (injected for tests). */
export function serverHello(hello: ClientHello, timeMs: number, random: (buf: Buffer) => void): Buffer {
  const out = Buffer.alloc(1 + 2 * HANDSHAKE_SIZE)
  out[0] = RTMP_VERSION
  const s1 = out.subarray(1, 1 + HANDSHAKE_SIZE)
  s1.writeUInt32BE(timeMs >>> 0, TIME_OFFSET)
  // Bytes 4..7 stay zero: the simple handshake, so digest-speaking clients do not look for our digest.
  random(s1.subarray(RANDOM_OFFSET))
  hello.c1.copy(out, 1 + HANDSHAKE_SIZE)
  return out
}
