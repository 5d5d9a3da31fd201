/**
 * JFIF / baseline JPEG parser for RTP/JPEG (RFC 2435), over ITU-T T.81 Annex B syntax:
 *
 *   SOI, then marker segments  0xFF <code> <16-bit length incl. itself> <length-2 bytes>
 *   (APPn, COM, DQT, DHT, DRI, SOF0 …), then SOS and the entropy-coded scan up to EOI.
 *   Any 0xFF may be preceded by 0xFF fill bytes (B.1.1.2). Inside the scan, 0xFF 0x00 is a stuffed
 *   0xFF and 0xFF 0xD0..0xD7 are restart markers; the scan ends at the first other marker.
 *
 * Yields what an RFC 2435 sender needs (section 3.1 and 4.1): the type (0 = Y 2x1, 1 = Y 2x2, chroma
 * 1x1), the size, the luma and chroma quantization tables (64 bytes in zig-zag order, views into the
 * input), the restart interval and a view of the scan. Anything RFC 2435 cannot carry is a CodecError
 * ('ERR_JPEG_UNSUPPORTED'): non-baseline frames, 12-bit samples, other than 3 components or those two
 * samplings, more than 2040 pixels, 16-bit quantization tables, Huffman tables other than Annex K
 * (receivers always assume those, section 3.1), several scans. Malformed input is a ParseError.
 */
import { CodecError, ParseError } from '../../errors.js'
import type { JpegType } from './headers.js'
import { JPEG_MAX_DIMENSION } from './limits.js'
import { DHT, DNL, DQT, DRI, EOI, MARKER_PREFIX, SOF0, SOI, SOS, TEM, isRstMarker, isSofMarker } from './markers.js'
import { BLOCK_AREA, HUFFMAN_CLASS_AC, HUFFMAN_CLASS_DC, STD_HUFFMAN_TABLES, TABLE_CHROMA, TABLE_LUMA } from './tables.js'

export interface JfifInfo {
  type: JpegType
  width: number
  height: number
  /** Luma then chroma: tables of 64 bytes in zig-zag order, views into the input. */
  quantTables: Buffer[]
  /** MCUs per restart interval (DRI), 0 when absent. */
  restartInterval: number
  /** Entropy-coded data after the SOS header up to (not including) EOI, RST markers included; a view. */
  scan: Buffer
}

const LENGTH_SIZE = 2
const MAX_QUANT_TABLES = 4
const MAX_HUFFMAN_TABLES = 4
const PRECISION_8BIT = 8
const COMPONENTS_REQUIRED = 3
const SOF_HEADER_SIZE = 6 // P, Y(2), X(2), Nf
const SOF_COMPONENT_SIZE = 3
const SOS_COMPONENT_SIZE = 2
const SOS_TAIL_SIZE = 3 // Ss, Se, Ah/Al
const DRI_PAYLOAD_SIZE = 2
const HUFFMAN_BITS_COUNT = 16
const NIBBLE = 4
const NIBBLE_MASK = 0x0f
const LUMA_SAMPLING_TYPE: Readonly<Record<number, JpegType>> = { 0x21: 0, 0x22: 1 }
const CHROMA_SAMPLING = 0x11
const SPECTRAL_END = 63

const unsupported = (what: string, details: Record<string, unknown> = {}): CodecError =>
  new CodecError('ERR_JPEG_UNSUPPORTED', `RFC 2435 cannot carry this JPEG: ${what}`, details)
const truncated = (what: string, observed: number, allowed: number): ParseError =>
  new ParseError('ERR_JPEG_TRUNCATED', `JPEG truncated in ${what}`, { observed, allowed })

interface FrameComponent {
  id: number
  sampling: number
  quantTable: number
}

