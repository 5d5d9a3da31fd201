/**
 * WAV file source: a RIFF/WAVE file (Microsoft "Multimedia Programming Interface and Data Specifications
 * 1.0", 1991, RIFF and the WAVE form; WAVEFORMATEXTENSIBLE from "Multiple Channel Audio Data and WAVE
 * Files", 2001) read once and played in real time in 20 ms blocks, looping.
 *
 *   "RIFF" <u32 LE size> "WAVE" then chunks: <4-byte id> <u32 LE size> <data> [pad byte to even size]
 *   "fmt " chunk (at least 16 bytes, little-endian):
 *     formatTag u16 | channels u16 | samplesPerSec u32 | avgBytesPerSec u32 | blockAlign u16 | bitsPerSample u16
 *     [cbSize u16 | validBits u16 | channelMask u32 | SubFormat GUID (its first 2 bytes are the format tag)]
 *   "data" chunk: interleaved samples, blockAlign bytes per sampling instant.
 *
 * Supported: format 1 (PCM) 16-bit → L16 (samples converted once from little- to big-endian, RFC 3551
 * 4.5.11), format 7 (µ-law) → PCMU, format 6 (A-law) → PCMA; G.711 at 8000 Hz, the only rate of its RTP
 * payload types. Quirk: a data size larger than the file (WAVs written to a pipe carry 0xFFFFFFFF or a
 * stale size) is cut to what the file holds, in whole sampling instants.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { G711_CLOCK_RATE } from '../codecs/g711/format.js'
import { MAX_L16_CHANNELS, MAX_L16_SAMPLE_RATE } from '../codecs/l16/packetizer.js'
import { ConfigError, RtspkitError, StateError } from '../errors.js'
import { systemClock, type Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'
import type { AudioCodec, FramePush, MediaSource, TrackInfo } from './source.js'

/** Largest audio file read into memory. */
export const MAX_WAV_FILE_SIZE = 512 * 1024 * 1024
/** Chunks walked before giving up on finding "fmt " and "data" (LIST, fact, bext, JUNK … are skipped). */
export const MAX_WAV_CHUNKS = 1000
/** Audio per push. */
export const WAV_BLOCK_MS = 20
const BLOCKS_PER_SECOND = 1000 / WAV_BLOCK_MS

const RIFF_HEADER_SIZE = 12
const RIFF_ID_OFFSET = 0
const RIFF_FORM_OFFSET = 8
const CHUNK_HEADER_SIZE = 8
const CHUNK_SIZE_OFFSET = 4
const ID_SIZE = 4
const FMT_MIN_SIZE = 16
const FMT_CHANNELS = 2
const FMT_SAMPLE_RATE = 4
const FMT_BLOCK_ALIGN = 12
const FMT_BITS = 14
/** cbSize (2) + validBitsPerSample (2) + channelMask (4) + SubFormat GUID (16) after the 18-byte WAVEFORMATEX. */
const FMT_EXTENSIBLE_SIZE = 40
const FMT_SUBFORMAT = 24

export const WaveFormat = {
  PCM: 1,
  ADPCM: 2,
  IEEE_FLOAT: 3,
  ALAW: 6,
  MULAW: 7,
  IMA_ADPCM: 0x11,
  MPEG: 0x50,
  MPEG_LAYER3: 0x55,
  EXTENSIBLE: 0xfffe,
} as const
const FORMAT_NAMES: Readonly<Record<number, string>> = {
  [WaveFormat.PCM]: 'PCM',
  [WaveFormat.ADPCM]: 'Microsoft ADPCM',
  [WaveFormat.IEEE_FLOAT]: 'IEEE float',
  [WaveFormat.ALAW]: 'A-law',
  [WaveFormat.MULAW]: 'µ-law',
  [WaveFormat.IMA_ADPCM]: 'IMA ADPCM',
  [WaveFormat.MPEG]: 'MPEG audio',
  [WaveFormat.MPEG_LAYER3]: 'MP3',
}
const SUPPORTED = '16-bit PCM, 8-bit µ-law or 8-bit A-law'
const CODEC_NAMES: Readonly<Record<WavCodec, string>> = { l16: 'PCM 16-bit', pcmu: 'G.711 µ-law', pcma: 'G.711 A-law' }

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
}

export type WavCodec = Extract<AudioCodec, 'l16' | 'pcmu' | 'pcma'>

export interface WavFile {
  codec: WavCodec
  sampleRate: number
  channels: number
  /** Bytes per sampling instant (all channels). */
  blockAlign: number
  /** Samples ready for RTP: big-endian for L16 (a converted copy), the file's bytes for G.711 (a view). */
  data: Buffer
  /** The format tag of the file (after resolving WAVE_FORMAT_EXTENSIBLE). */
  formatTag: number
}

