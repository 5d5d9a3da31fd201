/**
 * Our depacketizer reassembles what other payloaders send: ffmpeg's RTP muxer (`-f rtp`) and GStreamer's
 * rtph265pay, each sending an x265 file to a UDP socket on 127.0.0.1. And the other way: GStreamer's
 * rtph265depay reassembles what our packetizer writes. The access units are compared with the file's own
 * access units by hash, after this normalisation (and nothing else):
 *
 *  1. Trailing zero bytes are stripped from every NAL unit. ffmpeg's payloader leaves the first byte of
 *     the next 4-byte start code on the last NAL unit of each access unit it reads from the file; those
 *     are trailing_zero_8bits of the byte stream (H.265 B.2), not NAL unit data (a NAL unit never ends
 *     in 0x00: 7.4.2).
 *  2. Parameter sets (VPS, SPS, PPS) are taken out of every access unit on both sides, because a payloader
 *     may insert them (rtph265pay config-interval=-1 repeats them before every IRAP picture). They are
 *     checked apart: every distinct parameter set received is one of the file's, and every IRAP access
 *     unit received has all three, either carried through or inserted.
 *  3. Access unit delimiters are taken out on both sides (a payloader or parser may add or drop them).
 *
 * What remains — SEI and every slice segment of every picture, in order — must be bit-exact, one access
 * unit per received frame.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { H265Depacketizer, type H265AccessUnit } from '../../../src/codecs/h265/depacketizer.js'
import { H265NalType, isIrapType, isParameterSetType, nalType } from '../../../src/codecs/h265/nal.js'
import { joinAnnexB, splitAnnexB } from '../../../src/codecs/h264/annexb.js'
import { splitH265AccessUnits } from '../../../src/codecs/h265/access-unit.js'
import { H265Packetizer } from '../../../src/codecs/h265/packetizer.js'
import { RtpPacket } from '../../../src/rtp/rtp-packet.js'
import { loadH265File, type LoadedH265File } from '../../../src/sources/h265-file.js'
import { captureRtp, ffmpegDecodeErrors, ffprobeFrameCount, makeH265Clip, tempDir } from './fixtures.js'

const FRAMES = 50
const AP = 48
const FU = 49

function stripTrailingZeros(nal: Buffer): Buffer {
  let end = nal.length
  while (end > 0 && nal[end - 1] === 0) end--
  return nal.subarray(0, end)
}

/** Hash of an access unit after normalisation; also the parameter sets it carried. */
function normalise(nalus: readonly Buffer[]): { hash: string; parameterSets: Buffer[]; irap: boolean; types: number[] } {
  const h = createHash('sha256')
  const parameterSets: Buffer[] = []
  const types: number[] = []
  let irap = false
  for (const raw of nalus) {
    const nal = stripTrailingZeros(raw)
    const type = nalType(nal)
    if (isParameterSetType(type)) {
      parameterSets.push(nal)
      continue
    }
    if (type === H265NalType.AUD) continue
    if (isIrapType(type)) irap = true
    types.push(type)
    const len = Buffer.alloc(4)
    len.writeUInt32BE(nal.length)
    h.update(len).update(nal)
  }
  return { hash: h.digest('hex'), parameterSets, irap, types }
}

function depacketize(packets: readonly Buffer[]): { aus: H265AccessUnit[]; kinds: Record<string, number> } {
  const d = new H265Depacketizer()
  const aus: H265AccessUnit[] = []
  const kinds: Record<string, number> = { single: 0, ap: 0, fu: 0 }
  let last: number | undefined
  for (const buf of packets) {
    const p = RtpPacket.parse(buf)
    if (last !== undefined) assert.equal(p.sequenceNumber, (last + 1) & 0xffff, 'no packet lost or reordered on loopback')
    last = p.sequenceNumber
    const type = (p.payload[0]! >> 1) & 0x3f
    kinds[type === AP ? 'ap' : type === FU ? 'fu' : 'single']!++
    aus.push(...d.pushAccessUnits(p))
  }
  return { aus, kinds }
}

function compare(file: LoadedH265File, aus: readonly { nalus: Buffer[]; keyframe: boolean }[]): void {
  assert.equal(aus.length, file.accessUnits.length, 'one access unit per picture')
  const fileParameterSets = new Set(file.accessUnits.flatMap((au) => normalise(au.nalus).parameterSets.map((n) => n.toString('hex'))))
  aus.forEach((au, i) => {
    const got = normalise(au.nalus)
    const want = normalise(file.accessUnits[i]!.nalus)
    assert.equal(got.hash, want.hash, `access unit ${i}: NAL types ${got.types.join(',')} vs ${want.types.join(',')}`)
    assert.equal(au.keyframe, file.accessUnits[i]!.keyframe, `access unit ${i} keyframe`)
    for (const ps of got.parameterSets)
      assert.ok(fileParameterSets.has(ps.toString('hex')), `access unit ${i}: a parameter set the file does not have`)
    if (got.irap) {
      assert.deepEqual(
        new Set(got.parameterSets.map((n) => nalType(n))),
        new Set([H265NalType.VPS, H265NalType.SPS, H265NalType.PPS]),
        `access unit ${i} parameter sets`,
      )
    }
  })
}

