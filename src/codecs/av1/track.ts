import type { CodecPacketizer } from '../codec.js'
import { tolerant } from '../format-helpers.js'
import { FrameVideoTrack, type FrameInspection } from '../frame-video-track.js'
import type { MediaTrack } from '../media-track.js'
import { av1Fmtp, AV1_ENCODING_NAME } from './format.js'
import { isAv1KeyTemporalUnit, OBU_SEQUENCE_HEADER, splitObus } from './obu.js'
import { Av1Packetizer } from './packetizer.js'
import { parseAv1SequenceHeader, type Av1SequenceHeader } from './sequence-header.js'

export interface Av1TrackOptions {
  ssrc: number
  initialSequence: number
  maxPacketSize?: number | undefined
  payloadType?: number | undefined
  width?: number | undefined
  height?: number | undefined
}

/**
 * AV1 over RTP: frames are temporal units in the low-overhead format. The sequence header gives the
 * size (its maximum frame size) and the profile, level and tier the SDP states.
 */
export class Av1Track extends FrameVideoTrack implements MediaTrack {
  readonly codec = AV1_ENCODING_NAME
  protected readonly packetizer: CodecPacketizer
  private sequence: Av1SequenceHeader | undefined

  constructor(opts: Av1TrackOptions) {
    super(opts)
    this.packetizer = new Av1Packetizer(opts)
  }

  protected inspect(frame: Buffer): FrameInspection {
    const obus = tolerant(() => splitObus(frame))
    if (!obus) return { keyframe: false }
    const seq = obus.find((o) => o.type === OBU_SEQUENCE_HEADER)
    const header = seq && tolerant(() => parseAv1SequenceHeader(seq.payload))
    if (header) this.sequence = header
    return { keyframe: isAv1KeyTemporalUnit(obus), width: header?.maxWidth, height: header?.maxHeight }
  }

  protected override fmtp(): string | undefined {
    return this.sequence && av1Fmtp(this.sequence)
  }
}
