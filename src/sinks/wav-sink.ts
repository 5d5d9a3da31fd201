/**
 * WAV files (RIFF WAVE; Microsoft "Multimedia Programming Interface and Data Specifications 1.0",
 * and RFC 2361 for the format tags) from L16 and G.711 streams:
 *
 *   RIFF <size> WAVE
 *   fmt  <16|18> formatTag channels sampleRate byteRate blockAlign bitsPerSample [cbSize = 0]
 *   fact 4 <sample frames>            (non-PCM formats only)
 *   data <size> samples…
 *
 * L16 (RFC 3551 4.5.11, big-endian) becomes 16-bit little-endian PCM (tag 1). G.711 is kept as it
 * came, µ-law (tag 7) or A-law (tag 6), 8 bits per sample, unless `decodeG711` asks for 16-bit PCM.
 * Sizes are patched in when the file is closed; on a stream (stdout) they are written as 0xFFFFFFFF,
 * which ffmpeg and sox read as "until the end".
 *
 * The RTP timestamp of audio counts samples (RFC 3551 4.1), so a gap in timestamps is lost packets:
 * it is filled with silence (up to MAX_SILENCE_S) to keep the file in time with the stream.
 */
import fs from 'node:fs/promises'
import { ConfigError } from '../errors.js'
import { alawDecode } from '../codecs/g711/alaw.js'
import { mulawDecode } from '../codecs/g711/mulaw.js'
import type { RtpFrame } from '../rtp/receiver.js'
import { tsDiff } from '../util/serial.js'
import type { ByteOutput } from './byte-output.js'
import type { FrameSink } from './frame-sink.js'

export type WavInput = 'pcm-s16be' | 'g711-ulaw' | 'g711-alaw'

export const WAV_FORMAT_PCM = 1
export const WAV_FORMAT_ALAW = 6
export const WAV_FORMAT_MULAW = 7
const RIFF_HEADER_SIZE = 12
const CHUNK_HEADER_SIZE = 8
const FMT_PCM_SIZE = 16
/** WAVEFORMATEX with cbSize = 0, required for non-PCM tags. */
const FMT_EX_SIZE = 18
const FACT_SIZE = 4
const UNKNOWN_SIZE = 0xffff_ffff
const MAX_U32 = 0xffff_ffff
/** Longest timestamp gap filled with silence; a larger jump is a restart, not a loss. */
const MAX_SILENCE_S = 10
/** G.711 codes for zero: µ-law 0xFF, A-law 0xD5 (ITU-T G.711 Tables 1 and 2). */
const MULAW_SILENCE = 0xff
const ALAW_SILENCE = 0xd5
const MAX_CHANNELS = 64
const MAX_SAMPLE_RATE = 384_000

export interface WavSinkOptions {
  input: WavInput
  sampleRate: number
  channels: number
  /** G.711 → 16-bit PCM instead of keeping the codes (tags 7/6). */
  decodeG711?: boolean
}

export class WavSink implements FrameSink {
  readonly description: string
  framesWritten = 0
  readonly framesSkipped = 0
  readonly formatTag: number
  readonly bitsPerSample: number
  private readonly bytesPerInstant: number
  private dataBytes = 0
  private nextTimestamp: number | undefined
  private closing: Promise<void> | undefined

  constructor(
    private readonly out: ByteOutput,
    private readonly opts: WavSinkOptions,
  ) {
    if (!Number.isInteger(opts.channels) || opts.channels < 1 || opts.channels > MAX_CHANNELS) {
      throw new ConfigError('ERR_SINK_FORMAT', `cannot write ${opts.channels} channels to WAV`, {
        observed: opts.channels,
        allowed: `1..${MAX_CHANNELS}`,
      })
    }
    if (!Number.isInteger(opts.sampleRate) || opts.sampleRate < 1 || opts.sampleRate > MAX_SAMPLE_RATE) {
      throw new ConfigError('ERR_SINK_FORMAT', `cannot write a ${opts.sampleRate} Hz WAV`, {
        observed: opts.sampleRate,
        allowed: `1..${MAX_SAMPLE_RATE}`,
      })
    }
    const pcm = opts.input === 'pcm-s16be' || opts.decodeG711 === true
    this.formatTag = pcm ? WAV_FORMAT_PCM : opts.input === 'g711-ulaw' ? WAV_FORMAT_MULAW : WAV_FORMAT_ALAW
    this.bitsPerSample = pcm ? 16 : 8
    this.bytesPerInstant = (this.bitsPerSample / 8) * opts.channels
    const what = this.formatTag === WAV_FORMAT_PCM ? '16-bit PCM' : this.formatTag === WAV_FORMAT_MULAW ? 'G.711 µ-law' : 'G.711 A-law'
    this.description = `${out.path ?? 'stdout'} (WAV, ${what}, ${opts.sampleRate} Hz, ${opts.channels} ch)`
    out.write(this.header(out.path ? 0 : UNKNOWN_SIZE))
  }