export function parseJfif(input: Uint8Array): JfifInfo {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  if (buf.length < 2 || buf[0] !== MARKER_PREFIX || buf[1] !== SOI) {
    throw new ParseError('ERR_JPEG_SOI', 'JPEG does not start with SOI (FF D8)', {
      observed: buf.subarray(0, 2).toString('hex'),
      allowed: 'ffd8',
    })
  }
  const quant = new Array<Buffer | undefined>(MAX_QUANT_TABLES).fill(undefined)
  // Huffman destinations defined by DHT: index (class * 4 + id) → true when standard.
  const huffman = new Array<boolean | undefined>(2 * MAX_HUFFMAN_TABLES).fill(undefined)
  let frame: { type: JpegType; width: number; height: number; components: FrameComponent[] } | undefined
  let restartInterval = 0
  let pos = 2

  for (;;) {
    // Marker, skipping fill bytes.
    if (pos >= buf.length) throw truncated('marker', buf.length, pos + 1)
    if (buf[pos] !== MARKER_PREFIX) {
      throw new ParseError('ERR_JPEG_MARKER', `expected a marker at offset ${pos}`, { observed: buf[pos], allowed: MARKER_PREFIX })
    }
    while (pos < buf.length && buf[pos] === MARKER_PREFIX) pos++
    if (pos >= buf.length) throw truncated('marker', buf.length, pos + 1)
    const code = buf[pos++]!
    if (code === SOI || code === EOI || code === TEM || isRstMarker(code) || code === 0) {
      throw new ParseError('ERR_JPEG_MARKER', `unexpected marker FF${hex2(code)} before the scan`, { observed: code })
    }
    if (pos + LENGTH_SIZE > buf.length) throw truncated('segment length', buf.length, pos + LENGTH_SIZE)
    const length = buf.readUInt16BE(pos)
    if (length < LENGTH_SIZE) {
      throw new ParseError('ERR_JPEG_SEGMENT_LENGTH', `segment FF${hex2(code)} length ${length} is too small`, {
        observed: length,
        allowed: `>= ${LENGTH_SIZE}`,
      })
    }
    const end = pos + length
    if (end > buf.length) throw truncated(`segment FF${hex2(code)}`, buf.length, end)
    const body = buf.subarray(pos + LENGTH_SIZE, end)
    pos = end

    if (code === SOS) {
      if (!frame) throw new ParseError('ERR_JPEG_NO_FRAME', 'SOS before SOF', {})
      checkScanHeader(body, frame.components, quant, huffman)
      const scanEnd = findScanEnd(buf, pos)
      return {
        type: frame.type,
        width: frame.width,
        height: frame.height,
        quantTables: [quant[frame.components[0]!.quantTable]!, quant[frame.components[1]!.quantTable]!],
        restartInterval,
        scan: buf.subarray(pos, scanEnd),
      }
    }
    if (isSofMarker(code)) {
      if (code !== SOF0) throw unsupported(`SOF${code - SOF0} frame (only baseline SOF0)`, { observed: code, allowed: SOF0 })
      if (frame) throw new ParseError('ERR_JPEG_SOF', 'more than one SOF', {})
      frame = parseSof(body)
    } else if (code === DQT) {
      parseDqt(body, quant)
    } else if (code === DHT) {
      parseDht(body, huffman)
    } else if (code === DRI) {
      if (body.length !== DRI_PAYLOAD_SIZE) {
        throw new ParseError('ERR_JPEG_DRI', 'DRI payload must be 2 bytes', { observed: body.length, allowed: DRI_PAYLOAD_SIZE })
      }
      restartInterval = body.readUInt16BE(0)
    } else if (code === DNL) {
      throw unsupported('DNL marker (height defined after the scan)')
    }
    // APPn, COM and anything else with a length: skipped.
  }
}

