/** Shared set-up of the WebRTC interop tests: our servers on loopback and a headless Chromium allowed to use it. */
import { chromium, type Browser } from 'playwright-core'
import { RtspServer, type RtspServerOptions } from '../../src/server/rtsp-server.js'
import { WebRtcServer, type WebRtcServerOptions } from '../../src/webrtc/webrtc-server.js'
import { CHROMIUM } from '../view/chromium.js'

export function launchWebRtcChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--autoplay-policy=no-user-gesture-required',
      '--use-fake-ui-for-media-stream',
    ],
    timeout: 15_000,
  })
}

export interface WebRtcPair {
  rtsp: RtspServer
  webrtc: WebRtcServer
  stop(): Promise<void>
}

/** An RTSP server and its WebRTC room on 127.0.0.1, both on OS-chosen ports. */
export async function startPair(
  rtspOpts: RtspServerOptions = {},
  webrtcOpts: Partial<WebRtcServerOptions> = {},
  /** Adds paths; may return what stops their sources. */
  setup?: (rtsp: RtspServer) => void | (() => void),
): Promise<WebRtcPair> {
  const rtsp = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', ...rtspOpts })
  const cleanup = setup?.(rtsp)
  await rtsp.start()
  const webrtc = new WebRtcServer({ server: rtsp, port: 0, host: '127.0.0.1', additionalHosts: ['127.0.0.1'], ...webrtcOpts })
  await webrtc.start()
  return {
    rtsp,
    webrtc,
    async stop() {
      if (cleanup) cleanup()
      await webrtc.close()
      await rtsp.stop()
    },
  }
}

export interface PlayerState {
  state: string
  frames: number
  width: number
  height: number
  firstFrameMs?: number
  answerMs?: number
  connectedMs?: number
  audio: string
  error: string
}