  /** Samples per channel written so far. */
  get sampleFrames(): number {
    return this.dataBytes / this.bytesPerInstant
  }

  write(frame: RtpFrame): void {
    if (this.closing) return
    const inputBytesPerInstant = (this.opts.input === 'pcm-s16be' ? 2 : 1) * this.opts.channels
    const instants = Math.floor(frame.data.length / inputBytesPerInstant)
    if (this.nextTimestamp !== undefined) {
      const gap = tsDiff(this.nextTimestamp, frame.timestamp)
      if (gap > 0 && gap <= MAX_SILENCE_S * this.opts.sampleRate) this.writeData(this.silence(gap))
    }
    this.nextTimestamp = (frame.timestamp + instants) >>> 0
    this.writeData(this.convert(frame.data.subarray(0, instants * inputBytesPerInstant)))
    this.framesWritten++
  }

  close(): Promise<void> {
    this.closing ??= this.finish()
    return this.closing
  }

  private async finish(): Promise<void> {
    await this.out.close()
    const file = this.out.path
    if (!file) return
    const fh = await fs.open(file, 'r+')
    try {
      await fh.write(this.header(this.dataBytes), 0, undefined, 0)
    } finally {
      await fh.close()
    }
  }

  private writeData(buf: Buffer): void {
    if (buf.length === 0) return
    this.out.write(buf)
    this.dataBytes += buf.length
  }

  private convert(data: Buffer): Buffer {
    if (this.opts.input === 'pcm-s16be') {
      const le = Buffer.from(data) // a copy: the frame may be a view of the packet
      le.swap16()
      return le
    }
    if (this.formatTag !== WAV_FORMAT_PCM) return data
    const samples = this.opts.input === 'g711-ulaw' ? mulawDecode(data) : alawDecode(data)
    const out = Buffer.allocUnsafe(samples.length * 2)
    for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2)
    return out
  }

  private silence(instants: number): Buffer {
    const fill = this.formatTag === WAV_FORMAT_MULAW ? MULAW_SILENCE : this.formatTag === WAV_FORMAT_ALAW ? ALAW_SILENCE : 0
    return Buffer.alloc(instants * this.bytesPerInstant, fill)
  }

  /** The header for `dataBytes` of samples (UNKNOWN_SIZE when streaming). */
  private header(dataBytes: number): Buffer {
    const pcm = this.formatTag === WAV_FORMAT_PCM
    const fmtSize = pcm ? FMT_PCM_SIZE : FMT_EX_SIZE
    const factSize = pcm ? 0 : CHUNK_HEADER_SIZE + FACT_SIZE
    const headerSize = RIFF_HEADER_SIZE + CHUNK_HEADER_SIZE + fmtSize + factSize + CHUNK_HEADER_SIZE
    const h = Buffer.alloc(headerSize)
    const riffSize = dataBytes === UNKNOWN_SIZE ? UNKNOWN_SIZE : Math.min(MAX_U32, headerSize - CHUNK_HEADER_SIZE + dataBytes)
    let o = 0
    o += h.write('RIFF', o, 'latin1')
    o = h.writeUInt32LE(riffSize, o)
    o += h.write('WAVE', o, 'latin1')
    o += h.write('fmt ', o, 'latin1')
    o = h.writeUInt32LE(fmtSize, o)
    o = h.writeUInt16LE(this.formatTag, o)
    o = h.writeUInt16LE(this.opts.channels, o)
    o = h.writeUInt32LE(this.opts.sampleRate, o)
    o = h.writeUInt32LE(this.opts.sampleRate * this.bytesPerInstant, o)
    o = h.writeUInt16LE(this.bytesPerInstant, o)
    o = h.writeUInt16LE(this.bitsPerSample, o)
    if (!pcm) {
      o = h.writeUInt16LE(0, o) // cbSize
      o += h.write('fact', o, 'latin1')
      o = h.writeUInt32LE(FACT_SIZE, o)
      o = h.writeUInt32LE(dataBytes === UNKNOWN_SIZE ? 0 : Math.min(MAX_U32, dataBytes / this.bytesPerInstant), o)
    }
    o += h.write('data', o, 'latin1')
    h.writeUInt32LE(dataBytes === UNKNOWN_SIZE ? UNKNOWN_SIZE : Math.min(MAX_U32, dataBytes), o)
    return h
  }
}
