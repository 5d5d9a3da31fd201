/**
 * Packetize and depacketize throughput per codec, in MB/s of frame bytes, next to a plain Buffer.copy
 * of the same bytes (the ceiling: what moving the bytes once costs). Run: npm run bench:codecs
 *
 * Frames are realistic where content matters to the packetizer (H.264/H.265 NAL units, JPEG images,
 * made by ffmpeg and our test card); audio payload bytes are random with real frame sizes, since
 * those packetizers never look inside them.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { CodecDescriptor } from '../src/codecs/registry.js'
import { createCodecRegistry } from '../src/codecs/registry.js'
import { RtpPacket } from '../src/rtp/rtp-packet.js'
import { loadH264File } from '../src/sources/h264-file.js'
import { loadH265File } from '../src/sources/h265-file.js'
import { TestCard } from '../src/sources/test-card.js'

const CACHE = process.env.BENCH_CACHE ?? path.join(os.tmpdir(), 'rtspkit-bench')
const SECONDS = Number(process.env.BENCH_CODEC_SECONDS ?? 1.5)

interface Sample {
  frames: (Buffer | Buffer[])[]
  bytes: number
  note: string
}

function ffmpeg(args: string[], out: string): string {
  if (!existsSync(out)) {
    mkdirSync(path.dirname(out), { recursive: true })
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out])
  }
  return out
}

function frameBytes(f: Buffer | Buffer[]): number {
  return Buffer.isBuffer(f) ? f.length : f.reduce((n, b) => n + b.length, 0)
}

function sample(frames: (Buffer | Buffer[])[], note: string): Sample {
  return { frames, bytes: frames.reduce((n: number, f) => n + frameBytes(f), 0), note }
}

function samplesFor(codec: CodecDescriptor): Sample | undefined {
  switch (codec.name) {
    case 'h264': {
      const f = ffmpeg(
        [
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=1280x720:rate=30',
          '-t',
          '10',
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-b:v',
          '4M',
          '-g',
          '60',
          '-f',
          'h264',
        ],
        path.join(CACHE, 'codec-bench-720p.264'),
      )
      return sample(
        loadH264File(f).accessUnits.map((au) => au.nalus),
        '720p30 4 Mbit/s x264, 300 access units',
      )
    }
    case 'h265': {
      const f = ffmpeg(
        [
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=1280x720:rate=30',
          '-t',
          '10',
          '-c:v',
          'libx265',
          '-x265-params',
          'log-level=error',
          '-b:v',
          '3M',
          '-g',
          '60',
          '-f',
          'hevc',
        ],
        path.join(CACHE, 'codec-bench-720p.265'),
      )
      return sample(
        loadH265File(f).accessUnits.map((au) => au.nalus),
        '720p30 3 Mbit/s x265, 300 access units',
      )
    }
    case 'jpeg': {
      const card = new TestCard({ width: 1280, height: 720, fps: 30 })
      return sample(
        Array.from({ length: 60 }, (_, i) => card.renderJpeg(i, Date.now())),
        '1280x720 test card JPEGs',
      )
    }
    case 'aac':
      return sample(
        Array.from({ length: 500 }, () => randomBytes(370)),
        '128 kbit/s-sized AAC access units (370 bytes)',
      )
    case 'opus':
      // TOC 0xf8: config 31 (CELT fullband, 20 ms), mono, code 0 (one frame); the frame bytes are opaque.
      return sample(
        Array.from({ length: 500 }, () => Buffer.concat([Buffer.from([0xf8]), randomBytes(159)])),
        '64 kbit/s-sized Opus packets (160 bytes)',
      )
    case 'pcmu':
    case 'pcma':
      return sample(
        Array.from({ length: 500 }, () => randomBytes(800)),
        'G.711 blocks of 100 ms (800 bytes)',
      )
    case 'l16':
      return sample(
        Array.from({ length: 500 }, () => randomBytes(9600)),
        'L16 48 kHz stereo blocks of 50 ms',
      )
    default:
      return undefined
  }
}

/** Runs `fn` repeatedly for about SECONDS after a warm-up; returns MB/s given `bytes` per call. */
function throughput(bytes: number, fn: () => void): number {
  for (let i = 0; i < 3; i++) fn() // warm-up: JIT, caches
  let calls = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < SECONDS) {
    fn()
    calls++
    elapsed = Number(process.hrtime.bigint() - start) / 1e9
  }
  return (bytes * calls) / elapsed / 1e6
}

function main(): void {
  const registry = createCodecRegistry()
  const rows: string[][] = [['codec', 'sample', 'packetize MB/s', 'depacketize MB/s', 'Buffer.copy MB/s', 'pack/copy', 'depack/copy']]
  const results: Record<string, unknown>[] = []
  for (const codec of registry.list()) {
    if (codec.passthrough) continue
    const s = samplesFor(codec)
    if (!s) continue
    const track =
      codec.kind === 'audio'
        ? {
            kind: 'audio' as const,
            codec: codec.name as never,
            sampleRate: codec.defaultClockRate,
            channels: codec.defaultChannels ?? 1,
            config: Buffer.from('1190', 'hex'),
          }
        : undefined
    const opts = {
      payloadType: codec.defaultPayloadType,
      ssrc: 0x1234,
      initialSequence: 0,
      clockRate: codec.defaultClockRate,
      channels: codec.defaultChannels,
      track,
    }
    const pack = codec.createPacketizer(opts)
    const packets: RtpPacket[] = []
    let ts = 0
    for (const f of s.frames) for (const p of pack.packetize(f, (ts += 3000))) packets.push(RtpPacket.parse(p))
    const fmtp = new Map<string, string>()
    for (const a of codec.sdpAttributes({ payloadType: opts.payloadType, clockRate: opts.clockRate, channels: opts.channels, track })) {
      if (a.key === 'fmtp' && a.value)
        for (const kv of a.value.slice(a.value.indexOf(' ') + 1).split(';')) {
          const eq = kv.indexOf('=')
          if (eq > 0) fmtp.set(kv.slice(0, eq).trim().toLowerCase(), kv.slice(eq + 1).trim())
        }
    }
    const packetizeMBs = throughput(s.bytes, () => {
      let t = 0
      for (const f of s.frames) pack.packetize(f, (t += 3000))
    })
    const depackMBs = throughput(s.bytes, () => {
      const d = codec.createDepacketizer({
        payloadType: opts.payloadType,
        encodingName: codec.encodingName,
        clockRate: codec.defaultClockRate,
        channels: codec.defaultChannels,
        fmtp,
      })
      for (const p of packets) d.push(p)
    })
    const flat = s.frames.flatMap((f) => (Buffer.isBuffer(f) ? [f] : f))
    const dst = Buffer.allocUnsafe(Math.max(...flat.map((b) => b.length)))
    const copyMBs = throughput(s.bytes, () => {
      for (const b of flat) b.copy(dst, 0)
    })
    rows.push([
      codec.name,
      s.note,
      packetizeMBs.toFixed(0),
      depackMBs.toFixed(0),
      copyMBs.toFixed(0),
      (packetizeMBs / copyMBs).toFixed(3),
      (depackMBs / copyMBs).toFixed(3),
    ])
    results.push({ codec: codec.name, sample: s.note, packetizeMBs, depacketizeMBs: depackMBs, copyMBs })
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows) console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
  console.log(`\nNode ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}; ${SECONDS} s per measurement after warm-up.`)
}

main()
