/**
 * werift's side of a session: a peer connection configured from the `webrtc:` settings, given the
 * narrowed offer, answering with every candidate gathered (WHIP/WHEP answers are not trickled by the
 * server: RFC 9725 section 4.3.1 lets the client trickle, the server answers once).
 */
import { RTCPeerConnection, RTCRtpCodecParameters, type RTCIceServer, type RTCRtpTransceiver } from 'werift'
import type { OfferedCodec } from './offer.js'

export interface IceSettings {
  /** Extra host candidate addresses (IP literals; host names are resolved by the server before). */
  additionalHosts: string[]
  /** UDP ports ICE sockets take ports from; undefined: ephemeral ports. */
  portRange?: [number, number]
  iceServers: RTCIceServer[]
}

/** How long gathering may take before the answer goes out with what it has (STUN servers can be slow). */
const GATHER_TIMEOUT_MS = 3000

/** The codecs werift must know so it keeps the payload types of the narrowed offer (werift matches by MIME type). */
export interface ChosenCodecs {
  video: OfferedCodec[]
  audio: OfferedCodec[]
}

function codecParameters(kind: 'video' | 'audio', c: OfferedCodec): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: `${kind}/${c.encodingName}`,
    clockRate: c.clockRate,
    payloadType: c.payloadType,
    ...(c.channels !== undefined ? { channels: c.channels } : {}),
    ...(c.fmtpText !== '' ? { parameters: c.fmtpText } : {}),
    rtcpFeedback: kind === 'video' ? [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] : [],
  })
}

export function createPeer(ice: IceSettings, codecs: ChosenCodecs): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: {
      video: codecs.video.map((c) => codecParameters('video', c)),
      audio: codecs.audio.map((c) => codecParameters('audio', c)),
    },
    iceServers: ice.iceServers,
    iceAdditionalHostAddresses: ice.additionalHosts.length > 0 ? ice.additionalHosts : undefined,
    icePortRange: ice.portRange,
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
  })
}

/**
 * Applies the (narrowed) offer, sets each transceiver's direction by its m= index (`directions`;
 * unlisted ones inactive) and returns the answer SDP with the gathered candidates.
 */
export async function answer(
  pc: RTCPeerConnection,
  offerSdp: string,
  directions: ReadonlyMap<number, 'sendonly' | 'recvonly'>,
): Promise<{ sdp: string; transceivers: Map<number, RTCRtpTransceiver> }> {
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
  const transceivers = new Map<number, RTCRtpTransceiver>()
  for (const t of pc.getTransceivers()) {
    const index = t.mLineIndex
    const d = index !== undefined ? directions.get(index) : undefined
    t.setDirection(d ?? 'inactive')
    if (index !== undefined && d) transceivers.set(index, t)
  }
  const local = await pc.createAnswer()
  await pc.setLocalDescription(local)
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, GATHER_TIMEOUT_MS)
      const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') done()
      })
      function done(): void {
        clearTimeout(timer)
        unSubscribe()
        resolve()
      }
    })
  }
  return { sdp: pc.localDescription?.sdp ?? local.sdp, transceivers }
}

/** Parses an ICE server URL of the `webrtc.iceServers` list: `stun:host:port`, or `turn(s):USER:PASS@host:port[?transport=udp|tcp]`. */
export function iceServerOf(url: string): RTCIceServer {
  const m = /^(turns?):([^:@]*):([^@]*)@(.+)$/.exec(url)
  if (m) return { urls: `${m[1]}:${m[4]}`, username: decodeURIComponent(m[2]!), credential: decodeURIComponent(m[3]!) }
  return { urls: url }
}
