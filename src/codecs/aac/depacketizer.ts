/**
 * RTP depacketizer for MPEG-4 audio, RFC 3640 (mpeg4-generic), for any mode whose AU-headers carry the
 * AU size (AAC-hbr, AAC-lbr, CELP-vbr …; sizeLength > 0).
 *
 * Payload (3.2.1): AU-header section, auxiliary section, AU data section.
 *  AU-header section (3.2.1.1): AU-headers-length (16 bits, the number of bits of AU-headers that follow),
 *  the AU-headers, zero bits up to a byte boundary. Each AU-header, fields present as signalled in fmtp:
 *   AU-size (sizeLength) | AU-Index (indexLength; AU-Index-delta, indexDeltaLength, after the first) |
 *   CTS-flag (1, if ctsDeltaLength) [CTS-delta] | DTS-flag (1, if dtsDeltaLength) [DTS-delta] |
 *   RAP-flag (1, if randomAccessIndication) | Stream-state (streamStateIndication bits)
 *  Auxiliary section (3.2.1.2), when auxiliaryDataSizeLength > 0: auxiliary-data-size, that many bits of
 *  data, padding to a byte. Skipped.
 *
 * Several AUs in one packet become several frames: the first at the RTP timestamp, each next one
 * (AU-Index-delta + 1) AU durations later (3.2.3.2: delta 0 means consecutive). Interleaved streams
 * (non-zero deltas) therefore get the right timestamps but are returned in packet order.
 * A fragmented AU (3.2.3: one AU-header whose AU-size exceeds the data) is collected from packets with
 * consecutive sequence numbers and equal timestamps until AU-size bytes have arrived, then copied once.
 *
 * The input packet is never modified; whole AUs are returned as views of the packet payload. Any error
 * resets the state (drops a partial AU) and throws.
 */
