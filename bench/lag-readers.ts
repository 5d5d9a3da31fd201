/**
 * The readers of bench/lag.ts.
 *
 *  - ReferenceReader: rtspkit's RtspClient, attached when the server starts. It does not buffer: it
 *    notes the wall time each access unit arrives (its last packet, the one with the RTP marker
 *    bit), by the hash of its largest NAL unit (bench/nal-hash.ts). That is the timeline the players
 *    are measured against. It reads over UDP by default: gst-rtsp-server sends UDP from its streaming
 *    thread as each packet is made, but interleaved TCP through its main loop, which other clients'
 *    requests can hold up for hundreds of milliseconds (seen as players "ahead" of a TCP reference
 *    when they join).
 *  - ffmpeg: `ffmpeg -rtsp_transport T -i URL -c copy -f h264 -flush_packets 1 pipe:1`; the Annex-B
 *    output is split as it arrives and each slice is stamped with the arrival of its start code.
 *    -flush_packets 1 makes ffmpeg write each packet at once instead of filling its 32 KiB output
 *    buffer first, so the pipe adds no delay of its own.
 *  - GStreamer: bench/gst-lag-reader.py, rtspsrc at its default latency into appsink sync=true; it
 *    prints time.time() and the hash for each access unit.
 *
 * Times are wall-clock milliseconds (Unix epoch): Node's performance.timeOrigin + now() here and
 * Python's time.time() in the GStreamer reader read the same system clock.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { StateError } from '../src/errors.js'
import { RtspClient } from '../src/index.js'
import { ROOT, sleep, wallMs } from './bench-env.js'
import { SYSTEM_PYTHON } from './fixture.js'
import type { BenchTransport } from './load-client.js'
import { isSlice, largestNal, nalHash, nalType, NAL_IDR, TimedAnnexBSplitter } from './nal-hash.js'

const GST_READER = join(ROOT, 'bench', 'gst-lag-reader.py')
const REFERENCE_START_TIMEOUT_MS = 10_000
const POLL_MS = 20
const STOP_TIMEOUT_MS = 3000
const STDERR_TAIL_CHARS = 400

/** The wall time each access unit reached a reader that does not buffer. */
export class ReferenceReader {
  /** hash → arrival times, oldest first (a looping file repeats its access units). */
  private readonly arrivals = new Map<string, number[]>()
  /** Arrival times of IDR access units, oldest first. */
  readonly keyframes: number[] = []
  frames = 0
  private readonly client: RtspClient
  private error: string | undefined

  private constructor(url: string, transport: BenchTransport) {
    this.client = new RtspClient(url, { transport, waitForKeyframe: false })
    this.client.on('frame', (frame) => {
      const at = wallMs()
      const nal = largestNal(frame.data)
      if (nal === undefined) return
      const hash = nalHash(nal)
      let list = this.arrivals.get(hash)
      if (!list) this.arrivals.set(hash, (list = []))
      list.push(at)
      if (nalType(nal) === NAL_IDR) this.keyframes.push(at)
      this.frames++
    })
    this.client.on('error', (err) => {
      this.error ??= err.message
    })
  }

  /** Plays `url` and resolves once a keyframe has arrived. */
  static async start(url: string, transport: BenchTransport): Promise<ReferenceReader> {
    const ref = new ReferenceReader(url, transport)
    try {
      await ref.client.play()
      const until = performance.now() + REFERENCE_START_TIMEOUT_MS
      while (ref.keyframes.length === 0) {
        if (ref.error !== undefined || performance.now() > until)
          throw new StateError('ERR_BENCH_REFERENCE', `reference reader of ${url} got no keyframe: ${ref.error ?? 'timeout'}`)
        await sleep(POLL_MS)
      }
    } catch (err) {
      await ref.close()
      throw err
    }
    return ref
  }

  /** When the access unit with this hash reached the reference: the latest arrival not after `notAfter`. */
  arrival(hash: string, notAfter: number): number | undefined {
    const list = this.arrivals.get(hash)
    if (!list) return undefined
    for (let i = list.length - 1; i >= 0; i--) if (list[i]! <= notAfter) return list[i]
    return undefined
  }

  /** Arrival of the last keyframe at or before `at`. */
  lastKeyframe(at: number): number | undefined {
    for (let i = this.keyframes.length - 1; i >= 0; i--) if (this.keyframes[i]! <= at) return this.keyframes[i]
    return undefined
  }

  close(): Promise<void> {
    return this.client.close()
  }
}

export type PlayerKind = 'ffmpeg' | 'gst'

/** One access unit as a player output it. */
export interface OutputSample {
  at: number
  hash: string
}

/** A player process joining the stream: its output samples and how it ended. */
export class PlayerReader {
  readonly samples: OutputSample[] = []
  readonly joinedAt: number
  /** Why the player stopped on its own before stop(), if it did. */
  error: string | undefined
  /** The end of what the player wrote to stderr (for a report when it output nothing). */
  get stderrTail(): string {
    return this.stderr.trim()
  }
  private stderr = ''
  private exited = false
  private stopping = false
  private stopped: Promise<void> | undefined

  private constructor(
    readonly kind: PlayerKind,
    readonly transport: BenchTransport,
    private readonly child: ChildProcess,
  ) {
    this.joinedAt = wallMs()
    child.once('close', (code, signal) => {
      this.exited = true
      if (!this.stopping) this.error = `${kind} exited early (${signal ?? code}): ${this.stderr.trim().split('\n').pop() ?? ''}`
    })
    child.once('error', (err) => {
      this.error ??= `cannot run ${kind}: ${err.message}`
    })
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL_CHARS)
    })
  }

  static ffmpeg(url: string, transport: BenchTransport): PlayerReader {
    const args = ['-v', 'error', '-rtsp_transport', transport, '-i', url, '-c', 'copy', '-f', 'h264', '-flush_packets', '1', 'pipe:1']
    const reader = new PlayerReader('ffmpeg', transport, spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] }))
    const splitter = new TimedAnnexBSplitter()
    reader.child.stdout!.on('data', (chunk: Buffer) => {
      for (const { nal, at } of splitter.push(chunk, wallMs())) if (isSlice(nal)) reader.samples.push({ at, hash: nalHash(nal) })
    })
    return reader
  }

  static gst(url: string, transport: BenchTransport): PlayerReader {
    const args = [GST_READER, '--url', url, '--protocols', transport]
    // GStreamer's warnings go to stderr, whose end is kept for the report.
    const env = { ...process.env, GST_DEBUG: '2', GST_DEBUG_NO_COLOR: '1' }
    const reader = new PlayerReader('gst', transport, spawn(SYSTEM_PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env }))
    let partial = ''
    reader.child.stdout!.setEncoding('utf8')
    reader.child.stdout!.on('data', (text: string) => {
      const lines = (partial + text).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        const [seconds, hash] = line.trim().split(' ')
        const at = Number(seconds) * 1000
        if (hash !== undefined && Number.isFinite(at)) reader.samples.push({ at, hash })
      }
    })
    return reader
  }

  static spawn(kind: PlayerKind, url: string, transport: BenchTransport): PlayerReader {
    return kind === 'ffmpeg' ? PlayerReader.ffmpeg(url, transport) : PlayerReader.gst(url, transport)
  }

  /** SIGTERM (both players then send TEARDOWN), SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void> {
    this.stopping = true
    this.stopped ??= (async () => {
      if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return
      const exit = once(this.child, 'close')
      this.child.kill('SIGTERM')
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exit
      clearTimeout(timer)
    })()
    return this.stopped
  }

  /** Synchronous last resort for exit paths. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL')
  }
}
