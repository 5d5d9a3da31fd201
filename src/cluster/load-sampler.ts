/**
 * A node's load for the cluster: readers now, media bytes sent per second and the process's CPU
 * (percent of one core) since the previous sample — sampled at each lease refresh.
 */
import type { RtspServer } from '../server/rtsp-server.js'
import type { NodeLoad } from './cluster-info.js'

export class LoadSampler {
  private lastAt = performance.now()
  private lastBytes = 0
  private lastCpu = process.cpuUsage()
  private rates = { bytesOutPerSec: 0, cpuPercent: 0 }

  /** Takes a sample: rates over the time since the previous one. */
  sample(server: RtspServer): NodeLoad {
    const now = performance.now()
    const bytes = bytesOut(server)
    const cpu = process.cpuUsage()
    const elapsedMs = now - this.lastAt
    if (elapsedMs > 0) {
      this.rates = {
        bytesOutPerSec: Math.max(0, Math.round(((bytes - this.lastBytes) * 1000) / elapsedMs)),
        cpuPercent: Math.round(((cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1000 / elapsedMs) * 1000) / 10,
      }
    }
    this.lastAt = now
    this.lastBytes = bytes
    this.lastCpu = cpu
    return this.current(server)
  }

  /** Readers now, rates of the last sample. */
  current(server: RtspServer): NodeLoad {
    // WebRTC and HLS readers are outputs of the stream too: counted in its readers.
    const readers = server.stats().streams.reduce((n, s) => n + s.readers, 0)
    return { readers, ...this.rates }
  }
}

function bytesOut(server: RtspServer): number {
  let n = 0
  for (const s of server.stats().streams) for (const t of s.tracks) n += t.bytesOut
  return n
}