describe('H.265 depacketizer against other payloaders', () => {
  let fx: ReturnType<typeof tempDir>
  let clip: string
  let file: LoadedH265File
  before(() => {
    fx = tempDir('h265-interop')
    // The clip of the brief: ffmpeg -f lavfi -i testsrc2=size=640x360:rate=25 -t 2 -c:v libx265 -x265-params log-level=error:keyint=25 -f hevc
    clip = makeH265Clip(fx.dir, 'x.265', { size: '640x360', rate: 25, frames: FRAMES, x265: 'keyint=25' })
    file = loadH265File(clip)
    assert.equal(file.accessUnits.length, FRAMES)
  })
  after(() => fx.cleanup())

  function decodes(aus: readonly H265AccessUnit[], name: string): void {
    const out = join(fx.dir, name)
    writeFileSync(out, joinAnnexB(aus.flatMap((au) => au.nalus)))
    assert.equal(ffmpegDecodeErrors(out), '')
    assert.equal(ffprobeFrameCount(out), FRAMES)
  }

  it('ffmpeg -re -c copy -f rtp', async () => {
    const run = await captureRtp((port, rtcpPort) => [
      'ffmpeg',
      ['-v', 'error', '-re', '-i', clip, '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${port}?rtcpport=${rtcpPort}`],
    ])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /a=rtpmap:96 H265\/90000/) // ffmpeg prints the SDP of the session
    const { aus, kinds } = depacketize(run.packets)
    assert.ok(kinds.single! > 0 && kinds.ap! > 0 && kinds.fu! > 0, `ffmpeg sent single NAL units, APs and FUs: ${JSON.stringify(kinds)}`)
    compare(file, aus)
    decodes(aus, 'from-ffmpeg.265')
  })

  it('GStreamer filesrc ! h265parse ! rtph265pay ! udpsink', async () => {
    const run = await captureRtp((port) => [
      'gst-launch-1.0',
      ['-q', 'filesrc', `location=${clip}`, '!', 'h265parse', '!', 'rtph265pay', '!', 'udpsink', 'host=127.0.0.1', `port=${port}`],
    ])
    assert.equal(run.code, 0, run.stderr)
    const { aus, kinds } = depacketize(run.packets)
    assert.ok(kinds.single! > 0 && kinds.fu! > 0, `GStreamer sent single NAL units and FUs: ${JSON.stringify(kinds)}`)
    compare(file, aus)
    decodes(aus, 'from-gstreamer.265')
  })

  it('GStreamer rtph265pay aggregate-mode=zero-latency config-interval=-1 (APs, parameter sets repeated)', async () => {
    const run = await captureRtp((port) => [
      'gst-launch-1.0',
      [
        '-q',
        'filesrc',
        `location=${clip}`,
        '!',
        'h265parse',
        '!',
        'rtph265pay',
        'aggregate-mode=zero-latency',
        'config-interval=-1',
        '!',
        'udpsink',
        'host=127.0.0.1',
        `port=${port}`,
      ],
    ])
    assert.equal(run.code, 0, run.stderr)
    const { aus, kinds } = depacketize(run.packets)
    assert.ok(kinds.ap! > 0 && kinds.fu! > 0, `GStreamer sent APs and FUs: ${JSON.stringify(kinds)}`)
    compare(file, aus)
    decodes(aus, 'from-gstreamer-ap.265')
  })

  it('GStreamer rtph265depay reads our packets (single NAL units, APs and FUs)', () => {
    // RFC 4571 framing (a 2-byte length before each packet) lets GStreamer read the packets from a file
    // through rtpstreamdepay: no socket, no race with the receiver starting.
    const packetizer = new H265Packetizer({ ssrc: 0x5eed, initialSequence: 65000, maxPacketSize: 1500 }) // the smallest pictures go alone
    const framed: Buffer[] = []
    const kinds = new Set<string>()
    file.accessUnits.forEach((au, i) => {
      for (const pkt of packetizer.packetize(au.nalus, i * 3600)) {
        const type = (pkt[12]! >> 1) & 0x3f
        kinds.add(type === AP ? 'ap' : type === FU ? 'fu' : 'single')
        const len = Buffer.alloc(2)
        len.writeUInt16BE(pkt.length)
        framed.push(len, pkt)
      }
    })
    assert.deepEqual([...kinds].sort(), ['ap', 'fu', 'single'])
    const stream = join(fx.dir, 'ours.rtpstream')
    const out = join(fx.dir, 'from-ours.265')
    writeFileSync(stream, Buffer.concat(framed))
    const caps = 'application/x-rtp-stream,media=video,clock-rate=90000,encoding-name=H265,payload=96'
    const r = spawnSync(
      'gst-launch-1.0',
      [
        '-q',
        'filesrc',
        `location=${stream}`,
        '!',
        caps,
        '!',
        'rtpstreamdepay',
        '!',
        'rtph265depay',
        '!',
        'h265parse',
        '!',
        'video/x-h265,stream-format=byte-stream,alignment=au',
        '!',
        'filesink',
        `location=${out}`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    )
    assert.equal(r.status, 0, r.stderr)
    const aus = splitH265AccessUnits(splitAnnexB(readFileSync(out))).map((nalus) => ({
      nalus,
      keyframe: nalus.some((n) => isIrapType(nalType(n))),
    }))
    compare(file, aus)
    assert.equal(ffmpegDecodeErrors(out), '')
    assert.equal(ffprobeFrameCount(out), FRAMES)
  })
})
