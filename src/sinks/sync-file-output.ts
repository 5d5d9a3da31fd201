/**
 * A file written with fs.writeSync: each write() is in the kernel when it returns, so a process crash
 * loses nothing already written (crash-safe recordings write one whole fragment per call). `fsync`
 * also flushes to the disk on every write, for power loss, at a cost.
 *
 * A write error is kept, stops further writes and rejects close(), like the stream output does.
 */
import fs from 'node:fs'
import path from 'node:path'
import { StateError } from '../errors.js'
import { fileError, type ByteOutput } from './byte-output.js'

export interface SyncFileOutputOptions {
  /** fsync after every write. Default false. */
  fsync?: boolean
  /** fsync once when the file is closed. Default false. */
  fsyncOnClose?: boolean
  /**
   * Write into a hidden temporary file and give it its name with the first write (rename(2) is atomic),
   * so a file under `file` never exists empty, even if the process dies right after creating it. A file
   * closed without a write is removed. Default false.
   */
  publishOnFirstWrite?: boolean
  /** Fail with EEXIST instead of truncating an existing file. Default false. */
  exclusive?: boolean
}

/** Opens `file` for writing; throws ConfigError('ERR_SINK_FILE') with a one-line reason. */
export function openSyncFileOutput(file: string, opts: SyncFileOutputOptions = {}): ByteOutput {
  let fd: number
  const staging = opts.publishOnFirstWrite ? path.join(path.dirname(file), `.${path.basename(file)}.tmp`) : undefined
  try {
    if (staging && opts.exclusive && fs.existsSync(file)) fs.openSync(file, 'wx') // throws EEXIST
    fd = fs.openSync(staging ?? file, opts.exclusive ? 'wx' : 'w')
  } catch (err) {
    throw fileError('ERR_SINK_FILE', file, err)
  }
  return new SyncFileOutput(fd, file, opts.fsync ?? false, opts.fsyncOnClose ?? false, staging)
}

class SyncFileOutput implements ByteOutput {
  bytesWritten = 0
  private error: unknown
  private closing: Promise<void> | undefined

  constructor(
    private readonly fd: number,
    readonly path: string,
    private readonly fsync: boolean,
    private readonly fsyncOnClose: boolean,
    private staging: string | undefined,
  ) {}

  write(buf: Uint8Array): void {
    if (this.closing) throw new StateError('ERR_SINK_CLOSED', 'write after close', {})
    if (this.error) return
    try {
      let off = 0
      while (off < buf.byteLength) off += fs.writeSync(this.fd, buf, off)
      if (this.fsync) fs.fsyncSync(this.fd)
      if (this.staging) {
        fs.renameSync(this.staging, this.path)
        this.staging = undefined
      }
      this.bytesWritten += buf.byteLength
    } catch (err) {
      this.error = err
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      if (this.fsyncOnClose && !this.error) {
        try {
          fs.fsyncSync(this.fd)
        } catch (err) {
          this.error = err
        }
      }
      if (this.staging) fs.rmSync(this.staging, { force: true })
      fs.close(this.fd, (closeErr) => {
        const err = this.error ?? closeErr
        if (err) reject(fileError('ERR_SINK_WRITE', this.path, err))
        else resolve()
      })
    })
    return this.closing
  }
}
