/**
 * Plain-RTP interop plumbing shared by the audio codec tests (AAC, Opus, G.711, L16): ffmpeg as an RTP
 * receiver fed from an SDP file, ffmpeg and GStreamer as RTP senders captured on a dgram socket, and
 * tone files made with ffmpeg. Loopback only; every port is bound at 0 and read back.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import dgram from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { RtcpGoodbye } from '../../src/rtcp/goodbye.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'

const MAX_OUTPUT = 256 * 1024 * 1024
const LOOPBACK = '127.0.0.1'

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rtspkit-${prefix}-`))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** Runs ffmpeg to completion; fails the test on a non-zero exit. */
export function ffmpeg(args: string[]): Buffer {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: MAX_OUTPUT })
  assert.equal(r.error, undefined, `could not run ffmpeg: ${String(r.error)}`)
  assert.equal(r.status, 0, `ffmpeg ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString()}`)
  return r.stdout
}

/** A sine tone written by ffmpeg's lavfi `sine` source with the given output options, e.g. `-c:a aac -f adts`. */
export function makeTone(
  path: string,
  opts: { rate: number; channels: number; seconds: number; frequency?: number },
  outArgs: string[],
): string {
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${opts.frequency ?? 440}:sample_rate=${opts.rate}:duration=${opts.seconds}`,
    '-ac',
    String(opts.channels),
    ...outArgs,
    path,
  ])
  return path
}

/** The demuxed packets of a file's first audio stream, as ffprobe reads them (`-show_packets -show_data`). */
export function ffprobePackets(path: string): Buffer[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_packets', '-show_data', '-of', 'json', path], {
    maxBuffer: MAX_OUTPUT,
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, `ffprobe failed: ${r.stderr}`)
  const json = JSON.parse(r.stdout) as { packets: { data: string }[] }
  // Hexdump lines: "00000010: 2f78 86b3 ...  ascii"; the hex part is the 39 characters after the offset.
  return json.packets.map((p) =>
    Buffer.from(
      p.data
        .split('\n')
        .filter((l) => l.includes(':'))
        .map((l) => l.slice(10, 49).replace(/ /g, ''))
        .join(''),
      'hex',
    ),
  )
}

/** Local UDP ports currently bound (Linux /proc/net/udp{,6}); used to see when ffmpeg listens. */
function boundUdpPorts(): Set<number> {
  const ports = new Set<number>()
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = ''
    try {
      text = readFileSync(f, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1]
      if (local) ports.add(parseInt(local.split(':')[1]!, 16))
    }
  }
  return ports
}

/** An even port P with P and P+1 free right now (ffmpeg's RTP receiver takes P for RTP and P+1 for RTCP). */
export async function freeRtpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => a.bind(0, LOOPBACK, resolve))
    const port = a.address().port
    const b = dgram.createSocket('udp4')
    const ok =
      port % 2 === 0 &&
      (await new Promise<boolean>((resolve) => {
        b.once('error', () => resolve(false))
        b.bind(port + 1, LOOPBACK, () => resolve(true))
      }))
    a.close()
    try {
      b.close()
    } catch {
      /* never bound */
    }
    if (ok) return port
  }
  throw new TypeError('no free even UDP port pair')
}

export interface SdpMedia {
  payloadType: number
  rtpmap?: string
  fmtp?: string
}

export function audioSdp(port: number, m: SdpMedia): string {
  const lines = [
    'v=0',
    `o=- 0 0 IN IP4 ${LOOPBACK}`,
    's=rtspkit test',
    `c=IN IP4 ${LOOPBACK}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${m.payloadType}`,
  ]
  if (m.rtpmap) lines.push(`a=rtpmap:${m.rtpmap}`)
  if (m.fmtp) lines.push(`a=fmtp:${m.payloadType} ${m.fmtp}`)
  return lines.join('\r\n') + '\r\n'
}

export interface FfmpegDecodeResult {
  /** Decoded samples as signed 16-bit little-endian, interleaved. */
  pcm: Buffer
  stderr: string
  code: number | null
}

/**
 * Starts ffmpeg receiving plain RTP described by `media` on a fresh port, sends `packets` to it (paced by
 * `gapMs`), ends the session with an RTCP BYE (ffmpeg's SDP demuxer stops on BYE) and returns what ffmpeg
 * decoded as s16le with `channels` channels.
 */
export async function ffmpegDecodeRtp(
  media: SdpMedia,
  packets: readonly Buffer[],
  opts: { channels: number; gapMs?: number; dir: string },
): Promise<FfmpegDecodeResult> {
  const port = await freeRtpPortPair()
  const sdpPath = join(opts.dir, `in-${port}.sdp`)
  writeFileSync(sdpPath, audioSdp(port, media))
  const child = spawn(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpPath, '-f', 's16le', '-ac', String(opts.channels), '-'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const out: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => out.push(d))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const sock = dgram.createSocket('udp4')
  try {
    const deadline = Date.now() + 10_000
    while (!boundUdpPorts().has(port)) {
      assert.ok(Date.now() < deadline, `ffmpeg did not open UDP port ${port}: ${stderr}`)
      await sleep(20)
    }
    const send = (b: Buffer, p: number) =>
      new Promise<void>((resolve, reject) => sock.send(b, p, LOOPBACK, (err) => (err ? reject(err) : resolve())))
    for (const p of packets) {
      await send(p, port)
      if (opts.gapMs) await sleep(opts.gapMs)
    }
    await sleep(200)
    const ssrc = RtpPacket.parse(packets[0]!).ssrc
    // ffmpeg drops any datagram under 12 bytes before looking for RTCP, so the BYE carries a reason.
    const bye = new RtcpGoodbye({ sources: [ssrc], reason: 'end of test' }).serialize()
    let code: number | null | undefined
    for (let i = 0; i < 20 && code === undefined; i++) {
      await send(bye, port + 1)
      code = await Promise.race([exited, sleep(250).then(() => undefined)])
    }
    if (code === undefined) {
      child.kill('SIGINT')
      code = await exited
    }
    return { pcm: Buffer.concat(out), stderr, code }
  } finally {
    sock.close()
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

export interface CapturedRtp {
  packets: RtpPacket[]
  /** The SDP the sender wrote (ffmpeg `-sdp_file`), when asked for. */
  sdp?: string
  stderr: string
}

/** Binds an RTP and an RTCP socket at port 0 and collects what arrives on the RTP one. */
async function openCapture(): Promise<{ rtp: dgram.Socket; rtcp: dgram.Socket; packets: RtpPacket[] }> {
  const rtp = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 })
  const rtcp = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => rtp.bind(0, LOOPBACK, resolve))
  await new Promise<void>((resolve) => rtcp.bind(0, LOOPBACK, resolve))
  const packets: RtpPacket[] = []
  rtp.on('message', (msg) => packets.push(RtpPacket.parse(msg)))
  return { rtp, rtcp, packets }
}

function runToEnd(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, stdout })
    })
  })
}

/** Runs `ffmpeg … -f rtp rtp://127.0.0.1:PORT` (inputArgs before, codecArgs after the port is known) and captures its RTP. */
export async function captureFfmpegRtp(inputArgs: string[], codecArgs: string[], dir: string): Promise<CapturedRtp> {
  const cap = await openCapture()
  try {
    const port = cap.rtp.address().port
    const rtcpPort = cap.rtcp.address().port
    const sdpPath = join(dir, `out-${port}.sdp`)
    const r = await runToEnd(
      'ffmpeg',
      [
        '-nostdin',
        '-v',
        'error',
        '-y',
        ...inputArgs,
        ...codecArgs,
        '-sdp_file',
        sdpPath,
        '-f',
        'rtp',
        `rtp://${LOOPBACK}:${port}?rtcpport=${rtcpPort}`,
      ],
      60_000,
    )
    assert.equal(r.code, 0, `ffmpeg sender failed: ${r.stderr}`)
    await sleep(100)
    return { packets: cap.packets, sdp: readFileSync(sdpPath, 'utf8'), stderr: r.stderr }
  } finally {
    cap.rtp.close()
    cap.rtcp.close()
  }
}

/** Runs a gst-launch-1.0 pipeline ending in `udpsink host=127.0.0.1 port=PORT` (appended) and captures its RTP. */
export async function captureGstRtp(pipeline: string): Promise<CapturedRtp & { stdout: string }> {
  const cap = await openCapture()
  try {
    const port = cap.rtp.address().port
    // -v prints the negotiated caps (the payloader's config) on stdout.
    // sync=false: send as fast as the pipeline runs, not in real time.
    const args = ['-v', ...`${pipeline} ! udpsink host=${LOOPBACK} port=${port} sync=false`.split(' ').filter((s) => s !== '')]
    const r = await runToEnd('gst-launch-1.0', args, 60_000)
    assert.equal(r.code, 0, `gst-launch-1.0 failed: ${r.stderr}`)
    await sleep(100)
    return { packets: cap.packets, stderr: r.stderr, stdout: r.stdout }
  } finally {
    cap.rtp.close()
    cap.rtcp.close()
  }
}

/** Packets in sequence order (loopback does not reorder, but the capture is a set of datagrams). */
export function inSequence(packets: readonly RtpPacket[]): RtpPacket[] {
  const first = packets[0]?.sequenceNumber ?? 0
  return [...packets].sort((a, b) => ((a.sequenceNumber - first) & 0xffff) - ((b.sequenceNumber - first) & 0xffff))
}

/** The value of `a=<key>:` in an SDP text (first match), without the payload type. */
export function sdpAttribute(sdp: string, key: string): string | undefined {
  const m = new RegExp(`^a=${key}:\\d+ (.*)$`, 'm').exec(sdp)
  return m?.[1]?.trim()
}

/** Decodes a file to s16le with ffmpeg. */
export function ffmpegDecodeFile(path: string, channels: number): Buffer {
  return ffmpeg(['-i', path, '-f', 's16le', '-ac', String(channels), '-'])
}
