/**
 * SDP for G.711 over RTP, RFC 3551 section 4.5.14 (PCMA, PCMU) and Table 4: static payload types
 * 0 (PCMU) and 8 (PCMA), 8000 Hz, one channel. Other channel counts need a dynamic payload type and an
 * rtpmap with the channel count (section 4.1, "encoding parameters").
 *
 *   a=rtpmap:0 PCMU/8000        a=rtpmap:8 PCMA/8000        a=rtpmap:96 PCMU/8000/2
 *
 * Static payload types need no rtpmap, but it is written anyway: some clients only look at rtpmap.
 */
export type G711Law = 'pcmu' | 'pcma'

export const PCMU_PAYLOAD_TYPE = 0
export const PCMA_PAYLOAD_TYPE = 8
export const G711_CLOCK_RATE = 8000
/** Payload type used for multichannel G.711 when none is given. */
export const DEFAULT_G711_DYNAMIC_PAYLOAD_TYPE = 96

/** `PCMU` or `PCMA`. */
export function g711EncodingName(law: G711Law): 'PCMU' | 'PCMA' {
  return law === 'pcmu' ? 'PCMU' : 'PCMA'
}

/** The static payload type of a law (mono only). */
export function g711StaticPayloadType(law: G711Law): number {
  return law === 'pcmu' ? PCMU_PAYLOAD_TYPE : PCMA_PAYLOAD_TYPE
}

/** The law named by an rtpmap encoding name (case-insensitive), or undefined. */
export function g711LawFromEncodingName(name: string): G711Law | undefined {
  const n = name.toUpperCase()
  return n === 'PCMU' ? 'pcmu' : n === 'PCMA' ? 'pcma' : undefined
}

/** `<pt> PCMU/8000`, with `/<channels>` when not mono. */
export function g711Rtpmap(law: G711Law, payloadType: number, channels = 1): string {
  return `${payloadType} ${g711EncodingName(law)}/${G711_CLOCK_RATE}${channels === 1 ? '' : `/${channels}`}`
}
