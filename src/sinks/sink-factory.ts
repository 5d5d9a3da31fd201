/**
 * Picks the sink for `rtspkit rtp recv --out OUT` from OUT's extension and the stream's codec:
 *
 *   .h264 .264 .avc     H.264 Annex-B           .h265 .265 .hevc   H.265 Annex-B
 *   .mjpeg .mjpg        concatenated JPEGs      DIR/ (or a dir)    one .jpg per frame
 *   .aac .adts          AAC in ADTS             .wav               L16 → PCM; G.711 kept (tags 7/6) or decoded
 *   .mp4                fragmented MP4 (every codec with MP4 hooks, `Codec.mp4`)
 *   .bin .raw           raw payloads, any codec
 *   -                   stdout, in the codec's natural format (Annex-B, MJPEG, ADTS, WAV, raw)
 *
 * A codec/extension mismatch is a ConfigError naming the extensions that fit.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Writable } from 'node:stream'
import { ConfigError, RtspkitError } from '../errors.js'
import type { FormatParams } from '../codecs/codec.js'
import { parseAacFmtp } from '../codecs/aac/format.js'
import type { CodecDescriptor, FrameFormat } from '../codecs/registry.js'
import { AdtsSink } from './adts-sink.js'
import { AnnexBSink } from './annexb-sink.js'
import { openFileOutput, streamOutput, type ByteOutput } from './byte-output.js'
import type { FrameSink } from './frame-sink.js'
import { JpegDirectorySink, MjpegSink } from './jpeg-sinks.js'
import { mp4Accepts } from '../formats/mp4/sdp-track.js'
import { Mp4Sink } from './mp4-sink.js'
import { RawSink } from './raw-sink.js'
import { WavSink } from './wav-sink.js'

export interface SinkOptions {
  codec: CodecDescriptor
  params: FormatParams
  /** G.711 to 16-bit PCM in WAV instead of keeping the codes. */
  decodeG711?: boolean
  /** Where `-` writes (the CLI passes process.stdout); it is not ended on close. */
  stdout?: Writable
}

interface SinkType {
  extensions: readonly string[]
  label: string
  accepts(codec: CodecDescriptor): boolean
  open(out: ByteOutput, opts: SinkOptions): FrameSink
  /** For formats that manage their own file (not a byte stream): opens it from the path. */
  openFile?(path: string, opts: SinkOptions): FrameSink
}

const annexb =
  (name: string) =>
  (c: CodecDescriptor): boolean =>
    c.frameFormat === 'annexb' && c.name === name
const WAV_INPUTS: readonly FrameFormat[] = ['pcm-s16be', 'g711-ulaw', 'g711-alaw']

function aacConfig(params: FormatParams): Buffer {
  try {
    return parseAacFmtp(params.fmtp).config
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError(
      'ERR_SINK_FORMAT',
      `cannot write .aac without the stream's AudioSpecificConfig (fmtp config=): ${err.message}`,
      { observed: [...params.fmtp] },
      { cause: err },
    )
  }
}

