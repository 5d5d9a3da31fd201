/**
 * A file written with fs.writeSync: each write() is in the kernel when it returns, so a process crash
 * loses nothing already written (crash-safe recordings write one whole fragment per call). `fsync`
 * also flushes to the disk on every write, for power loss, at a cost.
 *
 * A write error is kept, stops further writes and rejects close(), like the stream output does.
 */
import fs from 'node:fs'
import { StateError } from '../errors.js'
import { fileError, type ByteOutput } from './byte-output.js'

export interface SyncFileOutputOptions {
  /** fsync after every write. Default false. */
  fsync?: boolean
  /** fsync once when the file is closed. Default false. */
  fsyncOnClose?: boolean
  /** Fail with EEXIST instead of truncating an existing file. Default false. */
  exclusive?: boolean
}

/** Opens `file` for writing; throws ConfigError('ERR_SINK_FILE') with a one-line reason. */
export function openSyncFileOutput(file: string, opts: SyncFileOutputOptions = {}): ByteOutput {
  let fd: number
  try {
    fd = fs.openSync(file, opts.exclusive ? 'wx' : 'w')
  } catch (err) {
    throw fileError('ERR_SINK_FILE', file, err)
  }
  return new SyncFileOutput(fd, file, opts.fsync ?? false, opts.fsyncOnClose ?? false)
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
  ) {}

  write(buf: Uint8Array): void {
    if (this.closing) throw new StateError('ERR_SINK_CLOSED', 'write after close', {})
    if (this.error) return
    try {
      let off = 0
      while (off < buf.byteLength) off += fs.writeSync(this.fd, buf, off)
      if (this.fsync) fs.fsyncSync(this.fd)
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
      fs.close(this.fd, (closeErr) => {
        const err = this.error ?? closeErr
        if (err) reject(fileError('ERR_SINK_WRITE', this.path, err))
        else resolve()
      })
    })
    return this.closing
  }
}
