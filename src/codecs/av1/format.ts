/**
 * SDP for AV1 over RTP, "RTP Payload Format For AV1" v1.0 section 7.2: `a=rtpmap:<pt> AV1/90000` and the
 * optional fmtp `profile` (0..2, default 0), `level-idx` (0..31, default 5) and `tier` (0..1, default 0),
 * which the track learns from the sequence header.
 */
export const AV1_ENCODING_NAME = 'AV1'

/** `profile=…;level-idx=…;tier=…` */
export const av1Fmtp = (p: { profile: number; levelIdx: number; tier: number }): string =>
  `profile=${p.profile};level-idx=${p.levelIdx};tier=${p.tier}`
