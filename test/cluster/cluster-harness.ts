/**
 * A real cluster on loopback for the cluster tests: redis-server on an OS-chosen port (no
 * persistence), rtspkit nodes as CLI processes (`serve --config`, short leases), ffmpeg publishers.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { after, before } from 'node:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { serveRtspkit, type ServedRtspkit } from '../rtp/cli-process.js'
import { waitUntil } from '../helpers/wait.js'

export const LIVE_H264 = [
  '-re',
  '-f',
  'lavfi',
  '-i',
  'testsrc2=size=320x240:rate=25',
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-tune',
  'zerolatency',
  '-g',
  '25',
  '-pix_fmt',
  'yuv420p',
]

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

/** Sends PING to Redis; true on +PONG. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1')
    const done = (ok: boolean): void => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => done(false))
    sock.once('error', () => done(false))
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')))
    sock.write('PING\r\n')
  })
}

export interface TestRedis {
  port: number
  url: string
  /** SIGKILL (the data goes: no persistence). */
  kill(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    await waitUntil(() => redisPing(port), 10_000, 'redis-server')
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    start,
    async kill() {
      const c = child
      if (!c || c.exitCode !== null) return
      const gone = new Promise((r) => c.once('exit', r))
      c.kill('SIGKILL')
      await gone
    },
  }
}

export interface TestNode {
  name: string
  served: ServedRtspkit
  url(path: string): string
  /** rtmp://… of the path (the RTMP room listens on an OS-chosen port). */
  rtmpUrl(path: string): string
  /** http://… of the path on the WebRTC room, when `sections` turn it on (WHIP at URL/whip). */
  webrtcUrl(path: string): string
  /** The API's base URL (the dashboard is at `/`). */
  apiUrl: string
  /** GET on the node's API, parsed. */
  api<T = unknown>(p: string): Promise<T>
  apiText(p: string): Promise<string>
  stop(): Promise<void>
  /** kill -9. */
  kill(): Promise<void>
}

/** The web rooms' config of the nodes unless a suite wants them: neither HLS nor WebRTC. */
export const NO_WEB_ROOMS = 'hls: { enabled: false }\nwebrtc: { enabled: false }\n'

/**
 * `rtspkit serve` as node `name` of the cluster at `redisUrl`; `cluster` and `paths` are YAML mappings
 * added to the config, `sections` the top-level hls and webrtc sections.
 */
export async function startNode(
  name: string,
  redisUrl: string,
  cluster = '',
  paths = "  all_others: { source: 'publish' }\n",
  sections = NO_WEB_ROOMS,
): Promise<TestNode> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rtspkit-cluster-${name}-`))
  const file = path.join(dir, 'rtspkit.yml')
  writeFileSync(
    file,
    `server: { rtspPort: 0, publicHost: 127.0.0.1, host: 127.0.0.1, rtspsPort: 0 }
api: { port: 0 }
${sections}relays: { closeAfter: 2 }
cluster:
  redis: '${redisUrl}'
  node: ${name}
  lease: 1.5
${cluster}paths:
${paths}`,
  )
  const served = await serveRtspkit(['--config', file], 20_000)
  const apiUrl = served.apiUrl!
  const rtmpBase = /(rtmp:\/\/127\.0\.0\.1:\d+)\/PATH/.exec(served.out())?.[1]
  const webrtcBase = /(http:\/\/127\.0\.0\.1:\d+)\/PATH {2}<- WebRTC/.exec(served.out())?.[1]
  const node: TestNode = {
    name,
    served,
    apiUrl,
    url: (p) => `rtsp://127.0.0.1:${served.port}/${p}`,
    rtmpUrl: (p) => `${rtmpBase ?? 'rtmp://no-rtmp-room'}/${p}`,
    webrtcUrl: (p) => `${webrtcBase ?? 'http://no-webrtc-room'}/${p}`,
    async api<T>(p: string): Promise<T> {
      return (await (await fetch(`${apiUrl}${p}`)).json()) as T
    },
    async apiText(p: string) {
      return (await fetch(`${apiUrl}${p}`)).text()
    },
    async stop() {
      if (served.child.exitCode === null) await served.stop()
    },
    async kill() {
      if (served.child.exitCode !== null) return
      served.child.kill('SIGKILL')
      await served.exit
    },
  }
  await waitUntil(
    async () => (await node.apiText('/metrics')).includes('rtspkit_cluster_redis_up 1'),
    10_000,
    `node ${name} in the cluster`,
  )
  return node
}

