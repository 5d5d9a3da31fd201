/**
 * SDP for RTP/JPEG: RFC 3551 section 6 (static payload type 26, "JPEG/90000") and the attributes
 * receivers use to learn the size before the first frame:
 *   a=framesize:26 640-480   (RFC 2435 cannot signal sizes above 2040; ffmpeg, VLC/live555 and
 *                             GStreamer read this form, from 3GPP TS 26.234 / draft-ietf-avt-rtp-jpeg)
 *   a=framerate:25           (RFC 4566 section 6)
 */
export const JPEG_PAYLOAD_TYPE = 26
export const JPEG_CLOCK_RATE = 90000
export const JPEG_ENCODING_NAME = 'JPEG'

export interface SdpAttributeData {
  key: string
  value?: string
}

/** The static mapping: `a=rtpmap:26 JPEG/90000`. */
export const jpegRtpmap = {
  payloadType: JPEG_PAYLOAD_TYPE,
  encodingName: JPEG_ENCODING_NAME,
  clockRate: JPEG_CLOCK_RATE,
  /** The `a=rtpmap:` value. */
  value: `${JPEG_PAYLOAD_TYPE} ${JPEG_ENCODING_NAME}/${JPEG_CLOCK_RATE}`,
} as const

export interface JpegMediaParams {
  width?: number | undefined
  height?: number | undefined
  fps?: number | undefined
  payloadType?: number | undefined
}

/** rtpmap, then framesize and framerate when known, ready to append to a media section. */
export function jpegMediaAttributes(p: JpegMediaParams = {}): SdpAttributeData[] {
  const pt = p.payloadType ?? JPEG_PAYLOAD_TYPE
  const out: SdpAttributeData[] = [{ key: 'rtpmap', value: `${pt} ${JPEG_ENCODING_NAME}/${JPEG_CLOCK_RATE}` }]
  if (p.width !== undefined && p.height !== undefined) out.push({ key: 'framesize', value: `${pt} ${p.width}-${p.height}` })
  if (p.fps !== undefined) out.push({ key: 'framerate', value: formatFps(p.fps) })
  return out
}

function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : String(Math.round(fps * 1000) / 1000)
}

export { parseFramesize } from '../framesize.js'
