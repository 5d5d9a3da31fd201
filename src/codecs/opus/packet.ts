/**
 * Opus packet framing, RFC 6716 section 3: the TOC byte (3.1), the four frame-count codes (3.2) and the
 * validity rules R1-R7 (3.4). Frames are not decoded; this is what a payloader needs: the duration of a
 * packet and whether a receiver could split it.
 *
 * TOC byte (3.1):
 *   0 1 2 3 4 5 6 7
 *  +-+-+-+-+-+-+-+-+
 *  | config  |s| c |   config: mode, bandwidth and frame size (Table 2); s: stereo; c: frame-count code
 *  +-+-+-+-+-+-+-+-+
 * Code 3 frame-count byte (3.2.5):
 *  +-+-+-+-+-+-+-+-+
 *  |v|p|     M     |   v: VBR; p: padding follows; M: number of frames (1..48)
 *  +-+-+-+-+-+-+-+-+
 * Frame lengths (3.2.1): one byte 0..251, or two bytes (first 252..255): first + 4 * second.
 */
import { ParseError } from '../../errors.js'

export const OPUS_TOC_SIZE = 1
/** R2: no frame is longer than 1275 bytes. */
export const OPUS_MAX_FRAME_SIZE = 1275
/** R5: a packet holds at most 120 ms: 5760 samples at 48 kHz. */
export const OPUS_MAX_PACKET_SAMPLES = 5760
/** Opus timestamps always count at 48 kHz, whatever the coded bandwidth (RFC 7587 4.1). */
export const OPUS_CLOCK_RATE = 48000

const CONFIG_SHIFT = 3
const STEREO_BIT = 0x04
const CODE_MASK = 0x03
const VBR_BIT = 0x80
const PADDING_BIT = 0x40
const COUNT_MASK = 0x3f
const FRAME_COUNT_SIZE = 1
const MAX_ONE_BYTE_LENGTH = 251
const TWO_BYTE_MULTIPLIER = 4
const PADDING_CONTINUES = 255
const PADDING_CONTINUE_BYTES = 254
/** Table 2: configurations 0..11 are SILK, 12..15 Hybrid, 16..31 CELT. */
const FIRST_HYBRID_CONFIG = 12
const FIRST_CELT_CONFIG = 16
const SILK_FRAME_SAMPLES = [480, 960, 1920, 2880] // 10, 20, 40, 60 ms
const HYBRID_FRAME_SAMPLES = [480, 960] // 10, 20 ms
const CELT_FRAME_SAMPLES = [120, 240, 480, 960] // 2.5, 5, 10, 20 ms

export interface OpusPacketInfo {
  /** TOC configuration number 0..31 (RFC 6716 Table 2). */
  config: number
  stereo: boolean
  /** Frame-count code 0..3. */
  code: number
  frameCount: number
  /** Samples per frame at 48 kHz. */
  frameSamples: number
  /** Samples of the whole packet at 48 kHz: the RTP timestamp increment (RFC 7587 4.1). */
  samples: number
}

/** Samples per frame at 48 kHz for a TOC configuration. */
export function opusFrameSamples(config: number): number {
  if (config < FIRST_HYBRID_CONFIG) return SILK_FRAME_SAMPLES[config % SILK_FRAME_SAMPLES.length]!
  if (config < FIRST_CELT_CONFIG) return HYBRID_FRAME_SAMPLES[config % HYBRID_FRAME_SAMPLES.length]!
  return CELT_FRAME_SAMPLES[config % CELT_FRAME_SAMPLES.length]!
}

function invalid(rule: string, message: string, observed: unknown, allowed: unknown): ParseError {
  return new ParseError('ERR_OPUS_PACKET', `invalid Opus packet (RFC 6716 3.4 ${rule}): ${message}`, { observed, allowed })
}