function parseSof(body: Buffer): { type: JpegType; width: number; height: number; components: FrameComponent[] } {
  if (body.length < SOF_HEADER_SIZE) throw truncated('SOF', body.length, SOF_HEADER_SIZE)
  const precision = body[0]!
  const height = body.readUInt16BE(1)
  const width = body.readUInt16BE(3)
  const count = body[5]!
  if (precision !== PRECISION_8BIT) throw unsupported(`${precision}-bit samples`, { observed: precision, allowed: PRECISION_8BIT })
  if (count !== COMPONENTS_REQUIRED) throw unsupported(`${count} components`, { observed: count, allowed: COMPONENTS_REQUIRED })
  if (body.length < SOF_HEADER_SIZE + count * SOF_COMPONENT_SIZE)
    throw truncated('SOF components', body.length, SOF_HEADER_SIZE + count * SOF_COMPONENT_SIZE)
  if (width === 0 || height === 0) throw unsupported(`size ${width}x${height} (zero height means DNL)`, { observed: `${width}x${height}` })
  if (width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
    throw unsupported(`size ${width}x${height}`, { observed: `${width}x${height}`, allowed: `<= ${JPEG_MAX_DIMENSION}` })
  }
  const components: FrameComponent[] = []
  for (let i = 0; i < count; i++) {
    const o = SOF_HEADER_SIZE + i * SOF_COMPONENT_SIZE
    const quantTable = body[o + 2]!
    if (quantTable >= MAX_QUANT_TABLES) {
      throw new ParseError('ERR_JPEG_SOF', `component quantization table ${quantTable} is out of range`, {
        observed: quantTable,
        allowed: `0..${MAX_QUANT_TABLES - 1}`,
      })
    }
    components.push({ id: body[o]!, sampling: body[o + 1]!, quantTable })
  }
  const type = LUMA_SAMPLING_TYPE[components[0]!.sampling]
  if (type === undefined || components[1]!.sampling !== CHROMA_SAMPLING || components[2]!.sampling !== CHROMA_SAMPLING) {
    throw unsupported('sampling factors (only Y 2x1 or 2x2 with Cb, Cr 1x1)', {
      observed: components.map((c) => hex2(c.sampling)),
      allowed: ['21|22', '11', '11'],
    })
  }
  if (components[1]!.quantTable !== components[2]!.quantTable) {
    throw unsupported('Cb and Cr with different quantization tables', { observed: [components[1]!.quantTable, components[2]!.quantTable] })
  }
  return { type, width, height, components }
}

function parseDqt(body: Buffer, quant: Array<Buffer | undefined>): void {
  let o = 0
  while (o < body.length) {
    const pqTq = body[o]!
    const precision = pqTq >> NIBBLE
    const id = pqTq & NIBBLE_MASK
    if (precision !== 0) throw unsupported('16-bit quantization table', { observed: precision, allowed: 0 })
    if (id >= MAX_QUANT_TABLES)
      throw new ParseError('ERR_JPEG_DQT', `quantization table id ${id} is out of range`, {
        observed: id,
        allowed: `0..${MAX_QUANT_TABLES - 1}`,
      })
    if (o + 1 + BLOCK_AREA > body.length) throw truncated('DQT', body.length, o + 1 + BLOCK_AREA)
    quant[id] = body.subarray(o + 1, o + 1 + BLOCK_AREA)
    o += 1 + BLOCK_AREA
  }
}

function parseDht(body: Buffer, huffman: Array<boolean | undefined>): void {
  let o = 0
  while (o < body.length) {
    if (o + 1 + HUFFMAN_BITS_COUNT > body.length) throw truncated('DHT', body.length, o + 1 + HUFFMAN_BITS_COUNT)
    const tcTh = body[o]!
    const cls = tcTh >> NIBBLE
    const id = tcTh & NIBBLE_MASK
    if ((cls !== HUFFMAN_CLASS_DC && cls !== HUFFMAN_CLASS_AC) || id >= MAX_HUFFMAN_TABLES) {
      throw new ParseError('ERR_JPEG_DHT', `Huffman table class ${cls} id ${id} is invalid`, { observed: hex2(tcTh) })
    }
    const bits = body.subarray(o + 1, o + 1 + HUFFMAN_BITS_COUNT)
    let n = 0
    for (const b of bits) n += b
    const valuesEnd = o + 1 + HUFFMAN_BITS_COUNT + n
    if (valuesEnd > body.length) throw truncated('DHT values', body.length, valuesEnd)
    const values = body.subarray(o + 1 + HUFFMAN_BITS_COUNT, valuesEnd)
    const std = STD_HUFFMAN_TABLES.find((t) => t.tcTh === tcTh)
    huffman[cls * MAX_HUFFMAN_TABLES + id] = std !== undefined && bits.equals(std.spec.bits) && values.equals(std.spec.values)
    o = valuesEnd
  }
}

