/**
 * RTMP command and data messages (RTMP specification 1.0, 7.1.1 and 7.2): AMF0 values in a row,
 * a command being its name, a transaction id, a command object and arguments. Type 17 (AMF3
 * command) and 15 (AMF3 data) start with a format byte and then hold AMF0 values when the client
 * sticks to AMF0 (objectEncoding 0, which we answer in connect); any AMF3 marker inside is refused.
 */
import { ParseError } from '../errors.js'
import { amf0Object, decodeAmf0, encodeAmf0, type Amf0Limits, type Amf0Object, type Amf0Value } from './amf0.js'
import { MessageType, type RtmpMessage } from './chunk-reader.js'
import { ChunkStream } from './chunk-writer.js'

export interface RtmpCommand {
  name: string
  transactionId: number
  /** The command object (null for most commands but connect). */
  object: Amf0Object | null
  args: Amf0Value[]
}

/** The AMF0 values of a command or data message, past the AMF3 format byte of types 15/17. */
export function messageValues(m: RtmpMessage, limits?: Amf0Limits): Amf0Value[] {
  const amf3 = m.typeId === MessageType.COMMAND_AMF3 || m.typeId === MessageType.DATA_AMF3
  return decodeAmf0(amf3 ? m.payload.subarray(1) : m.payload, limits)
}

const isObject = (v: Amf0Value): v is Amf0Object => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)

/** Reads a command message. Throws ParseError/LimitError for bad AMF0 or a command without a name. */
export function parseCommand(m: RtmpMessage, limits?: Amf0Limits): RtmpCommand {
  const [name, txn, object, ...args] = messageValues(m, limits)
  if (typeof name !== 'string')
    throw new ParseError('ERR_RTMP_COMMAND', 'a command message without a command name', { observed: typeof name })
  return { name, transactionId: typeof txn === 'number' ? txn : 0, object: object !== undefined && isObject(object) ? object : null, args }
}

/** A string property of a command object, or ''. */
export function stringProp(o: Amf0Object | null, key: string): string {
  const v = o?.[key]
  return typeof v === 'string' ? v : ''
}

export function commandMessage(messageStreamId: number, ...values: Amf0Value[]): RtmpMessage {
  return {
    chunkStreamId: ChunkStream.COMMAND,
    timestamp: 0,
    typeId: MessageType.COMMAND_AMF0,
    messageStreamId,
    payload: encodeAmf0(...values),
  }
}

export function dataMessage(messageStreamId: number, payload: Buffer): RtmpMessage {
  return { chunkStreamId: ChunkStream.DATA, timestamp: 0, typeId: MessageType.DATA_AMF0, messageStreamId, payload }
}

/** The answer to connect (7.2.1.1): _result with the server's properties and NetConnection.Connect.Success. */
export function connectResult(transactionId: number): RtmpMessage {
  return commandMessage(
    0,
    '_result',
    transactionId,
    amf0Object({ fmsVer: 'FMS/3,0,1,123', capabilities: 31 }),
    amf0Object({ level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 }),
  )
}

/** A connect refused (rights, unknown path): _error with NetConnection.Connect.Rejected. */
export function connectRejected(transactionId: number, description: string): RtmpMessage {
  return commandMessage(
    0,
    '_error',
    transactionId,
    null,
    amf0Object({ level: 'error', code: 'NetConnection.Connect.Rejected', description }),
  )
}

/** _result of a command with one value (createStream: the stream id; others: null). */
export function result(transactionId: number, value: Amf0Value = null): RtmpMessage {
  return commandMessage(0, '_result', transactionId, null, value)
}

/** NetStream status (7.2.2): onStatus(0, null, {level, code, description}) on the message stream. */
export function onStatus(messageStreamId: number, code: string, description: string, level: 'status' | 'error' = 'status'): RtmpMessage {
  return commandMessage(messageStreamId, 'onStatus', 0, null, amf0Object({ level, code, description }))
}
