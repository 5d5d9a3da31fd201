/**
 * Still pictures of paths whose codec a browser cannot show as it comes (H.264, H.265…): ffmpeg reads
 * the path over RTSP like any reader, decodes one picture and writes it as a JPEG to stdout.
 *
 * Requests for a path while its ffmpeg runs share that ffmpeg's answer, and only a few run at once,
 * so a dashboard left open in several tabs does not multiply decoders.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { RtspkitError } from '../errors.js'
import { redact } from './views.js'

export const DEFAULT_SNAPSHOT_TIMEOUT_MS = 10_000
/** ffmpeg processes running at once, over all paths. */
export const MAX_SNAPSHOT_PROCESSES = 2
/** A picture bigger than this is not a snapshot a page wants: ffmpeg is stopped. */
const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
/** stderr kept for the failure reason. */
const STDERR_TAIL_BYTES = 2048

/**
 * Why no snapshot: ERR_SNAPSHOT_NO_FFMPEG (not installed), ERR_SNAPSHOT_BUSY (too many running),
 * ERR_SNAPSHOT_TIMEOUT, ERR_SNAPSHOT_FAILED (ffmpeg ended without a picture), ERR_SNAPSHOT_CLOSED.
 */
export class SnapshotError extends RtspkitError {}

export interface SnapshotterOptions {
  /** The ffmpeg executable (default 'ffmpeg', looked up on PATH). */
  ffmpegPath?: string
  timeoutMs?: number
  maxProcesses?: number
}

export class Snapshotter {
  private readonly running = new Map<string, Promise<Buffer>>()
  private readonly children = new Set<ChildProcess>()
  private closed = false

  constructor(private readonly opts: SnapshotterOptions = {}) {}

  /** One JPEG picture of the stream at `url` (an rtsp:// URL the server answers). */
  take(url: string): Promise<Buffer> {
    if (this.closed) return Promise.reject(new SnapshotError('ERR_SNAPSHOT_CLOSED', 'snapshots are closed'))
    const current = this.running.get(url)
    if (current) return current
    const max = this.opts.maxProcesses ?? MAX_SNAPSHOT_PROCESSES
    if (this.running.size >= max) {
      return Promise.reject(
        new SnapshotError('ERR_SNAPSHOT_BUSY', `${max} snapshots are being taken already; try again shortly`, {
          observed: this.running.size,
          allowed: max,
        }),
      )
    }
    const p = this.run(url).finally(() => this.running.delete(url))
    this.running.set(url, p)
    return p
  }

  /** Kills running ffmpeg processes; their requests fail with ERR_SNAPSHOT_CLOSED. Idempotent. */
  close(): void {
    this.closed = true
    for (const c of this.children) c.kill('SIGKILL')
    this.children.clear()
  }

  private run(url: string): Promise<Buffer> {
    const bin = this.opts.ffmpegPath ?? 'ffmpeg'
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_SNAPSHOT_TIMEOUT_MS
    return new Promise((resolve, reject) => {
      const child = spawn(
        bin,
        ['-hide_banner', '-nostdin', '-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-frames:v', '1', '-f', 'mjpeg', '-'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      this.children.add(child)
      const chunks: Buffer[] = []
      let size = 0
      let stderr = ''
      let failure: SnapshotError | undefined
      const fail = (err: SnapshotError) => {
        failure ??= err
        child.kill('SIGKILL')
      }
      const timer = setTimeout(
        () => fail(new SnapshotError('ERR_SNAPSHOT_TIMEOUT', `ffmpeg gave no picture within ${timeoutMs} ms`, { observed: timeoutMs })),
        timeoutMs,
      )
      child.stdout.on('data', (d: Buffer) => {
        size += d.length
        if (size > MAX_SNAPSHOT_BYTES)
          return fail(
            new SnapshotError('ERR_SNAPSHOT_FAILED', `the picture exceeds ${MAX_SNAPSHOT_BYTES} bytes`, {
              observed: size,
              allowed: MAX_SNAPSHOT_BYTES,
            }),
          )
        chunks.push(d)
      })
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL_BYTES)))
      child.on('error', (err: NodeJS.ErrnoException) => {
        fail(
          err.code === 'ENOENT'
            ? new SnapshotError(
                'ERR_SNAPSHOT_NO_FFMPEG',
                `snapshots need ffmpeg, and "${bin}" was not found; install ffmpeg or put it on PATH`,
                { observed: bin },
              )
            : new SnapshotError('ERR_SNAPSHOT_FAILED', `cannot run ${bin}: ${err.message}`, { observed: bin }),
        )
      })
      child.on('close', (code) => {
        clearTimeout(timer)
        this.children.delete(child)
        if (this.closed) failure ??= new SnapshotError('ERR_SNAPSHOT_CLOSED', 'snapshots are closed')
        if (failure) return reject(failure)
        const jpeg = Buffer.concat(chunks)
        if (code === 0 && jpeg.length > 0) return resolve(jpeg)
        const last = String(redact(stderr.trim().split('\n').pop() ?? '')) // the URL may carry the API's credentials
        reject(
          new SnapshotError('ERR_SNAPSHOT_FAILED', `ffmpeg ended (${code}) without a picture${last ? `: ${last}` : ''}`, {
            observed: code,
          }),
        )
      })
    })
  }
}