/** Checks that SOS is one interleaved, full-spectrum scan of the three frame components using Annex K tables. */
function checkScanHeader(
  body: Buffer,
  components: FrameComponent[],
  quant: Array<Buffer | undefined>,
  huffman: Array<boolean | undefined>,
): void {
  if (body.length < 1) throw truncated('SOS', 0, 1)
  const count = body[0]!
  if (count !== COMPONENTS_REQUIRED)
    throw unsupported(`scan of ${count} components (only one interleaved scan)`, { observed: count, allowed: COMPONENTS_REQUIRED })
  const need = 1 + count * SOS_COMPONENT_SIZE + SOS_TAIL_SIZE
  if (body.length < need) throw truncated('SOS', body.length, need)
  for (let i = 0; i < count; i++) {
    const id = body[1 + i * SOS_COMPONENT_SIZE]!
    const tables = body[2 + i * SOS_COMPONENT_SIZE]!
    if (id !== components[i]!.id) {
      throw unsupported('scan components not in frame order', { observed: id, allowed: components[i]!.id })
    }
    const want = i === 0 ? TABLE_LUMA : TABLE_CHROMA
    const dc = tables >> NIBBLE
    const ac = tables & NIBBLE_MASK
    if (dc !== want || ac !== want) {
      throw unsupported(`component ${i} uses Huffman tables ${dc}/${ac}`, { observed: hex2(tables), allowed: `${want}${want}` })
    }
    // Tables absent from the file are the Annex K ones by convention (Motion-JPEG "AVI1" files omit DHT).
    if (huffman[HUFFMAN_CLASS_DC * MAX_HUFFMAN_TABLES + dc] === false || huffman[HUFFMAN_CLASS_AC * MAX_HUFFMAN_TABLES + ac] === false) {
      throw unsupported('Huffman tables other than T.81 Annex K (RFC 2435 receivers assume those)')
    }
  }
  const o = 1 + count * SOS_COMPONENT_SIZE
  if (body[o] !== 0 || body[o + 1] !== SPECTRAL_END || body[o + 2] !== 0) {
    throw unsupported('scan is not sequential full-spectrum', {
      observed: body.subarray(o, o + SOS_TAIL_SIZE).toString('hex'),
      allowed: '003f00',
    })
  }
  for (const c of components) {
    if (!quant[c.quantTable]) {
      throw new ParseError('ERR_JPEG_MISSING_TABLE', `quantization table ${c.quantTable} is not defined`, { observed: c.quantTable })
    }
  }
}

/** Offset of the EOI marker (or of the fill bytes before it) ending the scan that starts at `pos`. */
function findScanEnd(buf: Buffer, pos: number): number {
  let i = pos
  for (;;) {
    i = buf.indexOf(MARKER_PREFIX, i)
    if (i < 0) throw truncated('scan (no EOI)', buf.length, buf.length + 2)
    let j = i + 1
    while (j < buf.length && buf[j] === MARKER_PREFIX) j++ // fill bytes before a marker (B.1.1.2)
    if (j >= buf.length) throw truncated('scan (no EOI)', buf.length, buf.length + 1)
    const next = buf[j]!
    if (next === 0 || isRstMarker(next)) {
      i = j + 1
      continue
    }
    if (next === EOI) return i
    throw unsupported(`marker FF${hex2(next)} after the scan (only one scan)`, { observed: next, allowed: EOI })
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}
