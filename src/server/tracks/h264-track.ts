import { splitAnnexB } from '../../codecs/h264/annexb.js'
import { h264Fmtp } from '../../codecs/h264/format.js'
import { H264Packetizer } from '../../codecs/h264/packetizer.js'
import { H264ParameterTracker } from '../../codecs/h264/parameter-tracker.js'
import type { SdpAttribute } from '../../sdp/sdp.js'
import type { MediaTrack, PreparedFrame } from './media-track.js'

export interface H264TrackOptions {
  payloadType?: number
  ssrc: number
  initialSequence: number
  maxPacketSize?: number
  /** Parameter sets known up front; otherwise they are learned from the stream. */
  sps?: Buffer
  pps?: Buffer
}

/** Accepts an access unit as Annex-B bytes or as an array of NAL units (without start codes). */
function toNalus(data: Buffer | readonly Buffer[]): Buffer[] {
  return Buffer.isBuffer(data) ? splitAnnexB(data) : [...data]
}

export class H264Track implements MediaTrack {
  readonly kind = 'video'
  readonly codec = 'H264'
  readonly clockRate = 90000
  readonly payloadType: number
  private readonly packetizer: H264Packetizer
  private readonly params: H264ParameterTracker

  constructor(opts: H264TrackOptions) {
    this.payloadType = opts.payloadType ?? 96
    this.packetizer = new H264Packetizer({
      payloadType: this.payloadType,
      ssrc: opts.ssrc,
      initialSequence: opts.initialSequence,
      maxPacketSize: opts.maxPacketSize,
    })
    this.params = new H264ParameterTracker({ sps: opts.sps, pps: opts.pps })
  }

  get ssrc(): number {
    return this.packetizer.ssrc
  }
  get nextSequence(): number {
    return this.packetizer.nextSequence
  }
  get ready(): boolean {
    return this.params.sps !== undefined && this.params.pps !== undefined
  }

  sdpAttributes(): SdpAttribute[] {
    const attrs: SdpAttribute[] = [
      { key: 'rtpmap', value: `${this.payloadType} H264/90000` },
      { key: 'fmtp', value: `${this.payloadType} ${h264Fmtp({ sps: this.params.sps, pps: this.params.pps })}` },
    ]
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
