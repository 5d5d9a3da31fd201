/**
 * A test client's UDP side: an RTP socket on an even port and its RTCP socket on the next one
 * (RFC 3550 section 11), both on 127.0.0.1; and a test file run again in a child process.
 */
import { spawn } from 'node:child_process'
import dgram from 'node:dgram'

/** Binds RTP to an OS-chosen even port and RTCP to the port after it; tries again when either is not free. */
export async function bindClientPair(): Promise<{ rtp: dgram.Socket; rtcp: dgram.Socket }> {
  for (;;) {
    const rtp = dgram.createSocket('udp4')
    const rtcp = dgram.createSocket('udp4')
    await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', r))
    const even = rtp.address().port % 2 === 0
    const ok =
      even &&
      (await new Promise<boolean>((r) => {
        rtcp.once('error', () => r(false))
        rtcp.bind(rtp.address().port + 1, '127.0.0.1', () => r(true))
      }))
    if (ok) return { rtp, rtcp }
    rtp.close()
    if (even) rtcp.close()
  }
}

/**
 * Runs a test file again as a test run of its own (without NODE_TEST_CONTEXT, so not as a subtest of
 * this one) with `env` added; resolves with its exit code and everything it printed.
 */
export async function runTestFileAgain(file: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env
  const child = spawn(process.execPath, [file], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((r) => child.on('close', r))
  return { code, out }
}
