/**
 * Application-defined packet (APP), RFC 3550 section 6.7. Kept as an RtcpRawPacket by `parseRtcp`;
 * these helpers read and build its fields.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P| subtype |   PT=APP=204  |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           SSRC/CSRC                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          name (ASCII)                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   application-dependent data                ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { LimitError, ParseError } from '../errors.js'
import { RtcpPacketType } from './header.js'
import { RtcpRawPacket } from './raw-packet.js'

const SSRC_OFFSET = 0
const NAME_OFFSET = 4
const NAME_SIZE = 4
const DATA_OFFSET = 8

export interface RtcpAppFields {
  subtype: number
  ssrc: number
  /** Four characters; read as latin1 so any bytes survive. */
  name: string
  /** A view into the packet's payload. */
  data: Buffer
}

/**
 * Reads the APP fields of a raw packet. Lenient: the packet type is not checked and the data
 * need not be a multiple of 4; only a payload too short for SSRC and name is an error.
 */
export function readRtcpApp(p: RtcpRawPacket): RtcpAppFields {
  if (p.payload.length < DATA_OFFSET) {
    throw new ParseError('ERR_RTCP_SHORT', `APP payload needs ${DATA_OFFSET} bytes, has ${p.payload.length}`, {
      observed: p.payload.length,
      allowed: `>= ${DATA_OFFSET}`,
    })
  }
  return {
    subtype: p.count,
    ssrc: p.payload.readUInt32BE(SSRC_OFFSET),
    name: p.payload.toString('latin1', NAME_OFFSET, NAME_OFFSET + NAME_SIZE),
    data: p.payload.subarray(DATA_OFFSET),
  }
}

/** Builds an APP packet; `data` must be a multiple of 4 bytes (it is copied). */
export function createRtcpApp(f: RtcpAppFields): RtcpRawPacket {
  if (Buffer.byteLength(f.name, 'latin1') !== NAME_SIZE) {
    throw new LimitError('ERR_RTCP_APP_NAME', `APP name must be ${NAME_SIZE} characters`, { observed: f.name, allowed: NAME_SIZE })
  }
  const payload = Buffer.alloc(DATA_OFFSET + f.data.length)
  payload.writeUInt32BE(f.ssrc >>> 0, SSRC_OFFSET)
  payload.write(f.name, NAME_OFFSET, NAME_SIZE, 'latin1')
  f.data.copy(payload, DATA_OFFSET)
  return new RtcpRawPacket({ packetType: RtcpPacketType.APP, count: f.subtype, payload })
}
