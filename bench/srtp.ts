/**
 * SRTP protect/unprotect cost on one core: packets per second and µs per packet for 1200-byte RTP
 * packets (a typical video packet) and 160-byte ones (G.711 audio), next to a plain Buffer copy of
 * the same packet (what the server does per reader without SRTP). Run: npm run build && node dist/bench/srtp.js
 */
import { randomBytes } from 'node:crypto'
import { SrtpContext } from '../src/srtp/srtp-context.js'
import { AES_CM_128_HMAC_SHA1_80 } from '../src/srtp/srtp-profile.js'

const SECONDS = Number(process.env.BENCH_SRTP_SECONDS ?? 1.5)

function rtp(seq: number, payload: number): Buffer {
  const p = randomBytes(12 + payload)
  p[0] = 0x80
  p[1] = 96
  p.writeUInt16BE(seq & 0xffff, 2)
  p.writeUInt32BE(0x12345678, 8)
  return p
}

/** Runs `fn` over and over for SECONDS (after a warm-up); packets per second. */
function rate(fn: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) fn(i)
  const start = process.hrtime.bigint()
  const limit = BigInt(Math.round(SECONDS * 1e9))
  let n = 0
  for (;;) {
    for (let k = 0; k < 1000; k++) fn(n++)
    const elapsed = process.hrtime.bigint() - start
    if (elapsed > limit) return n / (Number(elapsed) / 1e9)
  }
}

const master = { key: randomBytes(16), salt: randomBytes(14) }
const rows: string[] = []
for (const size of [1200, 160]) {
  const packets = Array.from({ length: 1024 }, (_, i) => rtp(i, size))
  const tx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const copy = rate((i) => Buffer.from(packets[i & 1023]!))
  const protect = rate((i) => {
    const p = packets[i & 1023]!
    p.writeUInt16BE(i & 0xffff, 2)
    tx.protectRtp(p)
  })
  // Receiving: a sequence protected once, unprotected by fresh receivers in turn (replay window).
  const sender = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const protectedPackets = packets.map((p, i) => {
    p.writeUInt16BE(i, 2)
    return sender.protectRtp(p)
  })
  let rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
  const unprotect = rate((i) => {
    if ((i & 1023) === 0) rx = new SrtpContext(master, AES_CM_128_HMAC_SHA1_80)
    rx.unprotectRtp(protectedPackets[i & 1023]!)
  })
  const mbps = (pps: number): string => ((pps * (size + 12) * 8) / 1e6).toFixed(0)
  rows.push(
    `${String(size + 12).padStart(5)} B  copy ${Math.round(copy).toLocaleString('en')} pkt/s` +
      `  protect ${Math.round(protect).toLocaleString('en')} pkt/s (${(1e6 / protect).toFixed(2)} µs, ${mbps(protect)} Mbit/s)` +
      `  unprotect ${Math.round(unprotect).toLocaleString('en')} pkt/s (${(1e6 / unprotect).toFixed(2)} µs)`,
  )
}
console.log(`SRTP AES_CM_128_HMAC_SHA1_80, one core, node ${process.version}`)
for (const r of rows) console.log(r)
