/**
 * The H.265 half of a server track (RFC 7798): learns VPS/SPS/PPS from what is pushed, repeats them
 * before IRAP pictures, packetizes, and describes itself in SDP:
 *
 *   a=rtpmap:PT H265/90000
 *   a=fmtp:PT sprop-vps=…;sprop-sps=…;sprop-pps=…;profile-id=…;tier-flag=…;level-id=…
 *   a=framesize:PT W-H            (when the SPS is known; read by some players, as for H.264)
 */
import { splitAnnexB } from '../../codecs/h264/annexb.js'
import { h265Fmtp } from '../../codecs/h265/format.js'
import { H265Packetizer } from '../../codecs/h265/packetizer.js'
import { H265ParameterTracker } from '../../codecs/h265/parameter-tracker.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import type { MediaTrack, PreparedFrame } from './media-track.js'

const DEFAULT_PAYLOAD_TYPE = 96
const CLOCK_RATE = 90000

export interface H265TrackOptions {
  payloadType?: number | undefined
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  /** Parameter sets known up front; otherwise they are learned from the stream. */
  vps?: Uint8Array | undefined
  sps?: Uint8Array | undefined
  pps?: Uint8Array | undefined
}

/** Accepts an access unit as Annex-B bytes or as an array of NAL units (without start codes). */
function toNalus(data: Buffer | readonly Buffer[]): Buffer[] {
  return Buffer.isBuffer(data) ? splitAnnexB(data) : [...data]
}

export class H265Track implements MediaTrack {
  readonly kind = 'video'
  readonly codec = 'H265'
  readonly clockRate = CLOCK_RATE
  readonly payloadType: number
  private readonly packetizer: H265Packetizer
  private readonly params: H265ParameterTracker

  constructor(opts: H265TrackOptions) {
    this.payloadType = opts.payloadType ?? DEFAULT_PAYLOAD_TYPE
    this.packetizer = new H265Packetizer({
      payloadType: this.payloadType,
      ssrc: opts.ssrc,
      initialSequence: opts.initialSequence,
      ...(opts.maxPacketSize !== undefined ? { maxPacketSize: opts.maxPacketSize } : {}),
    })
    this.params = new H265ParameterTracker({ vps: opts.vps, sps: opts.sps, pps: opts.pps })
  }

  get ssrc(): number {
    return this.packetizer.ssrc
  }
  get nextSequence(): number {
    return this.packetizer.nextSequence
  }
  get ready(): boolean {
    return this.params.vps !== undefined && this.params.sps !== undefined && this.params.pps !== undefined
  }

  sdpAttributes(): SdpAttribute[] {
    const attrs: SdpAttribute[] = [{ key: 'rtpmap', value: `${this.payloadType} H265/${CLOCK_RATE}` }]
    const fmtp = h265Fmtp({ vps: this.params.vps, sps: this.params.sps, pps: this.params.pps })
    if (fmtp) attrs.push({ key: 'fmtp', value: `${this.payloadType} ${fmtp}` })
    const info = this.params.spsInfo
    if (info) attrs.push({ key: 'framesize', value: `${this.payloadType} ${info.width}-${info.height}` })
    return attrs
  }

  prepare(data: Buffer | readonly Buffer[]): PreparedFrame {
    const au = this.params.process(toNalus(data))
    return { payload: au.nalus, keyframe: au.keyframe }
  }

  packetize(payload: Buffer | readonly Buffer[], rtpTimestamp: number): Buffer[] {
    const nalus = Buffer.isBuffer(payload) ? [payload] : payload
    return nalus.length ? this.packetizer.packetize(nalus, rtpTimestamp) : []
  }
}
