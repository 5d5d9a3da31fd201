/**
 * rtmp://user:pass@ and RTMPS with real peers. ffmpeg and GStreamer (rtmp2sink, rtmp2src) given
 * `user:pass@` go through Adobe authentication (three connects) and publish and read a protected
 * path; ffmpeg publishes and reads over rtmps:// (a self-signed certificate made by openssl here:
 * ffmpeg's TLS does not verify by default). A raw client of our own chunk writer checks what the
 * peers cannot show: a replayed response, a malformed auth query, wrong passwords throttled with
 * the same per-address bucket as RTSP, and users stored hashed (the query form only).
 */
import assert from 'node:assert/strict'
import { connect as netConnect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ConfigAccessPolicy } from '../../src/app/config-access.js'
import { parseConfig } from '../../src/config/load.js'
import { hashPassword } from '../../src/config/password.js'
import { adobeResponse } from '../../src/rtmp/adobe-auth.js'
import { amf0Object, encodeAmf0, type Amf0Object } from '../../src/rtmp/amf0.js'
import { ChunkReader, MessageType } from '../../src/rtmp/chunk-reader.js'
import { ChunkWriter } from '../../src/rtmp/chunk-writer.js'
import { parseCommand } from '../../src/rtmp/commands.js'
import { C0C1_SIZE, HANDSHAKE_SIZE } from '../../src/rtmp/handshake.js'
import { RtmpServer } from '../../src/rtmp/rtmp-server.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { systemClock } from '../../src/util/clock.js'
import { cryptoRandom } from '../../src/util/random.js'
import { gstDecode, run } from './harness.js'
import { ffmpegRtmpPublish, h264AacNoBMp4, startPeer, startRooms, waitFor, type Peer, type RtmpRooms } from './rtmp-helpers.js'
import { makeCert } from './tls-cert.js'

interface ConnectAnswer {
  name: string
  code: string
  description: string
}

/** One connection: handshake, then connect with `app` (and `extra` in the command object); the answer to it. */
async function connectOnce(port: number, app: string, extra: Record<string, string> = {}): Promise<ConnectAnswer> {
  const socket: Socket = netConnect(port, '127.0.0.1')
  socket.on('error', () => undefined)
  const writer = new ChunkWriter()
  try {
    return await new Promise<ConnectAnswer>((resolve, reject) => {
      let hello = 0
      const reader = new ChunkReader((m) => {
        if (m.typeId !== MessageType.COMMAND_AMF0) return
        const c = parseCommand(m)
        if (c.name !== '_result' && c.name !== '_error') return
        const info = c.args[0] as Amf0Object
        const text = (v: unknown): string => (typeof v === 'string' ? v : '')
        resolve({ name: c.name, code: text(info.code), description: text(info.description) })
      })
      socket.on('close', () => reject(new Error('closed before the answer to connect')))
      socket.on('data', (d: Buffer) => {
        if (hello < 1 + 2 * HANDSHAKE_SIZE) {
          const need = 1 + 2 * HANDSHAKE_SIZE - hello
          hello += d.length
          if (hello < 1 + 2 * HANDSHAKE_SIZE) return
          socket.write(d.subarray(need - HANDSHAKE_SIZE, need))
          const payload = encodeAmf0('connect', 1, amf0Object({ app, tcUrl: `rtmp://127.0.0.1:${port}/${app}`, ...extra }))
          socket.write(
            Buffer.concat(writer.write({ chunkStreamId: 3, timestamp: 0, typeId: MessageType.COMMAND_AMF0, messageStreamId: 0, payload })),
          )
          d = d.subarray(need)
        }
        if (d.length > 0) reader.push(d)
      })
      const c0c1 = Buffer.alloc(C0C1_SIZE)
      c0c1[0] = 3
      socket.write(c0c1)
    })
  } finally {
    socket.destroy()
  }
}

/** The needauth rejection's parameters. */
function challengeOf(a: ConnectAnswer): Record<string, string> {
  const q = a.description.slice(a.description.indexOf('?') + 1)
  return Object.fromEntries(q.split('&').map((kv) => kv.split('=') as [string, string]))
}

/** Steps 2 and 3 of Adobe authentication for `user` with `password` on `app`: the final answer and the query sent. */
async function adobeLogin(port: number, app: string, user: string, password: string, extra: Record<string, string> = {}) {
  const step2 = await connectOnce(port, `${app}?authmod=adobe&user=${user}`, extra)
  assert.equal(step2.name, '_error')
  const c = challengeOf(step2)
  assert.equal(c.reason, 'needauth', step2.description)
  const clientChallenge = 'a1b2c3d4'
  const response = adobeResponse({ user, salt: c.salt!, password, serverChallenge: c.opaque!, clientChallenge })
  const query = `${app}?authmod=adobe&user=${user}&challenge=${clientChallenge}&response=${response}&opaque=${c.opaque}`
  return { answer: await connectOnce(port, query, extra), query }
}

