// The short CI form of `npm run fuzz`, `npm run fuzz -- --parsers` and `npm run soak` (tools/fuzz/):
// each runs briefly against a real rtspkit child process, and the test reads its exit status and the
// `… RESULT {json}` line it prints after its summary tables. About a minute in all.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

const TOOLS = fileURLToPath(new URL('../../tools/fuzz/', import.meta.url))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function runTool(file: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TOOLS + file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t))
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t))
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

function result(run: Run, prefix: string): Record<string, unknown> {
  const line = run.stdout.split('\n').find((l) => l.startsWith(`${prefix} RESULT `))
  assert.ok(line, `no ${prefix} RESULT line:\n${run.stdout}\n${run.stderr}`)
  return JSON.parse(line.slice(prefix.length + ' RESULT '.length)) as Record<string, unknown>
}

describe('fuzz and soak scripts (short form)', { timeout: 150_000 }, () => {
  it('refuses a bad flag with exit 2', async () => {
    const run = await runTool('net-fuzz.js', ['--duration=-1'], 10_000)
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /--duration must be a number/)
  })

  it('network fuzz: 15 s of every attack against rtspkit, no crash, hang or leak', async () => {
    const run = await runTool('net-fuzz.js', ['--duration', '15', '--settle', '10', '--workers', '4'], 90_000)
    const r = result(run, 'FUZZ')
    assert.deepEqual(r.failures, [], run.stdout)
    assert.equal(run.code, 0)
    assert.equal(r.crashed, false)
    assert.ok((r.messages as number) > 1000, `messages: ${String(r.messages)}`)
    const replies = r.replies as Record<string, number>
    for (const cls of ['RTSP 2xx', 'RTSP 4xx', 'HTTP 2xx', 'tunnel: HTTP 2xx'])
      assert.ok((replies[cls] ?? 0) > 0, `no ${cls}: ${JSON.stringify(replies)}`)
    assert.ok((r.probes as number) > 5)
    assert.match(run.stdout, /replies by class +count +share/)
  })

  it('parser fuzz: every parser throws only typed errors', async () => {
    const run = await runTool('net-fuzz.js', ['--parsers', '--runs', '2000'], 60_000)
    const r = result(run, 'PARSER FUZZ')
    assert.equal(run.code, 0, run.stdout)
    const parsers = r.parsers as { runs: number }[]
    assert.ok(parsers.length >= 13)
    for (const p of parsers) assert.equal(p.runs, 2000)
  })

  it('soak: 20 s of churn beside steady readers, idle and slowloris connections', async () => {
    const args = ['--minutes', '0.34', '--tcp-readers', '4', '--udp-readers', '4', '--idle', '10', '--slowloris', '10', '--churn', '2']
    const run = await runTool('soak.js', args, 90_000)
    const r = result(run, 'SOAK')
    assert.deepEqual(r.failures, [], run.stdout)
    assert.equal(run.code, 0)
    assert.ok((r.handshakes as number) > 50, `handshakes: ${String(r.handshakes)}`)
    const steady = r.steady as Record<'tcp' | 'udp', { n: number; packets: number; lost: number }>
    for (const t of ['tcp', 'udp'] as const) {
      assert.equal(steady[t].n, 4)
      assert.ok(steady[t].packets > 100)
      assert.equal(steady[t].lost, 0)
    }
    const held = r.held as { kind: string; opened: number }[]
    assert.deepEqual(
      held.map((h) => [h.kind, h.opened]),
      [
        ['idle', 10],
        ['slowloris', 10],
      ],
    )
    assert.match(run.stdout, /held connections +opened +closed by server/)
  })
})
