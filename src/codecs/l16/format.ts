/**
 * SDP for L16 over RTP, RFC 3551 section 4.5.11 and Table 4: uncompressed 16-bit signed samples in
 * network byte order, any rate and channel count. Static payload types exist for 44100 Hz only:
 * 10 (two channels) and 11 (one channel); everything else needs a dynamic type and an rtpmap:
 *
 *   a=rtpmap:98 L16/48000/2
 *
 * The rtpmap is written for static types too: some clients only look at rtpmap.
 */
export const L16_ENCODING_NAME = 'L16'
export const L16_STEREO_44100_PAYLOAD_TYPE = 10
export const L16_MONO_44100_PAYLOAD_TYPE = 11
export const L16_STATIC_RATE = 44100
export const DEFAULT_L16_PAYLOAD_TYPE = 98
export const L16_BYTES_PER_SAMPLE = 2

/** Payload type 10 or 11 for 44100 Hz stereo or mono, else undefined. */
export function l16StaticPayloadType(sampleRate: number, channels: number): number | undefined {
  if (sampleRate !== L16_STATIC_RATE) return undefined
  if (channels === 2) return L16_STEREO_44100_PAYLOAD_TYPE
  if (channels === 1) return L16_MONO_44100_PAYLOAD_TYPE
  return undefined
}

/** `<pt> L16/<rate>/<channels>`. */
export function l16Rtpmap(payloadType: number, sampleRate: number, channels: number): string {
  return `${payloadType} ${L16_ENCODING_NAME}/${sampleRate}/${channels}`
}