async function ffmpegRtmpFrames(url: string, frames: number): Promise<{ frames: number; stderr: string }> {
  const r = await run(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-v', 'error', '-i', url, '-frames:v', String(frames), '-f', 'framemd5', '-'],
    40_000,
  )
  return { frames: r.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length, stderr: r.stderr }
}

const publishers = (rooms: RtmpRooms, path: string) =>
  rooms.rtsp.externalSessions().filter((s) => s.protocol === 'rtmp' && s.role === 'publisher' && s.path === path)

describe('rtmp://user:pass@ (Adobe authentication) with ffmpeg and GStreamer', () => {
  let rooms: RtmpRooms
  const peers: Peer[] = []
  before(async () => {
    rooms = await startRooms((rtsp) => {
      for (const p of ['secret/cam', 'secret/gst', 'open/cam', 'mixed/open', 'mixed/closed']) rtsp.addPublishPath(p)
      rtsp.protectPath('mixed/closed', { users: [{ username: 'u', password: 'pw' }] })
      rtsp.protectPath('secret/cam', { users: [{ username: 'u', password: 'pw' }] })
      rtsp.protectPath('secret/gst', { users: [{ username: 'u', password: 'pw' }] })
    })
  })
  after(async () => {
    for (const p of peers) await p.stop()
    await rooms?.stop()
  })

  it('ffmpeg publishes with user:pass@ and reads it back with user:pass@', async () => {
    // The trailing "/" makes "secret/cam" ffmpeg's app: connect names the whole path, so the server can ask.
    const plainUrl = `${rooms.rtmp.url.replace('rtmp://', 'rtmp://u:pw@')}/secret/cam/`
    const peer = ffmpegRtmpPublish(await h264AacNoBMp4(), plainUrl)
    peers.push(peer)
    await waitFor(`the publisher (${peer.stderr()})`, 15_000, () => (publishers(rooms, 'secret/cam').length === 1 ? true : undefined))
    const read = await ffmpegRtmpFrames(plainUrl, 30)
    assert.equal(read.frames, 30, read.stderr)
    const refused = await ffmpegRtmpFrames(`${rooms.rtmp.url}/secret/cam/`, 5)
    assert.equal(refused.frames, 0)
    assert.match(refused.stderr, /No credentials set/)
  })

  it('GStreamer rtmp2sink publishes and rtmp2src reads with user:pass@ in location and authmod=adobe', async () => {
    const auth = rooms.rtmp.url.replace('rtmp://', 'rtmp://u:pw@')
    const pipeline =
      'videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc tune=zerolatency key-int-max=25 ! h264parse ! ' +
      `flvmux streamable=true ! rtmp2sink authmod=adobe location=${auth}/secret/gst`
    const peer = startPeer('gst-launch-1.0', ['-q', ...pipeline.split(' ')])
    peers.push(peer)
    await waitFor(`the GStreamer publisher (${peer.stderr()})`, 15_000, () =>
      publishers(rooms, 'secret/gst').length === 1 ? true : undefined,
    )
    const video = await gstDecode(
      `rtmp2src authmod=adobe location=${auth}/secret/gst ! flvdemux ! h264parse ! avdec_h264 ! fakesink name=sink`,
      25,
    )
    assert.equal(video.frames, 25, video.error ?? '')
  })

  it('asks at connect only when the app is a whole path that needs credentials', async () => {
    const encoder = { flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)' }
    assert.equal((await connectOnce(rooms.rtmp.port, 'open/cam', encoder)).code, 'NetConnection.Connect.Success')
    assert.equal(
      (await connectOnce(rooms.rtmp.port, 'secret/cam', encoder)).description,
      '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ',
    )
    // A prefix: the stream name may still bring ?user=&pass= (ffmpeg's rtmp://HOST/secret/cam?user=u&pass=p), or mean an open path.
    assert.equal((await connectOnce(rooms.rtmp.port, 'secret', encoder)).code, 'NetConnection.Connect.Success')
    assert.equal((await connectOnce(rooms.rtmp.port, 'mixed', encoder)).code, 'NetConnection.Connect.Success')
    // Credentials in the app's query: checked at publish, nothing to ask.
    assert.equal((await connectOnce(rooms.rtmp.port, 'secret/cam?user=u&pass=pw', encoder)).code, 'NetConnection.Connect.Success')
  })

  it('a response is good once: replayed on a new connection it is refused; a malformed query is refused', async () => {
    const { answer, query } = await adobeLogin(rooms.rtmp.port, 'secret/cam', 'u', 'pw')
    assert.equal(answer.code, 'NetConnection.Connect.Success')
    const replay = await connectOnce(rooms.rtmp.port, query)
    assert.equal(replay.code, 'NetConnection.Connect.Rejected')
    assert.match(replay.description, /\?reason=authfailed$/)
    for (const bad of [
      'secret/cam?authmod=adobe',
      'secret/cam?authmod=adobe&user=u&challenge=x',
      'secret/cam?authmod=adobe&user=u&challenge=x&response=%zz',
    ])
      assert.match((await connectOnce(rooms.rtmp.port, bad)).description, /\?reason=authfailed$/, bad)
  })
})

