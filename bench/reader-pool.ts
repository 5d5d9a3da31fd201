/**
 * Many load readers of one URL, set up a few at a time (bench/run.ts, bench/under-attack.ts).
 */
import { LoadReader, type BenchTransport } from './load-client.js'
import type { UdpReceiver } from './udp-receiver.js'

/** Readers set up this many at a time: steady fan-out, not a connection storm (gst-rtsp-server's backlog is 5). */
export const READER_SETUP_CONCURRENCY = 5
/** Once the server refused or ignored this many sessions, the rest would only wait for timeouts. */
const MAX_FAILED_STARTS = 5

/**
 * Starts `n` readers of `url`, a few at a time; each is added to `track` before it starts (so a Ctrl+C
 * closes it) and every failed start is pushed to `errors`. Returns them all, playing or not.
 */
export async function startReaders(
  url: string,
  transport: BenchTransport,
  n: number,
  ports: UdpReceiver,
  track: { add(reader: LoadReader): unknown },
  errors: string[],
): Promise<LoadReader[]> {
  const readers: LoadReader[] = []
  let next = 0
  let failedStarts = 0
  const worker = async () => {
    while (next < n && failedStarts < MAX_FAILED_STARTS) {
      next++
      const reader = new LoadReader({ url, transport, ports })
      track.add(reader)
      readers.push(reader)
      await reader.start().catch((err: Error) => {
        failedStarts++
        errors.push(`start: ${err.message}`)
      })
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, READER_SETUP_CONCURRENCY) }, worker))
  return readers
}
