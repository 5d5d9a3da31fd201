/** Test-only helpers for H.265: libx265 clips made by ffmpeg, and peers (ffmpeg, GStreamer) sending RTP. */
import { spawn, spawnSync } from 'node:child_process'
import dgram from 'node:dgram'
import { join } from 'node:path'

export { TestBitWriter, addEmulationPrevention, ffmpegDecodeErrors, ffprobeFrameCount, tempDir } from '../h264/fixtures.js'

export interface H265ClipOptions {
  size?: string
  rate?: number | string
  frames: number
  /** Extra x265 parameters, appended to log-level=error (e.g. `keyint=25`). */
  x265?: string
  /** Extra ffmpeg output options (e.g. `-pix_fmt yuv444p`). */
  args?: readonly string[]
}

/** Encodes the lavfi testsrc2 card with libx265 into a raw Annex-B file; returns its path. */
export function makeH265Clip(dir: string, name: string, opts: H265ClipOptions): string {
  const out = join(dir, name)
  const x265 = ['log-level=error', ...(opts.x265 ? [opts.x265] : [])].join(':')
  const r = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${opts.size ?? '320x240'}:rate=${opts.rate ?? 25}`,
      '-frames:v',
      String(opts.frames),
      '-c:v',
      'libx265',
      '-x265-params',
      x265,
      ...(opts.args ?? []),
      '-f',
      'hevc',
      out,
    ],
    { encoding: 'utf8' },
  )
  if (r.error) throw r.error
  if (r.status !== 0) throw new TypeError(`ffmpeg exited with ${r.status}: ${r.stderr}`)
  return out
}

export interface CapturedRun {
  packets: Buffer[]
  /** Datagrams received on the RTCP socket (ffmpeg sends sender reports there). */
  rtcpPackets: number
  code: number | null
  stdout: string
  stderr: string
}

function bindLoopback(onMessage: (m: Buffer) => void): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 })
    sock.on('message', onMessage)
    sock.once('error', reject)
    sock.bind(0, '127.0.0.1', () => resolve(sock))
  })
}

/**
 * Binds two UDP sockets on 127.0.0.1 (port 0: the system picks free ones) for RTP and RTCP, runs the
 * sender made by `command(rtpPort, rtcpPort)` to completion and returns every RTP datagram received.
 * The RTCP socket exists so a sender's reports go to a port we own rather than to RTP port + 1. The
 * socket buffers are enlarged so a burst is not dropped; the sockets close a moment after the sender
 * exits, to drain the last packets.
 */
export async function captureRtp(
  command: (rtpPort: number, rtcpPort: number) => [string, string[]],
  timeoutMs = 30_000,
): Promise<CapturedRun> {
  const packets: Buffer[] = []
  let rtcpPackets = 0
  const rtp = await bindLoopback((m) => packets.push(Buffer.from(m)))
  const rtcp = await bindLoopback(() => {
    rtcpPackets++
  })
  const [cmd, args] = command(rtp.address().port, rtcp.address().port)
  try {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      child.on('close', (code) => {
        clearTimeout(timer)
        setTimeout(() => resolve({ code, stdout, stderr }), 200)
      })
    })
    return { packets, rtcpPackets, ...result }
  } finally {
    rtp.close()
    rtcp.close()
  }
}