/** Reads a frame length at `off` (3.2.1); returns [length, bytes used]. */
function frameLength(buf: Uint8Array, off: number): [number, number] {
  if (off >= buf.length) throw invalid('R4', 'packet ends inside a frame length', buf.length, `> ${off}`)
  const first = buf[off]!
  if (first <= MAX_ONE_BYTE_LENGTH) return [first, 1]
  if (off + 1 >= buf.length) throw invalid('R4', 'packet ends inside a two-byte frame length', buf.length, `> ${off + 1}`)
  return [first + TWO_BYTE_MULTIPLIER * buf[off + 1]!, 2]
}

function checkFrame(size: number): void {
  if (size > OPUS_MAX_FRAME_SIZE) throw invalid('R2', `frame of ${size} bytes`, size, `<= ${OPUS_MAX_FRAME_SIZE}`)
}

/** Parses the TOC and frame layout of one Opus packet and checks R1-R7. Throws ParseError('ERR_OPUS_PACKET'). */
export function parseOpusPacket(packet: Uint8Array): OpusPacketInfo {
  if (packet.length < OPUS_TOC_SIZE) throw invalid('R1', 'empty packet', 0, `>= ${OPUS_TOC_SIZE}`)
  const toc = packet[0]!
  const config = toc >> CONFIG_SHIFT
  const code = toc & CODE_MASK
  const frameSamples = opusFrameSamples(config)
  const body = packet.length - OPUS_TOC_SIZE
  let frameCount: number
  switch (code) {
    case 0:
      checkFrame(body)
      frameCount = 1
      break
    case 1:
      if (body % 2 !== 0) throw invalid('R3', `two equal frames in ${body} bytes`, body, 'an even number of bytes')
      checkFrame(body / 2)
      frameCount = 2
      break
    case 2: {
      const [first, used] = frameLength(packet, OPUS_TOC_SIZE)
      if (first > body - used) throw invalid('R4', `first frame of ${first} bytes with ${body - used} left`, first, `<= ${body - used}`)
      checkFrame(first)
      checkFrame(body - used - first)
      frameCount = 2
      break
    }
    default: {
      if (body < FRAME_COUNT_SIZE)
        throw invalid('R6', 'code 3 packet without a frame count byte', packet.length, `>= ${OPUS_TOC_SIZE + FRAME_COUNT_SIZE}`)
      const countByte = packet[OPUS_TOC_SIZE]!
      frameCount = countByte & COUNT_MASK
      if (frameCount === 0 || frameCount * frameSamples > OPUS_MAX_PACKET_SAMPLES) {
        throw invalid(
          'R5',
          `${frameCount} frames of ${frameSamples} samples`,
          frameCount,
          `1..${Math.floor(OPUS_MAX_PACKET_SAMPLES / frameSamples)}`,
        )
      }
      let off = OPUS_TOC_SIZE + FRAME_COUNT_SIZE
      let padding = 0
      if (countByte & PADDING_BIT) {
        let more = true
        while (more) {
          if (off >= packet.length) throw invalid('R6', 'packet ends inside the padding length', packet.length, `> ${off}`)
          const v = packet[off++]!
          more = v === PADDING_CONTINUES
          padding += more ? PADDING_CONTINUE_BYTES : v
        }
      }
      let left = packet.length - off - padding
      if (left < 0)
        throw invalid('R6/R7', `padding of ${padding} bytes with ${packet.length - off} left`, padding, `<= ${packet.length - off}`)
      if (countByte & VBR_BIT) {
        for (let i = 0; i < frameCount - 1; i++) {
          const [len, used] = frameLength(packet, off)
          off += used
          left -= used
          if (len > left) throw invalid('R6', `frame ${i} of ${len} bytes with ${left} left`, len, `<= ${Math.max(0, left)}`)
          checkFrame(len)
          left -= len
        }
        if (left < 0) throw invalid('R6', 'frame lengths run past the packet', left, '>= 0')
        checkFrame(left)
      } else {
        if (left % frameCount !== 0) throw invalid('R7', `${frameCount} equal frames in ${left} bytes`, left, `a multiple of ${frameCount}`)
        checkFrame(left / frameCount)
      }
    }
  }
  return { config, stereo: (toc & STEREO_BIT) !== 0, code, frameCount, frameSamples, samples: frameCount * frameSamples }
}
