/**
 * RTP/JPEG depacketizer, RFC 2435 sections 3 and 4: rebuilds a complete JFIF (SOI, APP0, DQT, SOF0,
 * DHT with the Annex K tables, DRI for types 64-127, SOS, scan, EOI) from the packets of one frame.
 *
 * - Tables: in band for Q >= 128 (3.1.8); for Q 128-254 a packet may send Length 0 to reuse the tables
 *   last received with that Q (4.2), so those are remembered per Q; Q 1-99 use RFC 2435 Appendix A.
 * - Types 0, 1, 64, 65 (4.1). Others are a CodecError.
 * - Reassembly: a packet with fragment offset 0 starts a frame (an unfinished previous frame, whose end
 *   was lost, is dropped and counted in `framesDropped`); a continuation must have the same timestamp,
 *   type, Q and size and start where the data so far ends. Anything else resets and throws; a
 *   continuation with no frame in progress (we joined mid-frame, or after an error) is ignored. The
 *   frame is complete at the packet with the RTP marker bit.
 * - The restart marker header's F/L bits and Restart Count (3.1.7) are not needed to rebuild a whole
 *   frame and are not checked; neither is Type-specific (4.1: an interlaced field comes out as its own
 *   image, as ffmpeg does).
 * - Scan data is copied into an internal buffer (allocated once, grown rarely) after checking it stays
 *   under `maxFrameSize`; input packets are never modified nor retained.
 */
import { CodecError, ConfigError, LimitError, ProtocolError } from '../../errors.js'
import type { RtpPacket } from '../../rtp/rtp-packet.js'
import { jpegHeaderSize, writeJpegHeaders, type JpegType } from './headers.js'
import { JPEG_DEFAULT_MAX_FRAME_SIZE, JPEG_DIMENSION_UNIT, JPEG_MAX_SCAN_SIZE } from './limits.js'
import { EOI, MARKER_PREFIX } from './markers.js'
import { parseJpegPayload, Q_DYNAMIC, Q_INBAND_MIN, TYPE_RESTART_FLAG, type JpegPayload } from './payload-header.js'
import { BLOCK_AREA, RFC2435_Q_MAX, RFC2435_Q_MIN, rfc2435QuantTables } from './tables.js'

export interface JpegDepacketizerOptions {
  /** Cap on a frame's scan data in bytes; default 8 MiB. */
  maxFrameSize?: number
}

type Tables = readonly [Uint8Array, Uint8Array]

interface FrameState {
  timestamp: number
  /** Type field as received (with the +64 restart flag). */
  rawType: number
  type: JpegType
  q: number
  width: number
  height: number
  restartInterval: number
  tables: Tables
}

const INITIAL_SCAN_CAPACITY = 64 * 1024
const EOI_SIZE = 2
const RESTART_TYPES_END = 128

export class JpegDepacketizer {
  readonly maxFrameSize: number
  /** Frames abandoned because a new frame started before their last packet arrived. */
  framesDropped = 0
  private scan: Buffer = Buffer.alloc(0)
  private length = 0
  private frame: FrameState | undefined
  /** Q 128-254 tables from earlier frames (4.2). Q 1-99 tables are derived and cached too. */
  private readonly tableCache = new Map<number, Tables>()

