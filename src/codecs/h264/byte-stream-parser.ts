/** The H.264 case of AnnexBStreamParser (see codecs/annexb-stream-parser.ts). */
import { AnnexBStreamParser, type AnnexBStreamParserOptions, type StreamAccessUnit } from '../annexb-stream-parser.js'

export type H264AccessUnit = StreamAccessUnit
export type H264ByteStreamParserOptions = AnnexBStreamParserOptions

export class H264ByteStreamParser extends AnnexBStreamParser {
  constructor(opts: H264ByteStreamParserOptions = {}) {
    super('h264', opts)
  }
}