/** Waits until every node sees `count` nodes. */
export async function waitForNodes(nodes: readonly TestNode[], count: number): Promise<void> {
  for (const n of nodes) {
    await waitUntil(
      async () => (await n.api<{ items: unknown[] }>('/v1/cluster/nodes')).items.length === count,
      10_000,
      `${n.name} sees ${count} nodes`,
    )
  }
}

/** Whether `node` lists `path` among the cluster's paths, with origin `origin` when given. */
export async function listsPath(node: TestNode, path: string, origin?: string): Promise<boolean> {
  const { items } = await node.api<{ items: { name: string; origin: string }[] }>('/v1/cluster/paths')
  return items.some((p) => p.name === path && (origin === undefined || p.origin === origin))
}

export function publish(url: string, input: string[] = LIVE_H264): ChildProcess & { stderrText(): string } {
  const child = spawn('ffmpeg', ['-hide_banner', '-v', 'error', ...input, '-f', 'rtsp', '-rtsp_transport', 'tcp', url], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  return Object.assign(child, { stderrText: () => err })
}

export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await gone
}

interface SessionItem {
  path: string
  role: string
  userAgent?: string
}

/** RTSP sessions reading `path` on a node (its /v1/sessions). */
export async function readersOn(node: TestNode, path: string): Promise<SessionItem[]> {
  const { items } = await node.api<{ items: SessionItem[] }>('/v1/sessions')
  return items.filter((s) => s.path === path && s.role === 'reader')
}

/** An in-process RtspClient reading a URL over TCP and counting frames. */
export interface CountingReader {
  client: RtspClient
  readonly frames: number
  readonly closed: boolean
  /** Resolves once `n` more frames than now arrived. */
  more(n: number, ms?: number, what?: string): Promise<void>
  close(): Promise<void>
}

export async function countingReader(url: string): Promise<CountingReader> {
  const client = new RtspClient(url, { transport: 'tcp' })
  let frames = 0
  let closed = false
  client.on('frame', () => frames++)
  client.on('close', () => (closed = true))
  client.on('error', () => {})
  await client.play()
  return {
    client,
    get frames() {
      return frames
    },
    get closed() {
      return closed
    },
    async more(n, ms = 15_000, what = url) {
      const target = frames + n
      await waitUntil(() => frames >= target, ms, `${n} more frames on ${what}`)
    },
    close: () => client.close(),
  }
}

/** Three nodes a, b, c on one redis-server, and what a suite's tests start on them (stopped after). */
export interface ThreeNodes {
  redis: TestRedis
  a: TestNode
  b: TestNode
  c: TestNode
  publishers: ReturnType<typeof publish>[]
  readers: CountingReader[]
}

/** Registers the suite's before/after: the cluster is up (all three nodes see each other) before its tests. */
export function threeNodeCluster(paths: string, sections = NO_WEB_ROOMS): ThreeNodes {
  const cl = { publishers: [], readers: [] } as unknown as ThreeNodes
  before(async () => {
    cl.redis = await startRedis()
    ;[cl.a, cl.b, cl.c] = (await Promise.all(['a', 'b', 'c'].map((n) => startNode(n, cl.redis.url, '', paths, sections)))) as [
      TestNode,
      TestNode,
      TestNode,
    ]
    await waitForNodes([cl.a, cl.b, cl.c], 3)
  })
  after(async () => {
    await Promise.all(cl.readers.map((r) => r.close()))
    await Promise.all(cl.publishers.map((p) => stopProcess(p)))
    await Promise.all([cl.a, cl.b, cl.c].map((n) => n?.stop()))
    await cl.redis?.kill()
  })
  return cl
}