  constructor(opts: JpegDepacketizerOptions = {}) {
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

  /** Drops any partial frame. */
  reset(): void {
    this.frame = undefined
    this.length = 0
  }

  /** Returns a complete JFIF when `packet` ends a frame, otherwise undefined. */
  push(packet: RtpPacket): Buffer | undefined {
    try {
      return this.pushInner(packet)
    } catch (err) {
      this.reset()
      throw err
    }
  }

  private pushInner(packet: RtpPacket): Buffer | undefined {
    const p = parseJpegPayload(packet.payload)
    const m = p.main
    if (m.fragmentOffset === 0) {
      if (this.frame) this.framesDropped++
      this.reset()
      this.frame = this.startFrame(p, packet.timestamp)
    } else {
      const f = this.frame
      if (!f) return undefined
      if (packet.timestamp !== f.timestamp) {
        throw new ProtocolError('ERR_JPEG_TIMESTAMP', 'RTP/JPEG frame continued with another timestamp (packets lost)', {
          observed: packet.timestamp,
          allowed: f.timestamp,
        })
      }
      if (m.fragmentOffset !== this.length) {
        throw new ProtocolError(
          'ERR_JPEG_FRAGMENT_OFFSET',
          `RTP/JPEG fragment offset ${m.fragmentOffset} does not follow ${this.length} bytes (packets lost or reordered)`,
          { observed: m.fragmentOffset, allowed: this.length },
        )
      }
      if (m.type !== f.rawType || m.q !== f.q || m.width * JPEG_DIMENSION_UNIT !== f.width || m.height * JPEG_DIMENSION_UNIT !== f.height) {
        throw new ProtocolError('ERR_JPEG_HEADER_CHANGED', 'RTP/JPEG header changed inside a frame', {
          observed: m,
          allowed: { type: f.rawType, q: f.q, width: f.width / JPEG_DIMENSION_UNIT, height: f.height / JPEG_DIMENSION_UNIT },
        })
      }
      if ((p.restart?.restartInterval ?? 0) !== f.restartInterval) {
        throw new ProtocolError('ERR_JPEG_HEADER_CHANGED', 'RTP/JPEG restart interval changed inside a frame', {
          observed: p.restart?.restartInterval ?? 0,
          allowed: f.restartInterval,
        })
      }
    }
    this.append(p.data)
    if (!packet.marker) return undefined
    return this.finish()
  }

  private startFrame(p: JpegPayload, timestamp: number): FrameState {
    const m = p.main
    const restart = m.type >= TYPE_RESTART_FLAG && m.type < RESTART_TYPES_END
    const base = restart ? m.type - TYPE_RESTART_FLAG : m.type
    if (base !== 0 && base !== 1) {
      throw new CodecError('ERR_JPEG_UNSUPPORTED', `RTP/JPEG type ${m.type} is not supported`, {
        observed: m.type,
        allowed: [0, 1, 64, 65],
      })
    }
    if (m.width === 0 || m.height === 0) {
      throw new CodecError('ERR_JPEG_UNSUPPORTED', `RTP/JPEG size ${m.width * 8}x${m.height * 8} is not supported`, {
        observed: `${m.width}x${m.height}`,
        allowed: '1..255 blocks',
      })
    }
    const ri = p.restart?.restartInterval ?? 0
    if (restart && ri === 0) {
      throw new ProtocolError('ERR_JPEG_RESTART_INTERVAL', 'RTP/JPEG restart interval is zero (3.1.7: MUST NOT be zero)', {
        observed: 0,
        allowed: '1..65535',
      })
    }
    return {
      timestamp,
      rawType: m.type,
      type: base,
      q: m.q,
      width: m.width * JPEG_DIMENSION_UNIT,
      height: m.height * JPEG_DIMENSION_UNIT,
      restartInterval: ri,
      tables: this.tablesFor(p),
    }
  }

  private tablesFor(p: JpegPayload): Tables {
    const q = p.main.q
    if (q < Q_INBAND_MIN) {
      if (q < RFC2435_Q_MIN || q > RFC2435_Q_MAX) {
        throw new CodecError('ERR_JPEG_UNSUPPORTED', `RTP/JPEG Q ${q} is reserved`, { observed: q, allowed: '1..99 or 128..255' })
      }
      let t = this.tableCache.get(q)
      if (!t) {
        t = rfc2435QuantTables(q)
        this.tableCache.set(q, t)
      }
      return t
    }
    const qt = p.qtables
    if (!qt || qt.data.length === 0) {
      const cached = q === Q_DYNAMIC ? undefined : this.tableCache.get(q)
      if (!cached) {
        throw new ProtocolError('ERR_JPEG_QTABLE_MISSING', `RTP/JPEG Q ${q} frame without quantization tables`, { observed: q })
      }
      return cached
    }
    if (qt.precision !== 0) {
      throw new CodecError('ERR_JPEG_UNSUPPORTED', 'RTP/JPEG 16-bit quantization tables are not supported', {
        observed: qt.precision,
        allowed: 0,
      })
    }
    if (qt.data.length % BLOCK_AREA !== 0) {
      throw new ProtocolError('ERR_JPEG_QTABLE_LENGTH', `RTP/JPEG quantization table length ${qt.data.length} is not a multiple of 64`, {
        observed: qt.data.length,
        allowed: '64·n',
      })
    }
    // Copies: the packet buffer is the caller's. One table is shared by luma and chroma.
    const luma = Uint8Array.from(qt.data.subarray(0, BLOCK_AREA))
    const chroma = qt.data.length >= 2 * BLOCK_AREA ? Uint8Array.from(qt.data.subarray(BLOCK_AREA, 2 * BLOCK_AREA)) : luma
    const t: Tables = [luma, chroma]
    if (q !== Q_DYNAMIC) this.tableCache.set(q, t)
    return t
  }

  private append(data: Buffer): void {
    const need = this.length + data.length
    if (need > this.maxFrameSize) {
      throw new LimitError('ERR_JPEG_FRAME_TOO_LARGE', `RTP/JPEG frame exceeds ${this.maxFrameSize} bytes`, {
        observed: need,
        allowed: this.maxFrameSize,
      })
    }
    if (need > this.scan.length) {
      let cap = Math.max(INITIAL_SCAN_CAPACITY, this.scan.length * 2)
      while (cap < need) cap *= 2
      const next = Buffer.allocUnsafe(Math.min(cap, Math.max(need, this.maxFrameSize)))
      this.scan.copy(next, 0, 0, this.length)
      this.scan = next
    }
    data.copy(this.scan, this.length)
    this.length = need
  }

  private finish(): Buffer {
    const f = this.frame!
    const scan = this.scan.subarray(0, this.length)
    // Some senders include the EOI in the scan data; do not write it twice.
    const hasEoi = scan.length >= EOI_SIZE && scan[scan.length - 2] === MARKER_PREFIX && scan[scan.length - 1] === EOI
    const params = { type: f.type, width: f.width, height: f.height, quantTables: f.tables, restartInterval: f.restartInterval }
    const headerSize = jpegHeaderSize(params)
    const out = Buffer.allocUnsafe(headerSize + scan.length + (hasEoi ? 0 : EOI_SIZE))
    writeJpegHeaders(out, 0, params)
    scan.copy(out, headerSize)
    if (!hasEoi) {
      out[out.length - 2] = MARKER_PREFIX
      out[out.length - 1] = EOI
    }
    this.reset()
    return out
  }
}
