/**
 * The RTMP attack of the network fuzzer: mutated C0/C1 bytes at the RTMP port, or a real handshake
 * followed by a chunk stream of messages built from valid seeds (rtmp-corpus.ts) and bent by the
 * mutations: set-chunk-size (zero and huge included), connect with a mutated command object or
 * Adobe authentication query, createStream, then publish to the publish path with mutated FLV video
 * and audio tags, or play of /bench. The server's replies are read with rtspkit's own chunk reader
 * and tallied by command name ("RTMP: reply _result", "RTMP: closed by server", …).
 */
import { connect, type Socket } from 'node:net'
import { encodeAmf0, amf0Object, type Amf0Value } from '../../src/rtmp/amf0.js'
import { ChunkReader, MessageType, type RtmpMessage } from '../../src/rtmp/chunk-reader.js'
import { ChunkStream, ChunkWriter, setChunkSizeMessage } from '../../src/rtmp/chunk-writer.js'
import { messageValues } from '../../src/rtmp/commands.js'
import { HANDSHAKE_SIZE } from '../../src/rtmp/handshake.js'
import { mutateBytes, mutateText, type Rng } from './mutate.js'
import type { AttackContext } from './net-attacks.js'
import { c0c1, commandValues, connectApp, connectValues, flvBodies, metadataPayload, RTMP_STREAM_ID } from './rtmp-corpus.js'
import { PUBLISH_MOUNT } from './target.js'

const REPLY_WAIT_MS = 400
const HANDSHAKE_WAIT_MS = 2000
const S0S1S2_SIZE = 1 + 2 * HANDSHAKE_SIZE
/** Chunk sizes clients announce, and the edges: 1, 0, the top bit set, far too big. */
const CHUNK_SIZES = [128, 4096, 60000, 1 << 16]
const BAD_CHUNK_SIZES = [1, 0, 0x7fffffff, 0x80000000, 0x80001000, 16 * 1024 * 1024 + 1, 0xffffffff]
/** One connection in BEND_CHUNKS has one message's chunk bytes mutated (headers included), within its first BEND_WITHIN. */
const BEND_CHUNKS = 0.3
const BEND_WITHIN = 40
/** Largest chunk size our writer will really use (the server may accept more; the bytes would not fit a run). */
const MAX_WRITE_CHUNK = 65536

/** A client socket that collects the server's bytes: the handshake reply, then its chunk stream. */
class RtmpPeer {
  closed = false
  unreadable = false
  private received: Buffer[] = []
  private receivedBytes = 0
  private reader: ChunkReader | undefined
  private waiter: (() => void) | undefined
  readonly replies: RtmpMessage[] = []

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d))
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
  }

  static open(port: number, host: string): Promise<RtmpPeer> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host)
      s.once('connect', () => resolve(new RtmpPeer(s)))
      s.once('error', reject)
    })
  }

  get handshakeBytes(): number {
    return this.receivedBytes
  }

  write(b: Buffer): void {
    if (!this.closed) this.socket.write(b)
  }

  /** Reads the chunk stream that follows S0S1S2 (with a reader of its own: the handshake bytes were collected). */
  startChunks(): Buffer {
    const all = Buffer.concat(this.received)
    this.received = []
    this.reader = new ChunkReader((m) => {
      this.replies.push(m)
      this.wake()
    })
    this.feed(all.subarray(S0S1S2_SIZE))
    return all.subarray(1, 1 + HANDSHAKE_SIZE)
  }

  /** Waits until `done()` or the socket closes, at most `ms`. */
  async until(done: () => boolean, ms: number): Promise<void> {
    const end = performance.now() + ms
    while (!done() && !this.closed && performance.now() < end) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, end - performance.now()))
        this.waiter = () => {
          clearTimeout(t)
          r()
        }
      })
    }
  }

  close(): void {
    this.socket.destroy()
  }

  private onData(d: Buffer): void {
    if (this.reader) this.feed(d)
    else {
      this.received.push(d)
      this.receivedBytes += d.length
      this.wake()
    }
  }

  private feed(d: Buffer): void {
    if (this.unreadable || d.length === 0) return
    try {
      this.reader!.push(d)
    } catch {
      this.unreadable = true
    }
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }
}

/** The class of a server message: a command's name (onStatus with its code), or the kind of message. */
function replyClass(m: RtmpMessage): string {
  if (m.typeId === MessageType.COMMAND_AMF0 || m.typeId === MessageType.DATA_AMF0) {
    try {
      const [name, , , info] = messageValues(m)
      const code = typeof info === 'object' && info !== null && 'code' in info && typeof info.code === 'string' ? ` ${info.code}` : ''
      return `RTMP: reply ${typeof name === 'string' ? name : typeof name}${code}`
    } catch {
      return 'RTMP: reply with bad AMF0'
    }
  }
  if (m.typeId === MessageType.VIDEO || m.typeId === MessageType.AUDIO) return 'RTMP: media'
  return 'RTMP: control'
}

/** A command message, or its AMF0 bytes mutated. */
function command(rng: Rng, streamId: number, values: Amf0Value[], p: number): RtmpMessage {
  const payload = encodeAmf0(...values)
  return {
    chunkStreamId: ChunkStream.COMMAND,
    timestamp: 0,
    typeId: MessageType.COMMAND_AMF0,
    messageStreamId: streamId,
    payload: rng.chance(p) ? mutateBytes(rng, payload) : payload,
  }
}

