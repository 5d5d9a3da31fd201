/**
 * The command line of an `ffmpeg:` source: the user's input arguments, then ours, which make ffmpeg
 * write H.264 Annex-B to stdout. Pure: text in, argv out.
 *
 * Everything after the last `-i INPUT` is an output option of the user's. If those choose a video
 * codec (`-c:v copy` for a camera that already sends H.264, or another H.264 encoder), our encoder
 * options are left out; otherwise libx264 encodes for low latency with an IDR picture every
 * KEYFRAME_INTERVAL_S seconds and no B-frames (we time pictures by arrival, in decoding order).
 */
import { ConfigError } from '../errors.js'

/** Seconds between forced IDR pictures: how long a new reader waits for its first picture, at most. */
export const KEYFRAME_INTERVAL_S = 2

/** Before the user's arguments: quiet, no stdin (ffmpeg would read keys from it), no progress lines. */
const GLOBAL_ARGS = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning']

/** Our encoder when the user chose none. */
export const ENCODER_ARGS: readonly string[] = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-tune',
  'zerolatency',
  '-force_key_frames',
  `expr:gte(t,n_forced*${KEYFRAME_INTERVAL_S})`,
  '-bf',
  '0',
  '-pix_fmt',
  'yuv420p',
]

/**
 * An access unit delimiter in front of every picture, encoded or copied: an access unit is known
 * complete when the next one starts, and an AUD is a whole NAL unit that arrives with the picture
 * after it, so a picture is served one picture period after ffmpeg wrote it instead of two.
 */
export const AUD_ARGS: readonly string[] = ['-bsf:v', 'h264_metadata=aud=insert']

/**
 * The output: video only (the h264 muxer takes one H.264 stream), every packet flushed to the pipe at
 * once, Annex-B on stdout. ffmpeg inserts h264_mp4toannexb itself when copying from MP4/Matroska/RTSP.
 */
export const OUTPUT_ARGS: readonly string[] = ['-an', '-sn', '-dn', '-flush_packets', '1', '-f', 'h264', 'pipe:1']

const BSF_OPTIONS = new Set(['-bsf', '-bsf:v', '-vbsf'])

const CODEC_OPTIONS = new Set(['-c', '-codec', '-c:v', '-codec:v', '-vcodec', '-c:v:0', '-codec:v:0'])

/**
 * Splits a command line the way a POSIX shell would for plain words: blanks separate, '…' is literal,
 * "…" allows \" and \\, a backslash outside quotes escapes the next character. No expansion.
 */
export function splitCommandLine(text: string): string[] {
  const out: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i]
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new ConfigError('ERR_SOURCE', `unterminated ${quote} in "${text}"`, { observed: text })
  if (inWord) out.push(word)
  return out
}

/** The user's part of an `ffmpeg:` source, checked: it must name an input, and leave the output to us. */
export function checkFfmpegInputArgs(args: readonly string[]): void {
  const last = args.lastIndexOf('-i')
  if (last < 0 || last === args.length - 1) {
    throw new ConfigError('ERR_SOURCE', `ffmpeg: needs an input, e.g. ffmpeg:-f v4l2 -i /dev/video0 (got "${args.join(' ')}")`, {
      observed: args.join(' '),
    })
  }
  const output = args.slice(last + 2)
  for (const opt of ['-f', '-y', '-n']) {
    if (output.includes(opt)) {
      throw new ConfigError(
        'ERR_SOURCE',
        `ffmpeg: "${opt}" after the last -i: the output is rtspkit's (H.264 Annex-B on stdout); put input options before -i`,
        {
          observed: opt,
        },
      )
    }
  }
}

function outputOptions(args: readonly string[]): readonly string[] {
  return args.slice(args.lastIndexOf('-i') + 2)
}

/** Whether the user's output options pick a video codec, so ours are left out. */
export function choosesVideoCodec(args: readonly string[]): boolean {
  return outputOptions(args).some((a) => CODEC_OPTIONS.has(a))
}

/**
 * The whole argv after `ffmpeg`. A user's own -bsf:v replaces our AUD insertion (ffmpeg keeps the
 * last one): add h264_metadata=aud=insert to the chain to keep the lower latency.
 */
export function ffmpegCommandLine(args: readonly string[]): string[] {
  checkFfmpegInputArgs(args)
  const userBsf = outputOptions(args).some((a) => BSF_OPTIONS.has(a))
  return [...GLOBAL_ARGS, ...args, ...(choosesVideoCodec(args) ? [] : ENCODER_ARGS), ...(userBsf ? [] : AUD_ARGS), ...OUTPUT_ARGS]
}
