/** Free UDP ports on loopback for tests: `count` consecutive ones from an even base (RTP/RTCP pairs). */
import dgram from 'node:dgram'

const MAX_TRIES = 50

function bind(port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4')
    s.once('error', () => {
      s.close()
      resolve(undefined)
    })
    s.bind(port, '127.0.0.1', () => resolve(s))
  })
}

/** Finds `count` consecutive free ports starting at an even one; they are released before returning. */
export async function freeUdpPorts(count = 2): Promise<number> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const probe = await bind(0)
    if (!probe) continue
    const base = probe.address().port & ~1
    probe.close()
    if (base + count > 65535 || base < 1024) continue
    const held: dgram.Socket[] = []
    for (let p = base; p < base + count; p++) {
      const s = await bind(p)
      if (!s) break
      held.push(s)
    }
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))))
    if (held.length === count) return base
  }
  throw new Error(`no ${count} consecutive free UDP ports`)
}
