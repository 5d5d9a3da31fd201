/**
 * The MP4 track for a received RTP format: what the SDP's rtpmap and fmtp say (sprop parameter sets,
 * the AAC `config=`, the clock rate and channels), in the shape the MP4 writer takes. Parameter sets
 * missing from the SDP are learned from the stream.
 */
import { ConfigError, RtspkitError } from '../../errors.js'
import type { FormatParams } from '../../codecs/codec.js'
import { parseAacFmtp } from '../../codecs/aac/format.js'
import { parseH264Fmtp } from '../../codecs/h264/format.js'
import { parseH265Fmtp } from '../../codecs/h265/format.js'
import type { CodecDescriptor, FrameFormat } from '../../codecs/registry.js'
import type { TrackInfo } from '../../sources/source.js'

/** Frame formats the MP4 writer carries. */
export const MP4_FRAME_FORMATS: readonly FrameFormat[] = ['annexb', 'aac', 'opus', 'pcm-s16be', 'g711-ulaw', 'g711-alaw']

const fmtpText = (fmtp: ReadonlyMap<string, string>): string => [...fmtp].map(([k, v]) => `${k}=${v}`).join(';')

/** Whether an RTP format can be written to MP4. */
export function mp4Accepts(codec: CodecDescriptor): boolean {
  return MP4_FRAME_FORMATS.includes(codec.frameFormat) && (codec.frameFormat !== 'annexb' || codec.name === 'h264' || codec.name === 'h265')
}

/** Throws ConfigError('ERR_MP4_CODEC') for formats MP4 cannot carry, ('ERR_MP4_TRACK_CONFIG') for unusable fmtp. */
export function mp4TrackFor(codec: CodecDescriptor, params: FormatParams): TrackInfo {
  if (!mp4Accepts(codec))
    throw new ConfigError('ERR_MP4_CODEC', `cannot write ${codec.encodingName} to MP4`, {
      observed: codec.encodingName,
      allowed: MP4_FRAME_FORMATS,
    })
  const audio = (c: 'aac' | 'opus' | 'l16' | 'pcmu' | 'pcma'): TrackInfo => ({
    kind: 'audio',
    codec: c,
    sampleRate: params.clockRate,
    channels: params.channels ?? 1,
  })
  try {
    switch (codec.frameFormat) {
      case 'annexb': {
        if (codec.name === 'h265') {
          const p = parseH265Fmtp(fmtpText(params.fmtp))
          return { kind: 'video', codec: 'h265', ...(p.vps && { vps: p.vps }), ...(p.sps && { sps: p.sps }), ...(p.pps && { pps: p.pps }) }
        }
        const p = parseH264Fmtp(fmtpText(params.fmtp))
        return { kind: 'video', codec: 'h264', ...(p.sps && { sps: p.sps }), ...(p.pps && { pps: p.pps }) }
      }
      case 'aac':
        return { ...audio('aac'), config: parseAacFmtp(params.fmtp).config } as TrackInfo
      case 'opus':
        return audio('opus')
      case 'pcm-s16be':
        return audio('l16')
      case 'g711-ulaw':
        return audio('pcmu')
      default:
        return audio('pcma')
    }
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError(
      'ERR_MP4_TRACK_CONFIG',
      `cannot write this ${codec.encodingName} stream to MP4: ${err.message}`,
      { observed: fmtpText(params.fmtp) },
      { cause: err },
    )
  }
}
