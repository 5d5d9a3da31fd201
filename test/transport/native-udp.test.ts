// The optional native UDP sender (native/udp-sendmmsg.c): that it was built and loads here (main thread
// and worker threads), and udp-batch-send.ts's send path three ways — sendmmsg with UDP GSO, without,
// and dgram alone — including a partial send, a full socket buffer and a refused port. The file runs
// itself again in a child process with RTSPKIT_UDP_GSO=0, so the GSO shapes are proven both ways.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import dgram from 'node:dgram'
import { constants } from 'node:os'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { ERRNO_SPAN, failedDatagrams, loadNativeUdp, nativeUdpStatus, type NativeUdp } from '../../src/transport/native-udp.js'
import { DatagramBatcher, fdReader, UdpRunSender } from '../../src/transport/udp-batch-send.js'
import { runTestFileAgain } from '../helpers/udp-client.js'
import { waitUntil } from '../helpers/wait.js'

const DISABLED = process.env.RTSPKIT_NATIVE_UDP === '0'
const GSO_OFF = process.env.RTSPKIT_UDP_GSO === '0'
/** This file run again by itself with RTSPKIT_UDP_GSO=0. */
const CHILD = process.env.RTSPKIT_NATIVE_UDP_TEST_CHILD === '1'
const NATIVE_URL = new URL('../../src/transport/native-udp.js', import.meta.url)
const SINK_BUFFER = 4 * 1024 * 1024

interface Pair {
  sink: dgram.Socket
  sender: dgram.Socket
  got: Buffer[]
  close(): void
}

/** A sink on loopback and a sender connected to it. */
async function connectedPair(): Promise<Pair> {
  const sink = dgram.createSocket('udp4')
  const got: Buffer[] = []
  sink.on('message', (m) => got.push(m))
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r))
  try {
    sink.setRecvBufferSize(SINK_BUFFER)
  } catch {
    // capped by net.core.rmem_max: the test sends little enough either way
  }
  const sender = dgram.createSocket('udp4')
  sender.on('error', () => {})
  await new Promise<void>((r) => sender.connect(sink.address().port, '127.0.0.1', r))
  return {
    sink,
    sender,
    got,
    close() {
      sink.close()
      sender.close()
    },
  }
}

/**
 * Packets numbered in their first 4 bytes. Small and few: when the machine's UDP memory is under
 * pressure (net.ipv4.udp_mem, other programs' big buffers) a socket keeps only a few KB queued.
 */
function numbered(n: number, size = 16): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const b = Buffer.alloc(size, i & 0xff)
    b.writeUInt32BE(i, 0)
    return b
  })
}

const sendDatagrams = (
  socket: dgram.Socket,
  packets: readonly Buffer[],
  callbacks: readonly (((err: Error | null) => void) | undefined)[] | undefined,
  native: NativeUdp | undefined,
): void => new UdpRunSender(socket, native).send(packets, callbacks)

const order = (got: readonly Buffer[]): number[] => got.map((b) => b.readUInt32BE(0))
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

const real = (): NativeUdp => {
  const native = loadNativeUdp()
  assert.ok(native, 'the native sender is loaded')
  return native
}

