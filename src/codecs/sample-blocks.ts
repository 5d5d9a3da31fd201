/**
 * Sample-based audio, RFC 3551 4.3: a block of interleaved samples is cut into packets on whole sampling
 * instants ("samples for all channels belonging to a single sampling instant MUST be within the same octet
 * sequence"), the RTP timestamp counting instants. Shared by the packetizers of uncompressed and sample-coded audio; nothing is
 * buffered across calls, the last packet of a block may be shorter, and the marker bit stays 0.
 */
import { CodecError } from '../errors.js'
import type { RtpPacketWriter } from '../rtp/packet-writer.js'

export interface SampleLayout {
  /** The format's name in error messages. */
  label: string
  channels: number
  /** Bytes of one sampling instant, all channels. */
  bytesPerInstant: number
}

/** Instants per full packet: `timeSamples`, fewer when that would not fit the writer's maxPacketSize. */
export function samplesPerPacket(writer: RtpPacketWriter, timeSamples: number, bytesPerInstant: number): number {
  return Math.min(timeSamples, Math.floor(writer.maxPayloadSize / bytesPerInstant))
}

/**
 * Cuts a block (or consecutive blocks) into packets of `instantsPerPacket` instants, the first stamped
 * `timestamp`. Throws CodecError when the block is not a whole number of sampling instants. An empty
 * block gives no packets.
 */
export function packetizeSampleBlock(
  writer: RtpPacketWriter,
  layout: SampleLayout,
  instantsPerPacket: number,
  frame: Uint8Array | readonly Uint8Array[],
  timestamp: number,
): Buffer[] {
  const { bytesPerInstant } = layout
  const block = frame instanceof Uint8Array ? frame : frame.length === 1 ? frame[0]! : Buffer.concat(frame)
  if (block.length % bytesPerInstant !== 0) {
    throw new CodecError(
      'ERR_AUDIO_PARTIAL_SAMPLE',
      `${block.length} bytes of ${layout.label} is not a whole number of ${layout.channels}-channel samples`,
      {
        observed: block.length,
        allowed: `a multiple of ${bytesPerInstant}`,
      },
    )
  }
  const bytesPerPacket = instantsPerPacket * bytesPerInstant
  const out: Buffer[] = []
  for (let off = 0; off < block.length; off += bytesPerPacket) {
    const end = Math.min(off + bytesPerPacket, block.length)
    out.push(writer.packet(block.subarray(off, end), (timestamp + off / bytesPerInstant) >>> 0))
  }
  return out
}