/** Connect's values with the app, tcUrl or another property bent as text, or unchanged. */
function connectCommand(rng: Rng, path: string, port: number): Amf0Value[] {
  const values = connectValues(connectApp(rng, path), port)
  if (rng.chance(0.4)) {
    const obj = values[2] as Record<string, Amf0Value>
    const key = rng.pick(['app', 'app', 'tcUrl', 'flashVer', 'type'])
    const value = obj[key]
    obj[key] = mutateText(rng, typeof value === 'string' ? value : '')
    if (rng.chance(0.2)) obj[mutateText(rng, 'objectEncoding')] = rng.pick<Amf0Value>([3, -1, 1e300, '0', null, amf0Object({ a: 1 })])
  }
  return values
}

export async function rtmp(ctx: AttackContext): Promise<number> {
  const { rng, target } = ctx
  const port = target.ports.rtmp
  if (port === undefined) return 0
  const peer = await RtmpPeer.open(port, target.host)
  try {
    if (rng.chance(0.15)) {
      // A broken handshake: mutated C0/C1 (a wrong version, cut short, padded) or random bytes.
      peer.write(rng.chance(0.8) ? mutateBytes(rng, c0c1(rng)) : rng.bytes(1 + rng.int(2000)))
      await peer.until(() => peer.handshakeBytes >= S0S1S2_SIZE, REPLY_WAIT_MS)
      ctx.tally(peer.closed ? 'RTMP: closed by server' : peer.handshakeBytes > 0 ? 'RTMP: handshake reply' : 'RTMP: server waits')
      return 1
    }
    peer.write(c0c1(rng))
    await peer.until(() => peer.handshakeBytes >= S0S1S2_SIZE, HANDSHAKE_WAIT_MS)
    if (peer.handshakeBytes < S0S1S2_SIZE) {
      ctx.tally(peer.closed ? 'RTMP: closed by server' : 'RTMP: no handshake reply')
      return 1
    }
    peer.write(peer.startChunks()) // C2: S1 echoed
    return 1 + (await session(ctx, peer, port))
  } finally {
    peer.close()
  }
}

/** After the handshake: the messages of a publisher or a player, mutated; returns how many were sent. */
async function session(ctx: AttackContext, peer: RtmpPeer, port: number): Promise<number> {
  const { rng } = ctx
  const w = new ChunkWriter()
  let sent = 0
  // Now and then one message's chunks are mutated as bytes: the chunk headers themselves get bent.
  // Once a connection at most: the server closes on a bad header, and the messages after it go unread.
  const bendAt = rng.chance(BEND_CHUNKS) ? rng.int(BEND_WITHIN) : -1
  const send = (m: RtmpMessage) => {
    const bytes = Buffer.concat(w.write(m))
    peer.write(sent === bendAt ? mutateBytes(rng, bytes, 2) : bytes)
    sent++
  }
  if (rng.chance(0.5)) {
    const r = rng.float()
    const size = r < 0.6 ? rng.pick(CHUNK_SIZES) : r < 0.85 ? rng.pick(BAD_CHUNK_SIZES) : rng.int(0x100000000)
    send(setChunkSizeMessage(size))
    const effective = size & 0x7fffffff
    if (effective >= 1 && effective <= MAX_WRITE_CHUNK) w.setChunkSize(effective)
  }
  const publish = rng.chance(0.6)
  send(command(rng, 0, connectCommand(rng, publish ? '' : rng.pick(['', '', '', 'live']), port), 0.15))
  send(command(rng, 0, commandValues.createStream(), 0.1))
  const name = publish ? rng.pick([PUBLISH_MOUNT, PUBLISH_MOUNT, `${PUBLISH_MOUNT}?user=u&pass=p`, 'nope']) : 'bench'
  send(command(rng, RTMP_STREAM_ID, publish ? commandValues.publish(name) : commandValues.play(name), 0.1))
  if (publish) {
    const meta = metadataPayload()
    const data = { chunkStreamId: ChunkStream.DATA, timestamp: 0, typeId: MessageType.DATA_AMF0, messageStreamId: RTMP_STREAM_ID }
    send({ ...data, payload: rng.chance(0.3) ? mutateBytes(rng, meta) : meta })
    let ts = rng.chance(0.1) ? 0xfffff0 : 0
    for (const t of flvBodies(rng, 5 + rng.int(40))) {
      ts = (ts + (t.typeId === MessageType.VIDEO ? 40 : 0)) >>> 0
      const body = rng.chance(0.3) ? mutateBytes(rng, t.body) : t.body
      const typeId = rng.chance(0.02) ? rng.pick([2, 3, 4, 5, 6, 15, 16, 17, 19, 22, rng.int(256)]) : t.typeId
      const chunkStreamId = t.typeId === MessageType.VIDEO ? ChunkStream.VIDEO : ChunkStream.AUDIO
      send({
        chunkStreamId,
        timestamp: rng.chance(0.05) ? rng.int(0x100000000) : ts,
        typeId,
        messageStreamId: RTMP_STREAM_ID,
        payload: body.subarray(0, 0xffffff),
      })
    }
  }
  await peer.until(() => peer.replies.length >= 4, REPLY_WAIT_MS)
  if (!publish && !peer.closed) await new Promise((r) => setTimeout(r, rng.int(REPLY_WAIT_MS)))
  if (rng.chance(0.7)) send(command(rng, RTMP_STREAM_ID, commandValues.deleteStream(), 0))
  const classes = new Map<string, number>()
  for (const m of peer.replies) classes.set(replyClass(m), (classes.get(replyClass(m)) ?? 0) + 1)
  for (const [cls, n] of classes) ctx.tally(cls, n)
  if (peer.unreadable) ctx.tally('RTMP: unreadable reply')
  ctx.tally(peer.closed ? 'RTMP: closed by server' : 'RTMP: connection kept')
  return sent
}