function readWavBytes(file: string): Buffer {
  try {
    const size = statSync(file).size
    if (size > MAX_WAV_FILE_SIZE) {
      throw new ConfigError('ERR_SOURCE_FILE', `cannot read ${file}: ${size} bytes is more than the ${MAX_WAV_FILE_SIZE} allowed`, {
        observed: size,
        allowed: MAX_WAV_FILE_SIZE,
      })
    }
    return readFileSync(file)
  } catch (err) {
    if (err instanceof RtspkitError) throw err
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new ConfigError(
      'ERR_SOURCE_FILE',
      `cannot read ${file}: ${FS_ERRORS[code] ?? (err as Error).message}`,
      { observed: code, path: file },
      { cause: err },
    )
  }
}

function formatName(tag: number): string {
  return FORMAT_NAMES[tag] ?? `0x${tag.toString(16).padStart(4, '0')}`
}

interface FmtChunk {
  formatTag: number
  channels: number
  sampleRate: number
  blockAlign: number
  bitsPerSample: number
}

function parseFmt(file: string, body: Buffer): FmtChunk {
  if (body.length < FMT_MIN_SIZE) {
    throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: WAV fmt chunk of ${body.length} bytes is too short`, {
      observed: body.length,
      allowed: `>= ${FMT_MIN_SIZE}`,
    })
  }
  let formatTag = body.readUInt16LE(0)
  if (formatTag === WaveFormat.EXTENSIBLE) {
    if (body.length < FMT_EXTENSIBLE_SIZE) {
      throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: WAVE_FORMAT_EXTENSIBLE fmt chunk of ${body.length} bytes is too short`, {
        observed: body.length,
        allowed: `>= ${FMT_EXTENSIBLE_SIZE}`,
      })
    }
    formatTag = body.readUInt16LE(FMT_SUBFORMAT)
  }
  return {
    formatTag,
    channels: body.readUInt16LE(FMT_CHANNELS),
    sampleRate: body.readUInt32LE(FMT_SAMPLE_RATE),
    blockAlign: body.readUInt16LE(FMT_BLOCK_ALIGN),
    bitsPerSample: body.readUInt16LE(FMT_BITS),
  }
}

function codecFor(file: string, fmt: FmtChunk): WavCodec {
  const { formatTag, bitsPerSample } = fmt
  if (formatTag === WaveFormat.PCM && bitsPerSample === 16) return 'l16'
  if (formatTag === WaveFormat.MULAW && bitsPerSample === 8) return 'pcmu'
  if (formatTag === WaveFormat.ALAW && bitsPerSample === 8) return 'pcma'
  throw new ConfigError(
    'ERR_SOURCE_FORMAT',
    `${file}: WAV format ${formatName(formatTag)} ${bitsPerSample}-bit is not supported; use ${SUPPORTED}`,
    {
      observed: { formatTag, bitsPerSample },
      allowed: SUPPORTED,
    },
  )
}

/**
 * Parses a WAV file held in memory. Throws ConfigError with a one-line message naming `file` for anything
 * that is not a WAV file rtspkit can send.
 */
