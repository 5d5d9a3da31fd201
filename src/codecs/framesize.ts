/**
 * `a=framesize:<pt> <width>-<height>` (3GPP TS 26.234, draft-ietf-avt-rtp-jpeg): the picture size some
 * senders give in SDP, read by ffmpeg, VLC/live555 and GStreamer for any video format.
 */
import { ParseError } from '../errors.js'

const FRAMESIZE = /^(\d{1,3})\s+(\d{1,5})-(\d{1,5})$/

/** Parses an `a=framesize:` value ("26 640-480"). */
export function parseFramesize(value: string): { payloadType: number; width: number; height: number } {
  const m = FRAMESIZE.exec(value.trim())
  if (!m) throw new ParseError('ERR_SDP_FRAMESIZE', `invalid framesize "${value}"`, { observed: value, allowed: 'PT W-H' })
  return { payloadType: Number(m[1]), width: Number(m[2]), height: Number(m[3]) }
}
