/**
 * `npm run bench:tcpfloor`: what the kernel charges for rtspkit's TCP fan-out, without rtspkit. A bare
 * Node server (a child process running this file with `serve`) writes one shared buffer to each of N
 * loopback connections at a frame rate, as rtspkit writes one framed unit per TCP reader; this process
 * reads and discards. Reported: the server's CPU seconds (user + system) per reader-minute, the unit
 * of `npm run bench`, and its RSS growth since it started listening per reader (a Node process's own
 * cost of a connection it writes to), for one, two and four frames per write (the same bytes in half or a quarter of
 * the system calls, which would delay a reader's frames by one or three frame intervals).
 *
 * It answers how low rtspkit's TCP CPU can go while it writes every unit as it comes: `npm run bench`
 * measures rtspkit and gst-rtsp-server; this measures the system call floor under both.
 *
 * Knobs: TCPFLOOR_READERS=500  TCPFLOOR_BYTES=16800 (a frame: 4.03 Mbit/s at 30 fps)  TCPFLOOR_FPS=30
 * TCPFLOOR_SECONDS=8  TCPFLOOR_PORT=19556
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { numberEnv, sleep } from './bench-env.js'
import { HOST } from './server-process.js'
import { fmt, textTable } from './stats.js'

const READERS = numberEnv('TCPFLOOR_READERS', 500, 1, 5000)
const FRAME_BYTES = numberEnv('TCPFLOOR_BYTES', 16_800, 100, 1_000_000)
const FPS = numberEnv('TCPFLOOR_FPS', 30, 1, 240)
const SECONDS = numberEnv('TCPFLOOR_SECONDS', 8, 1, 120)
const PORT = numberEnv('TCPFLOOR_PORT', 19_556, 1024, 65_535)
const SETTLE_MS = 2000
const FRAMES_PER_WRITE = [1, 2, 4]

/** The server side: every connection gets `frames` frames' bytes in one write, FPS / frames times a second. */
function serve(frames: number): void {
  const sockets = new Set<net.Socket>()
  const buf = Buffer.alloc(FRAME_BYTES * frames, 0x55)
  net
    .createServer((s) => {
      s.setNoDelay(true)
      sockets.add(s)
      s.on('error', () => sockets.delete(s))
      s.on('close', () => sockets.delete(s))
    })
    .listen(PORT, HOST, () => process.send?.('ready'))
  setInterval(
    () => {
      for (const s of sockets) s.write(buf)
    },
    1000 / (FPS / frames),
  )
  const idleRss = process.memoryUsage.rss()
  process.on('message', (m) => {
    if (m === 'start') cpu0 = process.cpuUsage()
    if (m === 'stop') {
      const c = process.cpuUsage(cpu0)
      const reply: FloorReply = { cpuS: (c.user + c.system) / 1e6, rssGrowth: process.memoryUsage.rss() - idleRss, readers: sockets.size }
      process.send?.(reply, () => process.exit(0))
    }
  })
  let cpu0 = process.cpuUsage()
}

/** What the serving child reports at the end: its CPU over the window, its RSS growth since listening. */
interface FloorReply {
  cpuS: number
  rssGrowth: number
  readers: number
}

async function measure(frames: number): Promise<{ cpuPerReaderMin: number; kbPerReader: number }> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['serve', String(frames)], { stdio: 'inherit' })
  const clients: net.Socket[] = []
  try {
    await once(child, 'message')
    for (let i = 0; i < READERS; i++) {
      const c = net.connect(PORT, HOST)
      c.on('data', () => {})
      c.on('error', () => {})
      clients.push(c)
    }
    await sleep(SETTLE_MS)
    child.send('start')
    await sleep(SECONDS * 1000)
    child.send('stop')
    const [r] = (await once(child, 'message')) as [FloorReply]
    return { cpuPerReaderMin: r.cpuS / r.readers / (SECONDS / 60), kbPerReader: r.rssGrowth / 1024 / r.readers }
  } finally {
    for (const c of clients) c.destroy()
    child.kill()
  }
}

async function main(): Promise<void> {
  console.log(`TCP fan-out floor: ${READERS} loopback readers, ${FRAME_BYTES} B frames at ${FPS} fps, ${SECONDS} s per row\n`)
  const rows: string[][] = []
  for (const frames of FRAMES_PER_WRITE) {
    const r = await measure(frames)
    rows.push([
      String(frames),
      String(FRAME_BYTES * frames),
      fmt((FPS / frames) * READERS, 0),
      fmt(r.cpuPerReaderMin, 4),
      fmt(r.kbPerReader, 1),
    ])
  }
  console.log(textTable(['frames per write', 'bytes per write', 'writes/s', 'server CPU s/reader-min', 'KB/reader beyond idle'], rows, 1))
}

if (process.argv[2] === 'serve') serve(Number(process.argv[3]))
else if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  })
}
