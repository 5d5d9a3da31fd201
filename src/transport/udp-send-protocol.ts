/**
 * Messages between the main thread and the UDP send workers (udp-send-workers.ts, udp-send-worker.ts).
 * A batch carries every RTP datagram the main thread handed to one worker during one turn of its event
 * loop: each distinct packet once, copied into one transferred buffer, and the (link, packet) pairs to
 * send — so a unit fanned out to 200 readers crosses the thread boundary once, not 200 times.
 */

export interface OpenMessage {
  t: 'open'
  id: number
  family: 'udp4' | 'udp6'
  host: string
  rtpPort: number
  rtcpPort: number
  range: { min: number; max: number } | undefined
  hint: number
}

export interface BatchMessage {
  t: 'batch'
  seq: number
  /** Distinct packets back to back; packet i is data[offsets[i], offsets[i + 1]). */
  data: ArrayBuffer
  offsets: Uint32Array
  /** Pairs (link id, packet index), in send order. */
  sends: Uint32Array
}

export type ToWorker =
  | OpenMessage
  | BatchMessage
  | { t: 'rtcp'; id: number; data: Uint8Array }
  | { t: 'close'; id: number }
  /** Tests only: keep the worker's thread busy for `ms`, as a worker starved of CPU would be. */
  | { t: 'stall'; ms: number }

export type FromWorker =
  | { t: 'opened'; id: number; rtpPort: number; rtcpPort: number }
  | { t: 'openFailed'; id: number; message: string }
  /** Batch `seq` was handed to the kernel; `errors`: links whose sends failed since the last ack. */
  | { t: 'ack'; seq: number; errors: number[] }
  | { t: 'rtcp'; id: number; data: Uint8Array }
