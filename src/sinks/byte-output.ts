/**
 * Where a sink's bytes go: a file opened at once (so a bad path is a ConfigError when the sink is
 * created, not an 'error' event later) or a stream the caller owns (stdout for `--out -`).
 */
import fs from 'node:fs'
import type { Writable } from 'node:stream'
import { ConfigError, StateError } from '../errors.js'

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'file exists',
}

export interface ByteOutput {
  /** The file written, when the output is a file (sinks that patch headers at the end need it). */
  readonly path: string | undefined
  readonly bytesWritten: number
  write(buf: Uint8Array): void
  /** Flushes and closes (a caller-owned stream is ended only if `endStream`). Rejects with the first write error. */
  close(): Promise<void>
}

/** Opens `file` for writing (truncating it); throws ConfigError with a one-line reason. */
export function openFileOutput(file: string): ByteOutput {
  let fd: number
  try {
    fd = fs.openSync(file, 'w')
  } catch (err) {
    throw fileError('ERR_SINK_FILE', file, err)
  }
  return new StreamOutput(fs.createWriteStream('', { fd }), file, true)
}

/** A file-system error as a one-line ConfigError naming the file. */
export function fileError(code: string, file: string, err: unknown): ConfigError {
  const errno = (err as NodeJS.ErrnoException).code ?? 'EIO'
  return new ConfigError(
    code,
    `cannot write ${file}: ${FS_ERRORS[errno] ?? (err as Error).message}`,
    { observed: errno, path: file },
    { cause: err },
  )
}

/** Writes to a stream the caller owns; `end` decides whether close() ends it (not for stdout). */
export function streamOutput(stream: Writable, end = false): ByteOutput {
  return new StreamOutput(stream, undefined, end)
}

class StreamOutput implements ByteOutput {
  bytesWritten = 0
  private error: Error | undefined
  private closing: Promise<void> | undefined

  constructor(
    private readonly stream: Writable,
    readonly path: string | undefined,
    private readonly end: boolean,
  ) {
    stream.on('error', (err) => (this.error ??= err))
  }

  write(buf: Uint8Array): void {
    if (this.closing) throw new StateError('ERR_SINK_CLOSED', 'write after close', {})
    if (this.error) return
    this.stream.write(buf)
    this.bytesWritten += buf.byteLength
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      const done = (): void =>
        this.error
          ? reject(
              new ConfigError(
                'ERR_SINK_WRITE',
                `cannot write ${this.path ?? 'output'}: ${this.error.message}`,
                { path: this.path },
                { cause: this.error },
              ),
            )
          : resolve()
      if (!this.end) {
        // Caller-owned: wait until what we wrote is flushed, leave the stream open.
        if (this.stream.writableNeedDrain) this.stream.once('drain', done)
        else done()
        return
      }
      this.stream.end(() => done())
      this.stream.once('error', () => done())
    })
    return this.closing
  }
}
