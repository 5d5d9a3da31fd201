/**
 * Builds the bench's small C programs (bench/native/*.c) with the system's gcc at bench time: once,
 * and again when the source is newer than the binary. Binaries go under dist/, which the package
 * leaves out (test/package/pack.test.ts) and a clean build removes.
 *
 * Why C at all: a load client in the Node process competes for the same cores as the server under
 * test and, past a few hundred packets or handshakes a millisecond, measures itself (see the files
 * that use this: bench/udp-sink.ts, bench/handshakes.ts).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ROOT } from './bench-env.js'

const GCC_ARGS = ['-O2', '-Wall', '-Wextra', '-std=gnu11']
/** gcc's first lines are enough to say why; the rest is in a rebuild by hand. */
const GCC_ERROR_LINES = 3

export type NativeBuild = { ok: true; binary: string; compiled: boolean } | { ok: false; reason: string }

/** Where bench/native/NAME.c and its binary live. */
export function nativeProgram(name: string): { source: string; binary: string } {
  return { source: join(ROOT, 'bench', 'native', `${name}.c`), binary: join(ROOT, 'dist', 'bench', 'native', name) }
}

/**
 * Compiles `source` into `binary` unless the binary is newer than its source. The compiler writes a
 * temporary file that is renamed into place, so two runs building at once never leave a half-written
 * binary.
 */
export function buildNative(source: string, binary: string): NativeBuild {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return { ok: true, binary, compiled: false }
  mkdirSync(dirname(binary), { recursive: true })
  const tmp = `${binary}.${process.pid}.tmp`
  try {
    execFileSync('gcc', [...GCC_ARGS, '-o', tmp, source], { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer }
    if (e.code === 'ENOENT') return { ok: false, reason: 'gcc is not installed' }
    const text = (e.stderr?.toString() ?? e.message).trim()
    return { ok: false, reason: `gcc failed: ${text.split('\n').slice(0, GCC_ERROR_LINES).join(' | ')}` }
  }
  renameSync(tmp, binary)
  return { ok: true, binary, compiled: true }
}
