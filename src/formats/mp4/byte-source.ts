/**
 * Random access to the bytes of an MP4 file: a Buffer held in memory, or a file read with positional
 * reads so that a multi-gigabyte file never has to fit in memory.
 */
import fs from 'node:fs'
import { ParseError } from '../../errors.js'

export interface ByteSource {
  readonly size: number
  /** `length` bytes at `offset`; ParseError('ERR_MP4_TRUNCATED') when the file is shorter. */
  read(offset: number, length: number): Buffer
  /** Idempotent; a later `read` opens the file again. */
  close(): void
}

function checkRange(offset: number, length: number, size: number): void {
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new ParseError(
      'ERR_MP4_TRUNCATED',
      `MP4 read of ${length} bytes at offset ${offset} is past the end of the file (${size} bytes)`,
      { observed: offset + length, allowed: `<= ${size}` },
    )
  }
}

/** A ByteSource over a Buffer: reads are views. */
export function bufferByteSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read(offset, length) {
      checkRange(offset, length, buf.length)
      return buf.subarray(offset, offset + length)
    },
    close() {},
  }
}

/** A ByteSource over a file, read with fs.readSync at a position; each read returns a new Buffer. */
export class FileByteSource implements ByteSource {
  readonly size: number
  private fd: number | undefined

  /** Opens the file (fs errors propagate, for the caller to word). */
  constructor(private readonly path: string) {
    this.fd = fs.openSync(path, 'r')
    try {
      this.size = fs.fstatSync(this.fd).size
    } catch (err) {
      this.close()
      throw err
    }
  }

  read(offset: number, length: number): Buffer {
    checkRange(offset, length, this.size)
    this.fd ??= fs.openSync(this.path, 'r')
    const out = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, offset + done)
      if (n === 0)
        throw new ParseError('ERR_MP4_TRUNCATED', `${this.path} ended at ${offset + done} while reading (it shrank?)`, {
          observed: offset + done,
          allowed: offset + length,
        })
      done += n
    }
    return out
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
  }
}
