/** Shared set-up of the WebRTC interop tests: our servers on loopback and a headless Chromium allowed to use it. */
import { chromium, type Browser, type Page } from 'playwright-core'
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

export interface PublishResult {
  status: number
  location: string | null
  body: string
  h264: boolean
}

/** Publishes a 320x240 canvas at 25 fps through WHIP; resolves with the POST's outcome. */
export function publishCanvas(page: Page, url: string, codec?: string): Promise<PublishResult> {
  // Browser code as text: the tests are compiled without the DOM library.
  return page.evaluate<PublishResult>(`(${PUBLISH_CANVAS})(${JSON.stringify(url)}, ${JSON.stringify(codec ?? null)})`)
}

const PUBLISH_CANVAS = `async (whip, only) => {
  const canvas = document.createElement('canvas')
  canvas.width = 320
  canvas.height = 240
  document.body.appendChild(canvas)
  const ctx = canvas.getContext('2d')
  let n = 0
  setInterval(() => {
    ctx.fillStyle = 'hsl(' + ((n * 7) % 360) + ',80%,50%)'
    ctx.fillRect(0, 0, 320, 240)
    ctx.fillStyle = '#fff'
    ctx.font = '48px sans-serif'
    ctx.fillText(String(n++), 20, 140)
  }, 40)
  const stream = canvas.captureStream(25)
  const pc = new RTCPeerConnection()
  globalThis.pc = pc
  const tr = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' })
  if (only) tr.setCodecPreferences(RTCRtpSender.getCapabilities('video').codecs.filter((c) => c.mimeType === only))
  const offer = await pc.createOffer()
  await pc.setLocalDescription(offer)
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve()
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve()
    setTimeout(resolve, 2000)
  })
  const res = await fetch(whip, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp })
  const body = await res.text()
  if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: body })
  const h264 = (RTCRtpSender.getCapabilities('video')?.codecs ?? []).some((c) => c.mimeType === 'video/H264')
  return { status: res.status, location: res.headers.get('Location'), body, h264 }
}`

/** A WebRTC-shaped offer with only the given video codecs. */
export function offerWith(rtpmaps: string[], direction = 'recvonly'): string {
  const pts = rtpmaps.map((_, i) => 96 + i)
  return [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    `m=video 9 UDP/TLS/RTP/SAVPF ${pts.join(' ')}`,
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    'a=setup:actpass',
    `a=${direction}`,
    'a=rtcp-mux',
    ...rtpmaps.map((r, i) => `a=rtpmap:${pts[i]} ${r}`),
    '',
  ].join('\r\n')
}
