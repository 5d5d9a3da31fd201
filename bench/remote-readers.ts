/**
 * TCP load readers spread over child processes (`BENCH_READER_PROCS`, bench/run.ts): 1,000 TCP readers
 * read 500 MB/s between them, which took one Node process 91–93 % of a core, the bench's own limit.
 * Each child runs this file with `host`: it starts its share of bench/load-client.ts readers and answers
 * the parent's requests for their counters over the IPC channel. The parent sees each remote reader
 * through a `BenchReader` whose values are those of the last `refresh()`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { StateError } from '../src/errors.js'
import { LoadReader, UdpPortAllocator, type ReaderSnapshot } from './load-client.js'
import { startReaders } from './reader-pool.js'

/** What bench/run.ts reads of a reader, in this process or another. */
export interface BenchReader {
  readonly error: string | undefined
  readonly tracks: readonly unknown[]
  readonly receiving: boolean
  readonly firstPacketMs: number | undefined
  readonly firstIdrMs: number | undefined
  readonly rcvbufGranted: number
  snapshot(): ReaderSnapshot
  close(): Promise<void>
}

/** A reader's values as a child reports them. */
interface ReaderState {
  error: string | undefined
  tracks: number
  receiving: boolean
  firstPacketMs: number | undefined
  firstIdrMs: number | undefined
  snapshot: ReaderSnapshot
}

type ToHost = { kind: 'start'; url: string; count: number } | { kind: 'report' } | { kind: 'close' }
type FromHost =
  { kind: 'started'; errors: string[]; readers: ReaderState[] } | { kind: 'report'; readers: ReaderState[] } | { kind: 'closed' }

const EMPTY: ReaderSnapshot = { packets: 0, bytes: 0, expected: 0, malformed: 0 }

class RemoteReader implements BenchReader {
  constructor(
    private state: ReaderState,
    private readonly pool: RemoteReaders,
  ) {}

  update(state: ReaderState): void {
    this.state = state
  }

  get error(): string | undefined {
    return this.state.error
  }
  get tracks(): readonly unknown[] {
    return new Array<unknown>(this.state.tracks)
  }
  get receiving(): boolean {
    return this.state.receiving
  }
  get firstPacketMs(): number | undefined {
    return this.state.firstPacketMs
  }
  get firstIdrMs(): number | undefined {
    return this.state.firstIdrMs
  }
  readonly rcvbufGranted = 0
  snapshot(): ReaderSnapshot {
    return this.state.snapshot
  }
  /** Closing one closes its process's readers with it (the bench closes all of them at once). */
  close(): Promise<void> {
    return this.pool.close()
  }
}

/** A reader process: `exited` rejects once it is gone, so a request to it never waits forever. */
interface Child {
  child: ChildProcess
  exited: Promise<never>
  readers: RemoteReader[]
}

/** TCP readers in `processes` child processes. */
export class RemoteReaders {
  private readonly children: Child[] = []
  private closing: Promise<void> | undefined

  constructor(private readonly processes: number) {}

  /** The children's pids, so their CPU time can be counted as the load's. */
  get pids(): number[] {
    return this.children.map((c) => c.child.pid ?? 0).filter((pid) => pid > 0)
  }

  /** Starts `count` TCP readers of `url`, shared out among the processes; their start errors go to `errors`. */
  async start(url: string, count: number, errors: string[]): Promise<BenchReader[]> {
    const shares = Array.from(
      { length: this.processes },
      (_, i) => Math.floor(count / this.processes) + (i < count % this.processes ? 1 : 0),
    )
    const started = await Promise.all(
      shares
        .filter((n) => n > 0)
        .map(async (n) => {
          const child = fork(fileURLToPath(import.meta.url), ['host'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
          const exited = once(child, 'exit').then((): never => {
            throw new StateError('ERR_BENCH_READER_HOST', 'a reader process exited')
          })
          exited.catch(() => {}) // awaited only through ask()
          const entry: Child = { child, exited, readers: [] }
          this.children.push(entry)
          const reply = await this.ask(entry, { kind: 'start', url, count: n })
          if (reply.kind !== 'started') throw new StateError('ERR_BENCH_READER_HOST', `reader process answered ${reply.kind} to start`)
          errors.push(...reply.errors)
          entry.readers = reply.readers.map((s) => new RemoteReader(s, this))
          return entry.readers
        }),
    )
    return started.flat()
  }

  /** Brings every remote reader's values up to date. */
  async refresh(): Promise<void> {
    await Promise.all(
      this.children.map(async (entry) => {
        const reply = await this.ask(entry, { kind: 'report' })
        const readers = entry.readers
        if (reply.kind === 'report') reply.readers.forEach((s, i) => readers[i]?.update(s))
      }),
    )
  }

  /** TEARDOWN every reader and end the processes. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all(
      this.children.map(async (entry) => {
        const child = entry.child
        if (child.exitCode !== null || !child.connected) return
        await this.ask(entry, { kind: 'close' }).catch(() => {})
        child.kill()
      }),
    ).then(() => {})
    return this.closing
  }

  private async ask({ child, exited }: Child, message: ToHost): Promise<FromHost> {
    const reply = once(child, 'message') as Promise<[FromHost]>
    child.send(message)
    return (await Promise.race([reply, exited]))[0]
  }
}

// ---------------------------------------------------------------------------------------------
// The child: runs its share of readers.

function stateOf(r: LoadReader): ReaderState {
  return {
    error: r.error,
    tracks: r.tracks.length,
    receiving: r.receiving,
    firstPacketMs: r.firstPacketMs,
    firstIdrMs: r.firstIdrMs,
    snapshot: r.tracks.length > 0 ? r.snapshot() : EMPTY,
  }
}

function host(): void {
  let readers: LoadReader[] = []
  const send = (m: FromHost): void => void process.send?.(m)
  process.on('message', (m: ToHost) => {
    if (m.kind === 'start') {
      const errors: string[] = []
      // Only TCP readers come here: the allocator hands out no UDP ports.
      void startReaders(m.url, 'tcp', m.count, new UdpPortAllocator(0, '127.0.0.1'), new Set(), errors).then((rs) => {
        readers = rs
        send({ kind: 'started', errors, readers: rs.map(stateOf) })
      })
    } else if (m.kind === 'report') send({ kind: 'report', readers: readers.map(stateOf) })
    else
      void Promise.all(readers.map((r) => r.close())).then(() => {
        send({ kind: 'closed' })
        process.disconnect()
      })
  })
  process.on('disconnect', () => process.exit(0))
}

if (process.argv[2] === 'host' && import.meta.url === `file://${process.argv[1]}`) host()
