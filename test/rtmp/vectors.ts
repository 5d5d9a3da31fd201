/**
 * Byte vectors of the RTMP chunk stream and AMF0, shared by the reader tests and the fuzzer. Each
 * field is commented; the messages they decode to are given next to them.
 */
import type { RtmpMessage } from '../../src/rtmp/chunk-reader.js'

export interface ChunkVector {
  name: string
  bytes: Buffer
  messages: RtmpMessage[]
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** connect command as ffmpeg sends it, shortened: csid 3, fmt 0, 1 chunk. */
const CONNECT_AMF = hex(
  '02 0007 636f6e6e656374' + // string "connect"
    '00 3ff0000000000000' + // number 1 (transaction id)
    '03 0003 617070 02 0004 6c697665 000009', // object { app: "live" } end
)

export const CHUNK_VECTORS: ChunkVector[] = [
  {
    name: 'fmt 0 single chunk (connect)',
    bytes: Buffer.concat([
      hex(
        '03' + // fmt 0, csid 3
          '000000' + // timestamp 0
          `00${CONNECT_AMF.length.toString(16).padStart(4, '0')}` + // message length
          '14' + // type 20: AMF0 command
          '00000000', // message stream id 0 (little endian)
      ),
      CONNECT_AMF,
    ]),
    messages: [{ chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: CONNECT_AMF }],
  },
  {
    name: 'fmt 0 + fmt 3 continuation (200-byte video message, chunk size 128), then fmt 2 and fmt 3 new messages',
    bytes: Buffer.concat([
      hex('06 000064 0000c8 09 01000000'), // fmt 0 csid 6, ts 100, length 200, video, stream 1
      Buffer.alloc(128, 0xaa),
      hex('c6'), // fmt 3 csid 6: continuation
      Buffer.alloc(72, 0xaa),
      hex('86 000028'), // fmt 2 csid 6, delta 40: next message, same length and type
      Buffer.alloc(128, 0xbb),
      hex('c6'),
      Buffer.alloc(72, 0xbb),
      hex('c6'), // fmt 3 at a message start: the delta again (ts 180)
      Buffer.alloc(128, 0xcc),
      hex('c6'),
      Buffer.alloc(72, 0xcc),
    ]),
    messages: [
      { chunkStreamId: 6, timestamp: 100, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(200, 0xaa) },
      { chunkStreamId: 6, timestamp: 140, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(200, 0xbb) },
      { chunkStreamId: 6, timestamp: 180, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(200, 0xcc) },
    ],
  },
  {
    name: 'fmt 1, two-byte and three-byte basic headers, extended timestamp in fmt 0 and its fmt 3',
    bytes: Buffer.concat([
      hex('04 000000 000002 08 01000000 af01'), // fmt 0 csid 4, audio, 2 bytes
      hex('44 000015 000003 08 af0102'), // fmt 1 csid 4, delta 21, length 3
      hex('00 00 000000 000001 12 01000000 05'), // fmt 0, csid 0+64 = 64 (two-byte basic header), data, null
      hex('01 0001 000000 000001 12 01000000 06'), // fmt 0, csid 64 + 0 + 256 = 320 (three-byte header), undefined
      hex('05 ffffff 000082 09 01000000 01020304'), // fmt 0 csid 5, extended timestamp 0x01020304, length 130
      Buffer.alloc(128, 1),
      hex('c5 01020304'), // fmt 3 repeats the extended timestamp
      Buffer.alloc(2, 1),
    ]),
    messages: [
      { chunkStreamId: 4, timestamp: 0, typeId: 8, messageStreamId: 1, payload: hex('af01') },
      { chunkStreamId: 4, timestamp: 21, typeId: 8, messageStreamId: 1, payload: hex('af0102') },
      { chunkStreamId: 64, timestamp: 0, typeId: 18, messageStreamId: 1, payload: hex('05') },
      { chunkStreamId: 320, timestamp: 0, typeId: 18, messageStreamId: 1, payload: hex('06') },
      { chunkStreamId: 5, timestamp: 0x01020304, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(130, 1) },
    ],
  },
  {
    name: 'Set Chunk Size 4096 then a 300-byte message in one chunk; Abort of a half message',
    bytes: Buffer.concat([
      hex('02 000000 000004 01 00000000 00001000'), // set chunk size 4096
      hex('06 000000 00012c 09 01000000'), // 300 bytes, one chunk now
      Buffer.alloc(300, 7),
      hex('02 000000 001388 09 01000000'), // csid 2... no: a 5000-byte video message begins on csid 2
      Buffer.alloc(4096, 9),
      hex('03 000000 000004 02 00000000 00000002'), // abort csid 2 (sent on csid 3)
      hex('02 000000 000001 09 01000000 42'), // csid 2 starts over with fmt 0
    ]),
    messages: [
      { chunkStreamId: 2, timestamp: 0, typeId: 1, messageStreamId: 0, payload: hex('00001000') },
      { chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(300, 7) },
      { chunkStreamId: 3, timestamp: 0, typeId: 2, messageStreamId: 0, payload: hex('00000002') },
      { chunkStreamId: 2, timestamp: 0, typeId: 9, messageStreamId: 1, payload: hex('42') },
    ],
  },
]

export interface AmfVector {
  name: string
  bytes: Buffer
  /** What decodeAmf0 gives, as JSON-able values (objects compared as plain objects). */
  values: unknown[]
}

export const AMF_VECTORS: AmfVector[] = [
  { name: 'connect', bytes: CONNECT_AMF, values: ['connect', 1, { app: 'live' }] },
  {
    name: 'every simple type',
    bytes: hex(
      '01 01' + // true
        '05' + // null
        '06' + // undefined
        '0c 00000002 6869' + // long string "hi"
        '0a 00000002 00 4000000000000000 02 0001 78' + // strict array [2, "x"]
        '08 00000001 0001 61 00 3ff0000000000000 000009', // ECMA array { a: 1 }
    ),
    values: [true, null, undefined, 'hi', [2, 'x'], { a: 1 }],
  },
]
