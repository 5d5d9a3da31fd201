/** Plumbing of the RTMP interop tests: our RTSP server with its RTMP, HLS and WebRTC rooms on loopback, and long-running peers. */
import { spawn, type ChildProcess } from 'node:child_process'
import { HlsServer } from '../../src/hls/hls-server.js'
import type { Logger } from '../../src/log/logger.js'
import { RtmpServer, type RtmpServerOptions } from '../../src/rtmp/rtmp-server.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { WebRtcServer } from '../../src/webrtc/webrtc-server.js'
import { avClipArgs, mp4File } from './harness.js'

export interface RtmpRooms {
  rtsp: RtspServer
  rtmp: RtmpServer
  hls: HlsServer
  webrtc: WebRtcServer
  stop(): Promise<void>
}

/** Every room on OS-chosen ports; `setup` adds paths before the RTSP server starts. */
export async function startRooms(
  setup: (rtsp: RtspServer) => void,
  rtmpOpts: Partial<RtmpServerOptions> = {},
  logger?: Logger,
): Promise<RtmpRooms> {
  const rtsp = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', ...(logger ? { logger } : {}) })
  setup(rtsp)
  await rtsp.start()
  const rtmp = new RtmpServer({ server: rtsp, port: 0, host: '127.0.0.1', ...(logger ? { logger } : {}), ...rtmpOpts })
  await rtmp.start()
  const hls = new HlsServer({ server: rtsp, host: '127.0.0.1', port: 0 })
  await hls.start()
  const webrtc = new WebRtcServer({ server: rtsp, port: 0, host: '127.0.0.1', additionalHosts: ['127.0.0.1'] })
  await webrtc.start()
  return {
    rtsp,
    rtmp,
    hls,
    webrtc,
    async stop() {
      await webrtc.close()
      await hls.close()
      await rtmp.close()
      await rtsp.stop()
    },
  }
}

export interface Peer {
  child: ChildProcess
  stderr(): string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  stop(): Promise<number | null>
}

/** A long-running peer (a publisher); stop() sends SIGINT, then SIGKILL after 3 s. */
export function startPeer(cmd: string, args: string[]): Peer {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    child,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT')
        const t = setTimeout(() => child.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(t)
      }
      return exited
    },
  }
}

/** ffmpeg publishes `file` over RTMP at its own pace, looping, streams copied. */
export function ffmpegRtmpPublish(file: string, url: string): Peer {
  return startPeer('ffmpeg', ['-hide_banner', '-v', 'error', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', url])
}

/** H.264 without B-frames (1 s GOP) + AAC 48 kHz stereo in MP4, 4 s: what browsers decode over WebRTC too. */
export function h264AacNoBMp4(): Promise<string> {
  return mp4File('testsrc-320x240-25fps-4s-bf0-aac.mp4', avClipArgs(0, ['-c:a', 'aac', '-ac', '2'], 4))
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