describe('native UDP sender (sendmmsg addon)', () => {
  it('was built at install and loads on this machine (Linux)', { skip: DISABLED || process.platform !== 'linux' }, () => {
    const status = nativeUdpStatus()
    assert.ok(status.loaded, `the addon did not load: ${status.loaded ? '' : status.reason}`)
    assert.equal(typeof real().sendmmsg, 'function')
    assert.ok(real().maxBatch >= 64)
  })

  it('loads in several worker threads at once (context-aware)', { skip: DISABLED || process.platform !== 'linux' }, async () => {
    const code = `import { parentPort, workerData } from 'node:worker_threads'
      const { nativeUdpStatus } = await import(workerData)
      parentPort.postMessage(nativeUdpStatus().loaded)`
    const results = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<unknown>((resolve, reject) => {
            const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: NATIVE_URL.href })
            w.once('message', (m) => {
              resolve(m)
              void w.terminate()
            })
            w.once('error', reject)
          }),
      ),
    )
    assert.deepEqual(results, [true, true, true])
  })

  it("a failed sendmmsg result decodes to the errno and how many datagrams (a GSO message's) failed", () => {
    assert.deepEqual(failedDatagrams(-constants.errno.EPERM), { errno: -constants.errno.EPERM, count: 1 })
    assert.deepEqual(failedDatagrams(-(constants.errno.ECONNREFUSED + ERRNO_SPAN * 13)), {
      errno: -constants.errno.ECONNREFUSED,
      count: 14,
    })
  })

  it('RTSPKIT_NATIVE_UDP=0 leaves it unloaded: dgram only', () => {
    const script = `const { nativeUdpStatus, loadNativeUdp } = await import(${JSON.stringify(NATIVE_URL.href)})
      console.log(JSON.stringify({ status: nativeUdpStatus(), binding: loadNativeUdp() === undefined }))`
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, RTSPKIT_NATIVE_UDP: '0' },
      encoding: 'utf8',
    })
    assert.equal(run.status, 0, run.stderr)
    const out = JSON.parse(run.stdout) as { status: { loaded: boolean; reason: string }; binding: boolean }
    assert.equal(out.status.loaded, false)
    assert.match(out.status.reason, /RTSPKIT_NATIVE_UDP=0/)
    assert.equal(out.binding, true)
  })

  for (const mode of ['sendmmsg+gso', 'sendmmsg', 'dgram'] as const) {
    const skip = mode === 'dgram' ? false : DISABLED || !loadNativeUdp() || (mode === 'sendmmsg+gso' && !loadNativeUdp()?.gso)
    describe(`send path through ${mode}`, { skip }, () => {
      const native = (): NativeUdp | undefined =>
        mode === 'sendmmsg+gso' ? real() : mode === 'sendmmsg' ? { ...real(), gso: false } : undefined

      it('sends every datagram in order (more than maxBatch: several system calls) and calls each callback once', async () => {
        const p = await connectedPair()
        try {
          const n = 7
          let syscalls = 0
          const base = native()
          // A batch of 3 at most, so 7 datagrams take three sendmmsg calls.
          const small: NativeUdp | undefined = base && {
            maxBatch: 3,
            writable: (fd) => base.writable(fd),
            gso: base.gso,
            sendmmsg: (fd, packets, start, count, gso) => (syscalls++, base.sendmmsg(fd, packets, start, Math.min(count, 3), gso)),
          }
          const calls: (Error | null)[] = []
          const callbacks = range(n).map((i) => (i % 3 === 0 ? (err: Error | null) => void (calls[i] = err) : undefined))
          sendDatagrams(p.sender, numbered(n), callbacks, small)
          assert.equal(syscalls, mode === 'dgram' ? 0 : 3)
          await waitUntil(() => p.got.length === n, 5000, `all ${n} datagrams at the sink`)
          assert.deepEqual(order(p.got), range(n))
          await waitUntil(() => calls.filter((c) => c !== undefined).length === Math.ceil(n / 3), 2000, 'callbacks')
          assert.ok(calls.every((c, i) => (i % 3 === 0 ? c === null : c === undefined)))
        } finally {
          p.close()
        }
      })

      it("a refused port (ICMP from a closed peer) fails datagrams with dgram's error code; later ones are still sent", async () => {
        const p = await connectedPair()
        const port = p.sink.address().port
        p.sink.close()
        try {
          const errors: string[] = []
          const byIndex: string[] = []
          const n = 8
          const callbacks = range(n).map((i) => (err: Error | null) => {
            byIndex[i] = err ? String((err as NodeJS.ErrnoException).code) : 'ok'
            errors.push(byIndex[i])
          })
          // With GSO, runs of 4: three equal datagrams in one GSO message, then the last on its own, which
          // the ICMP for the message fails (the peer sees one message, so one ICMP per run).
          const packets = numbered(n)
          const step = mode === 'sendmmsg+gso' ? 4 : n
          for (let i = 0; i < n; i += step) sendDatagrams(p.sender, packets.slice(i, i + step), callbacks.slice(i, i + step), native())
          await waitUntil(() => errors.length === n, 2000, 'every callback')
          // As with dgram, the datagram after each ICMP "port unreachable" fails: about every other one.
          // sendmmsg names the error of a call's first datagram only (ERR_UDP_SEND for the others).
          const failed = errors.filter((e) => e !== 'ok')
          assert.ok(failed.length >= n / 4 && failed.length < n, errors.join())
          assert.ok(
            failed.every((e) => e === 'ECONNREFUSED' || (mode !== 'dgram' && e === 'ERR_UDP_SEND')),
            errors.join(),
          )
          // The run's last datagram (whose callback the server counts) hears of the closed port.
          if (mode === 'sendmmsg+gso') for (let i = step - 1; i < n; i += step) assert.notEqual(byIndex[i], 'ok', byIndex.join())
          assert.equal(p.sender.remoteAddress().port, port)
        } finally {
          p.sender.close()
        }
      })

      // Only GSO has messages of several datagrams (defined for that mode alone, not skipped for the others).
      if (mode === 'sendmmsg+gso')
        it('a GSO message that fails fails every datagram in it, with the errno; the next are sent', async () => {
          const p = await connectedPair()
          p.sink.close()
          try {
            const done: (string | undefined)[] = []
            const cb = (i: number) => (err: Error | null) => void (done[i] = err ? String((err as NodeJS.ErrnoException).code) : 'ok')
            const packets = numbered(5)
            // A lone datagram to the closed port: its ICMP waits on the socket (same turn: libuv has not read it).
            sendDatagrams(p.sender, packets.slice(0, 1), [cb(0)], native())
            // Then 3 equal ones in one GSO message (the kernel refuses it whole) and a last one on its own.
            sendDatagrams(p.sender, packets.slice(1), [cb(1), cb(2), cb(3), cb(4)], native())
            await waitUntil(() => done.filter((d) => d !== undefined).length === 5, 2000, 'every callback')
            assert.deepEqual(done, ['ok', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ok'])
          } finally {
            p.sender.close()
          }
        })

      it('a closed socket fails the callbacks instead of throwing', async () => {
        const p = await connectedPair()
        p.close()
        const errors: (Error | null)[] = []
        sendDatagrams(p.sender, numbered(2), [(e) => errors.push(e), (e) => errors.push(e)], native())
        await waitUntil(() => errors.length === 2, 2000, 'callbacks')
        assert.ok(errors.every((e) => e instanceof Error))
      })
    })
  }

  describe('with a sendmmsg that cannot take everything', { skip: DISABLED || !loadNativeUdp() }, () => {
    /** A sendmmsg that takes `takes[k]` datagrams on its k-th call (a negative errno: fails), then all. */
    const scripted = (takes: number[], writable: boolean, calls: number[] = []): NativeUdp => ({
      maxBatch: 256,
      writable: () => writable,
      sendmmsg: (fd, packets, start, count) => {
        calls.push(start)
        const take = takes.shift()
        if (take === undefined) return real().sendmmsg(fd, packets, start, count)
        return take > 0 ? real().sendmmsg(fd, packets, start, Math.min(take, count)) : take
      },
    })

    const run = async (native: NativeUdp, n: number): Promise<{ got: number[]; done: (string | null)[] }> => {
      const p = await connectedPair()
      try {
        const done: (string | null)[] = new Array<string | null>(n)
        let called = 0
        const cb = (i: number) => (e: Error | null) => {
          called++
          done[i] = e ? String((e as NodeJS.ErrnoException).code) : null
        }
        sendDatagrams(p.sender, numbered(n), range(n).map(cb), native)
        await waitUntil(() => called === n, 3000, 'every callback')
        await new Promise((r) => setTimeout(r, 50)) // stragglers at the sink, if any
        return { got: order(p.got), done }
      } finally {
        p.close()
      }
    }

    it('stopped short by a full buffer (not writable): the rest go through dgram, in order, none lost', async () => {
      const calls: number[] = []
      const { got, done } = await run(scripted([3], false, calls), 6)
      assert.deepEqual(calls, [0])
      assert.deepEqual(got, range(6))
      assert.deepEqual(done, new Array(6).fill(null))
    })

    it('EAGAIN / ENOBUFS on a call: what is left goes through dgram', async () => {
      for (const errno of [constants.errno.EAGAIN, constants.errno.ENOBUFS]) {
        const calls: number[] = []
        const { got, done } = await run(scripted([-errno], true, calls), 6)
        assert.deepEqual(calls, [0])
        assert.deepEqual(got, range(6))
        assert.deepEqual(done, new Array(6).fill(null))
      }
    })

    it('EAGAIN / ENOBUFS for a whole GSO message (its size above the errno): those datagrams go through dgram too', async () => {
      for (const errno of [constants.errno.EAGAIN, constants.errno.ENOBUFS]) {
        const calls: number[] = []
        const { got, done } = await run(scripted([-(errno + ERRNO_SPAN * 3)], true, calls), 6)
        assert.deepEqual(calls, [0])
        assert.deepEqual(got, range(6))
        assert.deepEqual(done, new Array(6).fill(null))
      }
    })

    it('stopped short with room in the buffer: that datagram failed (ERR_UDP_SEND), the next are sent', async () => {
      const calls: number[] = []
      const { got, done } = await run(scripted([3], true, calls), 8)
      assert.deepEqual(calls, [0, 4])
      assert.deepEqual(got, [0, 1, 2, 4, 5, 6, 7])
      assert.deepEqual(done, [null, null, null, 'ERR_UDP_SEND', null, null, null, null])
    })

    it("another errno on a call's first datagram is that datagram's error (code from errno); the next are sent", async () => {
      const calls: number[] = []
      // e.g. EPERM from a firewall rule
      const { got, done } = await run(scripted([-constants.errno.EPERM], true, calls), 5)
      assert.deepEqual(calls, [0, 1])
      assert.deepEqual(got, [1, 2, 3, 4])
      assert.deepEqual(done, ['EPERM', null, null, null, null])
    })

    it('while dgram holds queued datagrams, a new run goes behind them through dgram (no reordering)', async () => {
      const p = await connectedPair()
      try {
        let calls = 0
        const fake: NativeUdp = { maxBatch: 256, writable: () => true, sendmmsg: () => (calls++, 0) }
        const queued = Object.assign(Object.create(p.sender) as dgram.Socket, { getSendQueueCount: () => 1 })
        sendDatagrams(queued, numbered(3), undefined, fake)
        assert.equal(calls, 0)
        await waitUntil(() => p.got.length === 3, 2000, 'the 3 datagrams through dgram')
      } finally {
        p.close()
      }
    })
  })

  describe(`runs of mixed sizes (UDP GSO ${GSO_OFF ? 'off: RTSPKIT_UDP_GSO=0' : 'on'})`, { skip: DISABLED || !loadNativeUdp() }, () => {
    it(`GSO is ${GSO_OFF ? 'off' : 'on'} in this process (status and binding)`, () => {
      const status = nativeUdpStatus()
      assert.ok(status.loaded)
      assert.equal(status.gso, !GSO_OFF, status.gsoReason)
      assert.equal(real().gso, !GSO_OFF)
      if (GSO_OFF) assert.match(status.gsoReason ?? '', /RTSPKIT_UDP_GSO=0/)
    })

    /** Datagrams of these sizes, each filled with its own number (and numbered in its first 4 bytes). */
    const sized = (sizes: readonly number[], base: number): Buffer[] =>
      sizes.map((size, i) => {
        const b = Buffer.alloc(size, (base + i) & 0xff)
        b.writeUInt32BE(base + i, 0)
        return b
      })
    const SHAPES: [string, number[]][] = [
      ['equal sizes and a shorter last (one unit: FU-A fragments and its tail)', [1200, 1200, 1200, 1200, 600]],
      ['a longer datagram breaks a group', [1000, 1000, 1200, 1200, 1200, 400]],
      ['a shorter one ends a group, the next starts one', [800, 800, 500, 800, 800, 900, 900, 100, 7]],
      ['70 equal datagrams: more than 64 segments, two groups', new Array<number>(70).fill(40)],
      ['a single datagram', [500]],
    ]
    for (const [name, sizes] of SHAPES) {
      it(`${name}: exactly those datagrams arrive, in order, byte for byte, in one system call`, async () => {
        const p = await connectedPair()
        try {
          let calls = 0
          const counting: NativeUdp = {
            ...real(),
            sendmmsg: (fd, packets, start, count, gso) => (calls++, real().sendmmsg(fd, packets, start, count, gso)),
          }
          const packets = sized(sizes, 1)
          const done: (Error | null)[] = []
          sendDatagrams(
            p.sender,
            packets,
            packets.map(() => (err: Error | null) => void done.push(err)),
            counting,
          )
          assert.equal(calls, 1)
          await waitUntil(() => p.got.length >= packets.length, 3000, `${packets.length} datagrams at the sink`)
          await new Promise((r) => setTimeout(r, 20)) // nothing more (a group sent as one datagram would be fewer, longer)
          assert.equal(p.got.length, packets.length)
          p.got.forEach((b, i) => assert.ok(b.equals(packets[i]!), `datagram ${i}: ${b.length} B, sent ${packets[i]!.length} B`))
          assert.deepEqual(done, new Array(packets.length).fill(null))
        } finally {
          p.close()
        }
      })
    }

    it('several runs back to back on one socket arrive in order', async () => {
      const p = await connectedPair()
      try {
        const runs = [sized([300, 300, 300, 100], 0), sized([300, 300], 4), sized([50], 6), sized([300, 300, 300], 7)]
        for (const run of runs) sendDatagrams(p.sender, run, undefined, real())
        await waitUntil(() => p.got.length >= 10, 3000, 'the 10 datagrams')
        assert.deepEqual(order(p.got), range(10))
        assert.deepEqual(
          p.got.map((b) => b.length),
          runs.flat().map((b) => b.length),
        )
      } finally {
        p.close()
      }
    })

    it('and all of it again with RTSPKIT_UDP_GSO=0 (a child process: sendmmsg without GSO)', { skip: CHILD || GSO_OFF }, async () => {
      const { code, out } = await runTestFileAgain(fileURLToPath(import.meta.url), {
        RTSPKIT_UDP_GSO: '0',
        RTSPKIT_NATIVE_UDP_TEST_CHILD: '1',
      })
      assert.equal(code, 0, out)
      assert.match(out, /# fail 0\n/)
      assert.match(out, /ok \d+ - GSO is off in this process/)
    })
  })

  describe('DatagramBatcher (one run per socket per turn)', { skip: DISABLED || !loadNativeUdp() }, () => {
    it("sends a turn's datagrams in one microtask, in order; callbacks after they left; flush() sends at once", async () => {
      const p = await connectedPair()
      try {
        let calls = 0
        const counting: NativeUdp = {
          maxBatch: 256,
          writable: (fd) => real().writable(fd),
          sendmmsg: (fd, packets, start, count) => (calls++, real().sendmmsg(fd, packets, start, count)),
        }
        const batch = new DatagramBatcher(p.sender, counting)
        batch.markConnected()
        const packets = numbered(8)
        const done: number[] = []
        for (let i = 0; i < 5; i++) batch.send(packets[i]!, i === 4 ? () => done.push(4) : undefined)
        assert.equal(calls, 0, 'nothing sent synchronously')
        await Promise.resolve()
        assert.equal(calls, 1, 'one system call for the turn')
        assert.deepEqual(done, [4])
        // The sink reads before more come (see numbered()).
        await waitUntil(() => p.got.length === 5, 2000, 'the first 5')
        for (let i = 5; i < 8; i++) batch.send(packets[i]!, undefined)
        batch.flush()
        assert.equal(calls, 2)
        await waitUntil(() => p.got.length === 8, 2000, 'all 8')
        assert.deepEqual(order(p.got), range(8))
      } finally {
        p.close()
      }
    })

    it('the fd of a closed socket is -1 (never a stale descriptor)', async () => {
      const p = await connectedPair()
      const fd = fdReader(p.sender)
      assert.ok(fd() >= 0)
      p.close()
      assert.equal(fd(), -1)
    })
  })
})
