/**
 * Whole JPEG images as RTP payloads, without the RFC 2435 header: how the classic RTSP/RTP teaching
 * project (Kurose & Ross, ServerWorker.makeRtp) sends Motion JPEG. Payload type 26, a 12-byte RTP
 * header, then the JPEG from SOI to EOI in one datagram; marker 0, sequence number = frame number,
 * timestamp = Unix time in seconds, SSRC 0. Some forks cut a frame into several packets (one sequence
 * number each, marker on the last).
 *
 * Told apart from RFC 2435 by the first two payload bytes: FF D8 (SOI). As an RFC 2435 main header
 * (section 3.1) that would be Type-specific 255 with a fragment offset of at least 0xD80000 (14 MiB),
 * past any frame a receiver accepts, so no real RFC 2435 packet looks like this.
 *
 * A packet starting with SOI begins a frame (an unfinished one before it is dropped and counted); the
 * frame is complete at the marker bit or when the data ends with EOI (FF D9), whichever comes first.
 * A continuation must follow the previous packet's sequence number, or the frame is dropped.
 * Input packets are never modified nor retained.
 */
import { ConfigError, LimitError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import { JPEG_DEFAULT_MAX_FRAME_SIZE, JPEG_MAX_SCAN_SIZE } from './limits.js'
import { EOI, MARKER_PREFIX, SOI } from './markers.js'

const SEQ_MASK = 0xffff

/** True when an RTP/JPEG payload is the start of a whole JPEG (SOI) rather than an RFC 2435 header. */
export function isWholeJpegStart(payload: Uint8Array): boolean {
  return payload.length >= 2 && payload[0] === MARKER_PREFIX && payload[1] === SOI
}

function endsWithEoi(b: Buffer): boolean {
  return b.length >= 2 && b[b.length - 2] === MARKER_PREFIX && b[b.length - 1] === EOI
}

export class WholeJpegAssembler {
  readonly maxFrameSize: number
  /** Frames dropped: cut short by a new SOI or a gap in sequence numbers. */
  framesDropped = 0
  private parts: Buffer[] = []
  private bytes = 0
  private lastSeq = 0

  constructor(opts: { maxFrameSize?: number } = {}) {
    const max = opts.maxFrameSize ?? JPEG_DEFAULT_MAX_FRAME_SIZE
    if (!Number.isInteger(max) || max < 1 || max > JPEG_MAX_SCAN_SIZE) {
      throw new ConfigError('ERR_JPEG_MAX_FRAME_SIZE', `maxFrameSize ${max} is out of range`, {
        key: 'maxFrameSize',
        observed: max,
        allowed: `1..${JPEG_MAX_SCAN_SIZE}`,
      })
    }
    this.maxFrameSize = max
  }

  /** A frame is under way: continuation packets (not starting with SOI) belong here. */
  get inProgress(): boolean {
    return this.parts.length > 0
  }

  reset(): void {
    this.parts = []
    this.bytes = 0
  }

  /** The complete JPEG when `packet` ends a frame, else undefined. */
  push(packet: RtpPacket): Buffer | undefined {
    const payload = packet.payload
    if (isWholeJpegStart(payload)) {
      if (this.inProgress) this.framesDropped++
      this.reset()
    } else if (!this.inProgress) {
      return undefined // joined mid-frame
    } else if (packet.sequenceNumber !== ((this.lastSeq + 1) & SEQ_MASK)) {
      this.framesDropped++
      this.reset()
      return undefined
    }
    if (this.bytes + payload.length > this.maxFrameSize) {
      this.reset()
      throw new LimitError('ERR_JPEG_FRAME_TOO_LARGE', `whole-JPEG frame over ${this.maxFrameSize} bytes`, {
        observed: `at least ${this.bytes + payload.length}`,
        allowed: this.maxFrameSize,
      })
    }
    this.lastSeq = packet.sequenceNumber
    this.parts.push(Buffer.from(payload))
    this.bytes += payload.length
    if (!packet.marker && !endsWithEoi(this.parts[this.parts.length - 1]!)) return undefined
    const jpeg = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes)
    this.reset()
    return jpeg
  }
}
