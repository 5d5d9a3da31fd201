/**
 * The MP4 track for a received RTP format: what the SDP's rtpmap and fmtp say (parameter sets, the
 * decoder configuration, the clock rate and channels), read by the format's codec, in the shape the MP4
 * writer takes. Parameter sets missing from the SDP are learned from the stream.
 */
import type { CodecDescriptor, FormatParams } from '../../codecs/codec.js'
import { fmtpText } from '../../codecs/format-helpers.js'
import { builtinNames } from '../../codecs/registry.js'
import { ConfigError, RtspkitError } from '../../errors.js'
import type { TrackInfo } from '../../stream/media.js'

/** Whether an RTP format can be written to MP4. */
export function mp4Accepts(codec: CodecDescriptor): boolean {
  return codec.mp4 !== undefined && codec.readSdp !== undefined
}

/** Throws ConfigError('ERR_MP4_CODEC') for formats MP4 cannot carry, ('ERR_MP4_TRACK_CONFIG') for unusable fmtp. */
export function mp4TrackFor(codec: CodecDescriptor, params: FormatParams): TrackInfo {
  if (!codec.readSdp || !mp4Accepts(codec))
    throw new ConfigError('ERR_MP4_CODEC', `cannot write ${codec.encodingName} to MP4`, {
      observed: codec.encodingName,
      allowed: builtinNames(mp4Accepts),
    })
  try {
    return codec.readSdp(params).info
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
