/**
 * SDP for VP8 over RTP, RFC 7741 section 6.1: `a=rtpmap:<pt> VP8/90000`. The optional fmtp parameters
 * (max-fr, max-fs) say what a receiver can take; a sender has none to give.
 */
export const VP8_ENCODING_NAME = 'VP8'