export function parseWav(file: string, buf: Buffer): WavFile {
  if (
    buf.length < RIFF_HEADER_SIZE ||
    buf.toString('latin1', RIFF_ID_OFFSET, RIFF_ID_OFFSET + ID_SIZE) !== 'RIFF' ||
    buf.toString('latin1', RIFF_FORM_OFFSET, RIFF_FORM_OFFSET + ID_SIZE) !== 'WAVE'
  ) {
    const what = buf.toString('latin1', 0, ID_SIZE) === 'RF64' ? ' (RF64 is not supported)' : ''
    throw new ConfigError('ERR_SOURCE_FORMAT', `${file} is not a WAV file (no RIFF/WAVE header)${what}`, { path: file })
  }
  let fmt: FmtChunk | undefined
  let data: Buffer | undefined
  let off = RIFF_HEADER_SIZE
  for (let chunks = 0; off + CHUNK_HEADER_SIZE <= buf.length && !(fmt && data); chunks++) {
    if (chunks >= MAX_WAV_CHUNKS) {
      throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: no fmt and data chunks in the first ${MAX_WAV_CHUNKS} WAV chunks`, {
        observed: chunks,
        allowed: MAX_WAV_CHUNKS,
      })
    }
    const id = buf.toString('latin1', off, off + ID_SIZE)
    const size = buf.readUInt32LE(off + CHUNK_SIZE_OFFSET)
    const start = off + CHUNK_HEADER_SIZE
    const end = Math.min(buf.length, start + size) // a size past the end: take what is there (see quirk above)
    if (id === 'fmt ') fmt = parseFmt(file, buf.subarray(start, end))
    else if (id === 'data') data = buf.subarray(start, end)
    off = start + size + (size & 1)
  }
  if (!fmt) throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: WAV file has no fmt chunk`, { path: file })
  if (!data) throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: WAV file has no data chunk`, { path: file })

  const codec = codecFor(file, fmt)
  const { channels, sampleRate, blockAlign, formatTag } = fmt
  if (channels < 1 || channels > MAX_L16_CHANNELS) {
    throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: WAV with ${channels} channels is not supported (1..${MAX_L16_CHANNELS})`, {
      observed: channels,
      allowed: `1..${MAX_L16_CHANNELS}`,
    })
  }
  const expectedAlign = (channels * fmt.bitsPerSample) / 8
  if (blockAlign !== expectedAlign) {
    throw new ConfigError(
      'ERR_SOURCE_FORMAT',
      `${file}: WAV block align ${blockAlign} does not match ${channels} channels of ${fmt.bitsPerSample} bits`,
      { observed: blockAlign, allowed: expectedAlign },
    )
  }
  if (codec === 'l16' && (sampleRate < 1 || sampleRate > MAX_L16_SAMPLE_RATE)) {
    throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: WAV sample rate ${sampleRate} Hz is not in 1..${MAX_L16_SAMPLE_RATE}`, {
      observed: sampleRate,
      allowed: `1..${MAX_L16_SAMPLE_RATE}`,
    })
  }
  if (codec !== 'l16' && sampleRate !== G711_CLOCK_RATE) {
    throw new ConfigError(
      'ERR_SOURCE_FORMAT',
      `${file}: ${formatName(formatTag)} WAV at ${sampleRate} Hz is not supported; G.711 over RTP is ${G711_CLOCK_RATE} Hz`,
      { observed: sampleRate, allowed: G711_CLOCK_RATE },
    )
  }
  const samples = data.subarray(0, data.length - (data.length % blockAlign))
  if (samples.length === 0) throw new ConfigError('ERR_SOURCE_FORMAT', `${file}: WAV file has no samples`, { path: file })
  // L16 is big-endian on the wire; convert once here instead of per packet.
  const out = codec === 'l16' ? Buffer.from(samples).swap16() : samples
  return { codec, sampleRate, channels, blockAlign, data: out, formatTag }
}

/** Reads and parses a WAV file; see `parseWav`. */
export function loadWavFile(file: string): WavFile {
  return parseWav(file, readWavBytes(file))
}

export interface WavFileSourceOptions {
  /** Start again after the last sample (default true); when false the source stops itself. */
  loop?: boolean
  clock?: Clock
}

/**
 * Plays a WAV file as a live audio track in 20 ms blocks. Block k holds sampling instants
 * floor(k·rate/50) up to floor((k+1)·rate/50), so rates that are not a multiple of 50 (11025 Hz) keep
 * exact time; its presentation time is its first instant's. When looping, a block that crosses the end of
 * the file continues with its start (one copy), so the sample clock never jumps.
 */
export class WavFileSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  readonly file: WavFile
  private readonly instants: number
  private readonly loop: boolean
  private readonly pacer: Pacer
  private push: FramePush | undefined

  constructor(file: string, opts: WavFileSourceOptions = {}) {
    this.file = loadWavFile(file)
    const { codec, sampleRate, channels, data, blockAlign } = this.file
    this.instants = data.length / blockAlign
    this.loop = opts.loop ?? true
    this.tracks = [{ kind: 'audio', codec, sampleRate, channels }]
    const seconds = (this.instants / sampleRate).toFixed(1)
    const layout = channels === 1 ? 'mono' : channels === 2 ? 'stereo' : `${channels} channels`
    this.description = `${path.basename(file)} (${CODEC_NAMES[codec]} ${sampleRate} Hz ${layout}, ${seconds} s${this.loop ? ', looping' : ''})`
    this.pacer = new Pacer(BLOCKS_PER_SECOND, (i) => this.tick(i), opts.clock ?? systemClock)
  }

  get running(): boolean {
    return this.pacer.running
  }

  /** Starts pushing blocks; after `stop` it may start again and continues the same timeline. */
  start(push: FramePush): void {
    if (this.pacer.running) throw new StateError('ERR_SOURCE_STARTED', 'WAV file source is already started')
    this.push = push
    this.pacer.start()
  }

  /** Idempotent; clears the timer. */
  stop(): void {
    this.pacer.stop()
  }

  /** Sampling instants [start, end) of block `index` on the timeline. */
  blockRange(index: number): [number, number] {
    const rate = this.file.sampleRate
    return [Math.floor((index * rate) / BLOCKS_PER_SECOND), Math.floor(((index + 1) * rate) / BLOCKS_PER_SECOND)]
  }

  /** The bytes of instants [start, end) of the looping timeline. */
  blockBytes(start: number, end: number): Buffer {
    const { data, blockAlign } = this.file
    const from = (start % this.instants) * blockAlign
    const length = (end - start) * blockAlign
    if (from + length <= data.length) return data.subarray(from, from + length)
    const out = Buffer.allocUnsafe(length)
    let written = data.copy(out, 0, from)
    while (written < length) written += data.copy(out, written, 0, Math.min(data.length, length - written))
    return out
  }

  private tick(index: number): void {
    const [start, blockEnd] = this.blockRange(index)
    let end = blockEnd
    if (!this.loop) {
      end = Math.min(end, this.instants)
      if (start >= end) {
        this.pacer.stop()
        return
      }
    }
    if (end > start) this.push?.(0, this.blockBytes(start, end), (start * 1000) / this.file.sampleRate)
    if (!this.loop && end >= this.instants) this.pacer.stop()
  }
}