describe('Adobe authentication: wrong passwords and stored hashes', () => {
  let rtsp: RtspServer
  let rtmp: RtmpServer
  before(async () => {
    rtsp = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
    const config = parseConfig({
      text:
        'users:\n  - {name: alice, password: "plain:wonderland"}\n' +
        `  - {name: bob, password: "${hashPassword('builder', { user: 'bob', realm: 'rtspkit' })}"}\n` +
        'paths:\n  cam: {publish: [alice, bob], read: [any]}\n',
    })
    rtsp.setAccessPolicy(new ConfigAccessPolicy(config, { clock: systemClock, random: cryptoRandom }))
    rtsp.addPublishPath('cam') // as ServeApp enters the file's exact paths
    await rtsp.start()
    rtmp = new RtmpServer({ server: rtsp, port: 0, host: '127.0.0.1' })
    await rtmp.start()
  })
  after(async () => {
    await rtmp.close()
    await rtsp.stop()
  })

  const encoder = { flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)' }
  const player = { flashVer: 'LNX 9,0,124,2' }

  it('asks an encoder for cam and lets a player in; a plain user passes, a hashed one cannot', async () => {
    assert.match((await connectOnce(rtmp.port, 'cam', encoder)).description, /code=403 need auth; authmod=adobe/)
    assert.equal((await connectOnce(rtmp.port, 'cam', player)).code, 'NetConnection.Connect.Success')
    // GStreamer's bare FMLE/3.0 could be either: reading is open, so it is not asked.
    assert.equal((await connectOnce(rtmp.port, 'cam', { flashVer: 'FMLE/3.0' })).code, 'NetConnection.Connect.Success')
    assert.equal((await adobeLogin(rtmp.port, 'cam', 'alice', 'wonderland', encoder)).answer.code, 'NetConnection.Connect.Success')
    const bob = await adobeLogin(rtmp.port, 'cam', 'bob', 'builder', encoder)
    assert.match(bob.answer.description, /\?reason=authfailed$/, 'a digest: hash is not the password Adobe needs')
  })

  it('wrong passwords are rejected and throttled per address: then even the right one is refused', async () => {
    let rejected = 0
    for (let i = 0; i < 12; i++) {
      const a = await adobeLogin(rtmp.port, 'cam', 'alice', `guess${i}`, encoder)
      if (/\?reason=authfailed$/.test(a.answer.description)) rejected++
    }
    assert.equal(rejected, 12)
    const right = await adobeLogin(rtmp.port, 'cam', 'alice', 'wonderland', encoder)
    assert.match(right.answer.description, /\?reason=authfailed$/, 'the throttle holds the right password back too')
  })
})

describe('RTMPS', () => {
  let rooms: RtmpRooms
  let rtmps: RtmpServer
  const peers: Peer[] = []
  before(async () => {
    rooms = await startRooms((rtsp) => {
      for (const p of ['tls/cam', 'tlssecret/cam']) rtsp.addPublishPath(p)
      rtsp.protectPath('tlssecret/cam', { users: [{ username: 'u', password: 'p' }] })
    })
    rtmps = new RtmpServer({ server: rooms.rtsp, port: 0, host: '127.0.0.1', tls: await makeCert('127.0.0.1') })
    await rtmps.start()
  })
  after(async () => {
    for (const p of peers) await p.stop()
    await rtmps?.close()
    await rooms?.stop()
  })

  it('ffmpeg publishes over rtmps:// (with user:pass@ too) and reads it back over rtmps://', async () => {
    assert.match(rtmps.url, /^rtmps:\/\/127\.0\.0\.1:\d+$/)
    const file = await h264AacNoBMp4()
    const plain = ffmpegRtmpPublish(file, `${rtmps.url}/tls/cam`)
    const secret = ffmpegRtmpPublish(file, `${rtmps.url.replace('rtmps://', 'rtmps://u:p@')}/tlssecret/cam/`)
    peers.push(plain, secret)
    for (const [path, peer] of [
      ['tls/cam', plain],
      ['tlssecret/cam', secret],
    ] as const)
      await waitFor(
        `the RTMPS publisher of ${path} (${peer.stderr()} exit ${String(peer.child.exitCode)} sessions ${JSON.stringify(rooms.rtsp.externalSessions().map((x) => [x.path, x.role]))})`,
        15_000,
        () => (publishers(rooms, path).length === 1 ? true : undefined),
      )
    const read = await ffmpegRtmpFrames(`${rtmps.url}/tls/cam`, 30)
    assert.equal(read.frames, 30, read.stderr)
    const readSecret = await ffmpegRtmpFrames(`${rtmps.url.replace('rtmps://', 'rtmps://u:p@')}/tlssecret/cam/`, 30)
    assert.equal(readSecret.frames, 30, readSecret.stderr)
    // Plain RTMP on the TLS port goes nowhere.
    const wrong = await ffmpegRtmpFrames(`rtmp://127.0.0.1:${rtmps.port}/tls/cam`, 5)
    assert.equal(wrong.frames, 0)
  })
})
