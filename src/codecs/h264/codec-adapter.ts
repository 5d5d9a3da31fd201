/**
 * H.264 (RFC 6184) behind the common codec contract of codecs/codec.ts, for plain RTP send/receive
 * and the codec registry. Thin wrappers: the work is done by H264Packetizer and H264Depacketizer.
 *
 * Frames are Annex-B access units (ITU-T H.264 Annex B, 4-byte start codes): what a `.h264` file
 * holds and what ffmpeg, GStreamer (`h264parse`) and players read.
 */
import type { CodecDepacketizer, CodecPacketizer, ReceivedFrame } from '../codec.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import { joinAnnexB, splitAnnexB } from './annexb.js'
import { H264Depacketizer, type H264AccessUnit, type H264DepacketizerOptions } from './depacketizer.js'
import { NalType, nalType } from './nal.js'
import { H264Packetizer, type H264PacketizerOptions } from './packetizer.js'

export interface H264RtpDepacketizerOptions extends H264DepacketizerOptions {
  /**
   * Parameter sets from the SDP (sprop-parameter-sets). They are put in front of a keyframe that
   * arrives without an SPS and PPS, so the output decodes on its own (RFC 6184 8.4: a sender may
   * send parameter sets out of band only).
   */
  parameterSets?: readonly Buffer[]
}

/** RTP packets in, Annex-B access units out. */
export class H264RtpDepacketizer implements CodecDepacketizer {
  private readonly inner: H264Depacketizer
  private readonly parameterSets: readonly Buffer[]

  constructor(opts: H264RtpDepacketizerOptions = {}) {
    this.inner = new H264Depacketizer(opts)
    this.parameterSets = opts.parameterSets ?? []
  }

  push(packet: RtpPacket): ReceivedFrame[] {
    const out: ReceivedFrame[] = []
    let au = this.inner.push(packet)
    while (au) {
      out.push(this.toFrame(au))
      au = this.inner.shift()
    }
    return out
  }

  reset(): void {
    this.inner.reset()
  }

  private toFrame(au: H264AccessUnit): ReceivedFrame {
    let nalus = au.nalus
    if (au.keyframe && this.parameterSets.length > 0 && !nalus.some((n) => nalType(n) === NalType.SPS)) {
      nalus = [...this.parameterSets, ...nalus]
    }
    return { data: joinAnnexB(nalus), timestamp: au.timestamp, keyframe: au.keyframe }
  }
}

/** Annex-B access units (or arrays of NAL units without start codes) in, RTP packets out. */
export class H264RtpPacketizer implements CodecPacketizer {
  private readonly inner: H264Packetizer

  constructor(opts: H264PacketizerOptions) {
    this.inner = new H264Packetizer(opts)
  }

  get ssrc(): number {
    return this.inner.ssrc
  }
  get payloadType(): number {
    return this.inner.payloadType
  }
  get nextSequence(): number {
    return this.inner.nextSequence
  }

  packetize(frame: Buffer | readonly Buffer[], timestamp: number): Buffer[] {
    const nalus = Buffer.isBuffer(frame) ? splitAnnexB(frame) : frame
    return this.inner.packetize(nalus, timestamp)
  }
}