import { ConfigError, LimitError, ParseError, ProtocolError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import { BitReader } from '../../util/bit-reader.js'
import type { CodecDepacketizer, FormatParams, ReceivedFrame } from '../codec.js'
import { AAC_FRAME_LENGTH, auDuration, parseAudioSpecificConfig } from './audio-specific-config.js'
import { AAC_HBR, MAX_AU_HEADER_FIELD_BITS, parseAacFmtp } from './format.js'
import { MAX_AAC_AU_SIZE, MAX_AUS_PER_PACKET } from './limits.js'
import { AU_HEADERS_LENGTH_SIZE } from './packetizer.js'

const BITS_PER_BYTE = 8
const SEQUENCE_MASK = 0xffff
/** An AU spans at most 65535 ticks (a 4096-sample frame at 8 kHz on a 90 kHz clock stays below). */
const MAX_AU_DURATION = 0xffff

export interface AacDepacketizerOptions {
  /** AU-header field widths from fmtp; the defaults are AAC-hbr (13, 3, 3, the rest absent). */
  sizeLength?: number
  indexLength?: number
  indexDeltaLength?: number
  ctsDeltaLength?: number
  dtsDeltaLength?: number
  randomAccessIndication?: boolean
  streamStateIndication?: number
  auxiliaryDataSizeLength?: number
  /** RTP timestamp ticks per AU (default 1024; see `auDuration`). */
  auDuration?: number
  /** Cap on one AU, checked before appending a fragment. Default MAX_AAC_AU_SIZE. */
  maxAccessUnitSize?: number
}

interface AuHeader {
  size: number
  /** AU-Index for the first header, AU-Index-delta for the others. */
  index: number
}

export class AacDepacketizer implements CodecDepacketizer {
  private readonly sizeLength: number
  private readonly indexLength: number
  private readonly indexDeltaLength: number
  private readonly ctsDeltaLength: number
  private readonly dtsDeltaLength: number
  private readonly randomAccessIndication: boolean
  private readonly streamStateIndication: number
  private readonly auxiliaryDataSizeLength: number
  private readonly auDuration: number
  private readonly maxAuSize: number

  // Fragmented AU in progress.
  private fragments: Buffer[] = []
  private fragmentsSize = 0
  private fragmentTotal = 0
  private fragmentTimestamp = 0
  private lastSequence = 0

  constructor(opts: AacDepacketizerOptions = {}) {
    this.sizeLength = checkWidth('sizeLength', opts.sizeLength ?? AAC_HBR.sizeLength, 1)
    this.indexLength = checkWidth('indexLength', opts.indexLength ?? AAC_HBR.indexLength)
    this.indexDeltaLength = checkWidth('indexDeltaLength', opts.indexDeltaLength ?? AAC_HBR.indexDeltaLength)
    this.ctsDeltaLength = checkWidth('ctsDeltaLength', opts.ctsDeltaLength ?? 0)
    this.dtsDeltaLength = checkWidth('dtsDeltaLength', opts.dtsDeltaLength ?? 0)
    this.randomAccessIndication = opts.randomAccessIndication ?? false
    this.streamStateIndication = checkWidth('streamStateIndication', opts.streamStateIndication ?? 0)
    this.auxiliaryDataSizeLength = checkWidth('auxiliaryDataSizeLength', opts.auxiliaryDataSizeLength ?? 0)
    this.auDuration = opts.auDuration ?? AAC_FRAME_LENGTH
    this.maxAuSize = opts.maxAccessUnitSize ?? MAX_AAC_AU_SIZE
    if (!Number.isInteger(this.auDuration) || this.auDuration < 1 || this.auDuration > MAX_AU_DURATION) {
      throw new ConfigError('ERR_AAC_AU_DURATION', `AU duration ${this.auDuration} is not in 1..${MAX_AU_DURATION}`, {
        observed: this.auDuration,
        allowed: `1..${MAX_AU_DURATION}`,
      })
    }
  }

  /** A depacketizer for an SDP media format (rtpmap clock rate, fmtp mode fields and config). */
  static fromFormat(format: FormatParams, opts: Pick<AacDepacketizerOptions, 'maxAccessUnitSize'> = {}): AacDepacketizer {
    const fmtp = parseAacFmtp(format.fmtp)
    const asc = parseAudioSpecificConfig(fmtp.config)
    return new AacDepacketizer({
      sizeLength: fmtp.sizeLength,
      indexLength: fmtp.indexLength,
      indexDeltaLength: fmtp.indexDeltaLength,
      ctsDeltaLength: fmtp.ctsDeltaLength,
      dtsDeltaLength: fmtp.dtsDeltaLength,
      randomAccessIndication: fmtp.randomAccessIndication,
      streamStateIndication: fmtp.streamStateIndication,
      auxiliaryDataSizeLength: fmtp.auxiliaryDataSizeLength,
      auDuration: auDuration(asc, format.clockRate),
      ...opts,
    })
  }

  /** Feeds one packet; returns the AUs it completes (none while a fragmented AU is incomplete). */
  push(p: RtpPacket): ReceivedFrame[] {
    try {
      return this.consume(p)
    } catch (err) {
      this.reset()
      throw err
    }
  }

  /** Bytes held for a fragmented AU in progress (views of earlier payloads); never above maxAccessUnitSize. */
  get pendingBytes(): number {
    return this.fragmentsSize
  }

  /** Drops a partially received AU. */
  reset(): void {
    this.fragments = []
    this.fragmentsSize = 0
    this.fragmentTotal = 0
  }

  private consume(p: RtpPacket): ReceivedFrame[] {
    const payload = p.payload
    if (payload.length < AU_HEADERS_LENGTH_SIZE) {
      throw new ParseError('ERR_AAC_RTP_SHORT', `mpeg4-generic payload of ${payload.length} bytes has no AU-headers-length`, {
        observed: payload.length,
        allowed: `>= ${AU_HEADERS_LENGTH_SIZE}`,
      })
    }
    const headerBits = payload.readUInt16BE(0)
    const headerBytes = Math.ceil(headerBits / BITS_PER_BYTE)
    let off = AU_HEADERS_LENGTH_SIZE
    if (headerBytes > payload.length - off) {
      throw new ParseError('ERR_AAC_AU_HEADERS', `AU-header section of ${headerBits} bits runs past the packet`, {
        observed: payload.length - off,
        allowed: `>= ${headerBytes}`,
      })
    }
    const headers = this.readHeaders(payload.subarray(off, off + headerBytes), headerBits)
    off += headerBytes
    off += this.auxiliarySectionSize(payload, off)
    const data = payload.subarray(off)

    if (this.fragmentTotal > 0) return this.continueFragment(p, headers, data)

    let needed = 0
    for (const h of headers) needed += h.size
    if (headers.length === 1 && data.length < needed && !p.marker) return this.startFragment(p, headers[0]!.size, data)
    if (data.length !== needed) {
      throw new ParseError('ERR_AAC_AU_DATA', `AU data section has ${data.length} bytes, AU-headers announce ${needed}`, {
        observed: data.length,
        allowed: needed,
      })
    }
    const frames: ReceivedFrame[] = []
    let pos = 0
    let units = 0
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!
      if (i > 0) units += h.index + 1
      frames.push({ data: data.subarray(pos, pos + h.size), timestamp: (p.timestamp + units * this.auDuration) >>> 0, keyframe: true })
      pos += h.size
    }
    return frames
  }

  /** Reads exactly `bits` bits of AU-headers. */
  private readHeaders(section: Buffer, bits: number): AuHeader[] {
    if (bits === 0)
      throw new ParseError('ERR_AAC_AU_HEADERS', 'AU-headers-length is 0 but sizeLength is signalled', {
        observed: 0,
        allowed: `>= ${this.sizeLength}`,
      })
    const r = new BitReader(section)
    const headers: AuHeader[] = []
    while (r.bitPosition < bits) {
      if (headers.length >= MAX_AUS_PER_PACKET) {
        throw new LimitError('ERR_AAC_AU_COUNT', `more than ${MAX_AUS_PER_PACKET} AU-headers in one packet`, {
          observed: headers.length + 1,
          allowed: MAX_AUS_PER_PACKET,
        })
      }
      const start = r.bitPosition
      let size: number
      let index: number
      try {
        size = r.readBits(this.sizeLength)
        index = r.readBits(headers.length === 0 ? this.indexLength : this.indexDeltaLength)
        if (this.ctsDeltaLength > 0 && r.readFlag()) r.skipBits(this.ctsDeltaLength)
        if (this.dtsDeltaLength > 0 && r.readFlag()) r.skipBits(this.dtsDeltaLength)
        if (this.randomAccessIndication) r.skipBits(1)
        r.skipBits(this.streamStateIndication)
      } catch (err) {
        if (!(err instanceof ParseError)) throw err
        throw this.misaligned(bits, start)
      }
      if (r.bitPosition > bits) throw this.misaligned(bits, start)
      if (size === 0)
        throw new ParseError('ERR_AAC_AU_EMPTY', `AU-header ${headers.length} has AU-size 0`, { observed: 0, allowed: '>= 1' })
      if (size > this.maxAuSize) {
        throw new LimitError('ERR_AAC_AU_SIZE', `AU of ${size} bytes is larger than ${this.maxAuSize}`, {
          observed: size,
          allowed: this.maxAuSize,
        })
      }
      headers.push({ size, index })
    }
    return headers
  }

  private misaligned(bits: number, headerStart: number): ParseError {
    return new ParseError('ERR_AAC_AU_HEADERS', `AU-headers-length ${bits} ends inside the AU-header at bit ${headerStart}`, {
      observed: bits,
      allowed: `a whole number of AU-headers`,
    })
  }

  private auxiliarySectionSize(payload: Buffer, off: number): number {
    if (this.auxiliaryDataSizeLength === 0) return 0
    const r = new BitReader(payload, off)
    const dataBits = r.readBits(this.auxiliaryDataSizeLength)
    const bytes = Math.ceil((this.auxiliaryDataSizeLength + dataBits) / BITS_PER_BYTE)
    if (bytes > payload.length - off) {
      throw new ParseError('ERR_AAC_AUX', `auxiliary section of ${bytes} bytes runs past the packet`, {
        observed: payload.length - off,
        allowed: `>= ${bytes}`,
      })
    }
    return bytes
  }

  private startFragment(p: RtpPacket, size: number, data: Buffer): ReceivedFrame[] {
    if (data.length === 0) throw new ParseError('ERR_AAC_AU_DATA', 'AU fragment with no data', { observed: 0, allowed: `1..${size}` })
    this.fragments = [data]
    this.fragmentsSize = data.length
    this.fragmentTotal = size
    this.fragmentTimestamp = p.timestamp
    this.lastSequence = p.sequenceNumber
    return []
  }

  private continueFragment(p: RtpPacket, headers: readonly AuHeader[], data: Buffer): ReceivedFrame[] {
    const expected = (this.lastSequence + 1) & SEQUENCE_MASK
    if (p.sequenceNumber !== expected) {
      throw new ProtocolError('ERR_AAC_FRAGMENT_GAP', `AU fragment lost: sequence ${p.sequenceNumber} after ${this.lastSequence}`, {
        observed: p.sequenceNumber,
        allowed: expected,
      })
    }
    if (headers.length !== 1 || p.timestamp !== this.fragmentTimestamp || headers[0]!.size !== this.fragmentTotal) {
      throw new ProtocolError(
        'ERR_AAC_FRAGMENT_INCOMPLETE',
        `fragmented AU of ${this.fragmentTotal} bytes ended after ${this.fragmentsSize}`,
        {
          observed: { headers: headers.length, timestamp: p.timestamp, size: headers[0]?.size },
          allowed: { headers: 1, timestamp: this.fragmentTimestamp, size: this.fragmentTotal },
        },
      )
    }
    const received = this.fragmentsSize + data.length
    if (data.length === 0 || received > this.fragmentTotal) {
      throw new ParseError(
        'ERR_AAC_AU_DATA',
        `AU fragment of ${data.length} bytes does not fit the ${this.fragmentTotal - this.fragmentsSize} missing`,
        {
          observed: data.length,
          allowed: `1..${this.fragmentTotal - this.fragmentsSize}`,
        },
      )
    }
    this.fragments.push(data)
    this.fragmentsSize = received
    this.lastSequence = p.sequenceNumber
    if (received < this.fragmentTotal) {
      if (p.marker) {
        throw new ProtocolError(
          'ERR_AAC_FRAGMENT_MARKER',
          `marker set on an AU fragment with ${this.fragmentTotal - received} bytes missing`,
          { observed: received, allowed: this.fragmentTotal },
        )
      }
      return []
    }
    const au = Buffer.allocUnsafe(this.fragmentTotal)
    let off = 0
    for (const f of this.fragments) off += f.copy(au, off)
    const timestamp = this.fragmentTimestamp
    this.reset()
    return [{ data: au, timestamp, keyframe: true }]
  }
}

function checkWidth(name: string, bits: number, min = 0): number {
  if (!Number.isInteger(bits) || bits < min || bits > MAX_AU_HEADER_FIELD_BITS) {
    throw new ParseError('ERR_AAC_FMTP', `${name} ${bits} is not in ${min}..${MAX_AU_HEADER_FIELD_BITS}`, {
      observed: bits,
      allowed: `${min}..${MAX_AU_HEADER_FIELD_BITS}`,
    })
  }
  return bits
}