export const SINK_TYPES: readonly SinkType[] = [
  {
    extensions: ['.h264', '.264', '.avc'],
    label: 'H.264 Annex-B',
    accepts: annexb('h264'),
    open: (o) => new AnnexBSink(o, { label: 'H.264 Annex-B' }),
  },
  {
    extensions: ['.h265', '.265', '.hevc'],
    label: 'H.265 Annex-B',
    accepts: annexb('h265'),
    open: (o) => new AnnexBSink(o, { label: 'H.265 Annex-B' }),
  },
  { extensions: ['.mjpeg', '.mjpg'], label: 'MJPEG', accepts: (c) => c.frameFormat === 'jpeg', open: (o) => new MjpegSink(o) },
  {
    extensions: ['.aac', '.adts'],
    label: 'AAC (ADTS)',
    accepts: (c) => c.frameFormat === 'aac',
    open: (o, s) => new AdtsSink(o, aacConfig(s.params)),
  },
  {
    extensions: ['.wav'],
    label: 'WAV',
    accepts: (c) => WAV_INPUTS.includes(c.frameFormat),
    open: (o, s) =>
      new WavSink(o, {
        input: s.codec.frameFormat as 'pcm-s16be' | 'g711-ulaw' | 'g711-alaw',
        sampleRate: s.params.clockRate,
        channels: s.params.channels ?? 1,
        decodeG711: s.decodeG711 ?? false,
      }),
  },
  {
    extensions: ['.mp4'],
    label: 'fragmented MP4',
    accepts: mp4Accepts,
    open: () => {
      throw new ConfigError('ERR_SINK_STDOUT', 'MP4 needs a file, not a stream', {})
    },
    openFile: (file, s) => new Mp4Sink(file, s.codec, s.params),
  },
  {
    extensions: ['.bin', '.raw'],
    label: 'raw payloads',
    accepts: () => true,
    open: (o, s) => new RawSink(o, `raw ${s.codec.encodingName} payloads`),
  },
]

/** For stdout: the first byte-stream sink type that takes the codec (raw last). */
function naturalType(codec: CodecDescriptor): SinkType {
  return SINK_TYPES.find((t) => !t.openFile && t.accepts(codec))!
}

function isDirectoryTarget(out: string): boolean {
  if (out.endsWith('/') || out.endsWith(path.sep)) return true
  try {
    return fs.statSync(out).isDirectory()
  } catch {
    return false
  }
}

/** The extensions that can hold `codec`, for messages and help. */
export function sinkExtensionsFor(codec: CodecDescriptor): string[] {
  const exts = SINK_TYPES.filter((t) => t.accepts(codec)).flatMap((t) => t.extensions)
  return codec.frameFormat === 'jpeg' ? [...exts, 'DIR/'] : exts
}

/** Whether `out` (a path, a directory, or `-`) can hold a stream of `codec`. */
export function sinkFits(out: string, codec: CodecDescriptor): boolean {
  if (out === '-') return true
  if (isDirectoryTarget(out)) return codec.frameFormat === 'jpeg'
  const ext = path.extname(out).toLowerCase()
  return SINK_TYPES.some((t) => t.extensions.includes(ext) && t.accepts(codec))
}

/** Opens the sink for `out` (a path, a directory, or `-` for stdout). Throws ConfigError on mismatch or a bad path. */
export function openSink(out: string, opts: SinkOptions): FrameSink {
  const codec = opts.codec
  if (out === '-') {
    if (!opts.stdout) throw new ConfigError('ERR_SINK_STDOUT', 'no stream given for "-"', { observed: out })
    if (codec.frameFormat === 'jpeg') return new MjpegSink(streamOutput(opts.stdout))
    return naturalType(codec).open(streamOutput(opts.stdout), opts)
  }
  if (isDirectoryTarget(out)) {
    if (codec.frameFormat !== 'jpeg') {
      throw new ConfigError(
        'ERR_SINK_FORMAT',
        `cannot write a ${codec.encodingName} stream to directory ${out}; use ${sinkExtensionsFor(codec).join(' ')}`,
        { observed: out, allowed: sinkExtensionsFor(codec) },
      )
    }
    return new JpegDirectorySink(out)
  }
  const ext = path.extname(out).toLowerCase()
  const type = SINK_TYPES.find((t) => t.extensions.includes(ext))
  if (!type || !type.accepts(codec)) {
    const fits = sinkExtensionsFor(codec)
    throw new ConfigError(
      'ERR_SINK_FORMAT',
      `cannot write a ${codec.encodingName} stream to ${path.basename(out)}; use ${fits.join(' ')}`,
      { observed: ext || '(none)', allowed: fits },
    )
  }
  if (type.openFile) return type.openFile(out, opts)
  // Check the format before creating the file, so a refused stream leaves nothing behind.
  if (type.extensions.includes('.aac')) aacConfig(opts.params)
  return type.open(openFileOutput(out), opts)
}
