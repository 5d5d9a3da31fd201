/** The Annex-B byte stream (codecs/annexb.ts, shared with H.265), under the name H.264 code has used. */
export * from '../annexb.js'
