/**
 * `npm run fuzz -- --parsers` (also `npm run fuzz:parsers`): every wire parser rtspkit exposes to a
 * peer, fed `--runs` fast-check inputs each (100,000 by default). Inputs are valid messages bent by
 * tools/fuzz/mutate.ts (most runs) or raw random bytes; the RTSP reader, the base64 decoder and the
 * RTMP chunk reader get them split at random points, as sockets deliver them. The property: a parser returns, or throws an
 * RtspkitError (src/errors.ts) — anything else (TypeError, RangeError, a bare Error) fails — and no
 * single input takes longer than HANG_MS.
 *
 * Not coverage-guided: @jazzer.js/core would be, but its fuzzer is a native libFuzzer addon
 * (prebuilt .node binaries for five platforms, and cmake-js to build it anywhere else), which the
 * project does not take on. Mutating valid seeds reaches the same depth for these parsers.
 */
import fc from 'fast-check'
import { textTable } from '../../bench/stats.js'
import { RtspkitError } from '../../src/errors.js'
import { parseRtcp } from '../../src/rtcp/compound.js'
import { RtpPacket } from '../../src/rtp/rtp-packet.js'
import { parseAdobeQuery } from '../../src/rtmp/adobe-auth.js'
import { decodeAmf0 } from '../../src/rtmp/amf0.js'
import { ChunkReader, MessageType } from '../../src/rtmp/chunk-reader.js'
import { parseCommand } from '../../src/rtmp/commands.js'
import { parseAudioTag, parseVideoTag } from '../../src/rtmp/flv-tags.js'
import { parseC0C1 } from '../../src/rtmp/handshake.js'
import { parseRange } from '../../src/rtsp/headers/range.js'
import { parseRtpInfo } from '../../src/rtsp/headers/rtp-info.js'
import { parseSession } from '../../src/rtsp/headers/session.js'
import { parseTransport } from '../../src/rtsp/headers/transport.js'
import { Base64StreamDecoder, parseTunnelHead } from '../../src/rtsp/http-tunnel.js'
import { RtspReader } from '../../src/rtsp/reader.js'
import { parseSdp } from '../../src/sdp/sdp.js'
import { parseKeyMgmtHeader } from '../../src/srtp/key-mgmt.js'
import { parseMikey } from '../../src/srtp/mikey.js'
import { parseSdpFrag } from '../../src/webrtc/sdpfrag.js'
import { METHODS, mikeySample, requestText, rtcpSample, rtpSample, SDP_BODIES, webrtcOffer } from './corpus.js'
import { mutateBytes, Rng } from './mutate.js'
import { ADOBE_QUERIES, amf0Samples, c0c1, chunkStreamSample, flvTagSamples } from './rtmp-corpus.js'
import { printVerdict } from './report.js'

/** One input slower than this is a hang. */
const HANG_MS = 1000
const MAX_MUTATIONS = 8
const RANDOM_MAX_BYTES = 4096

interface ParserCase {
  name: string
  /** Valid inputs the mutations start from. */
  seeds: Buffer[]
  /** Parses one input, split into chunks where the parser reads a stream. */
  parse: (input: Buffer, splits: number[]) => void
}

function chunks(input: Buffer, splits: number[]): Buffer[] {
  const at = [...new Set(splits.map((s) => s % (input.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const a of at) {
    out.push(input.subarray(prev, a))
    prev = a
  }
  out.push(input.subarray(prev))
  return out
}

function seedsOf(make: (rng: Rng, i: number) => Buffer, n = 24): Buffer[] {
  const rng = new Rng(7)
  return Array.from({ length: n }, (_, i) => make(rng, i))
}

const text = (s: string): Buffer => Buffer.from(s, 'latin1')

export const PARSER_CASES: ParserCase[] = [
  {
    name: 'RTSP reader (src/rtsp/reader.ts)',
    seeds: seedsOf((rng, i) => {
      const req = text(requestText(rng, METHODS[i % METHODS.length]!, { url: 'rtsp://127.0.0.1:8554/cam', cseq: i, session: 'abc' }))
      const frame = Buffer.concat([Buffer.from([0x24, i % 4, 0, 12]), rtpSample(rng, i, 1).subarray(0, 12)])
      return i % 3 === 0 ? Buffer.concat([frame, req]) : req
    }),
    parse: (input, splits) => {
      const reader = new RtspReader()
      for (const c of chunks(input, splits)) reader.push(c)
    },
  },
  {
    name: 'SDP (src/sdp)',
    seeds: [...SDP_BODIES, webrtcOffer('recvonly'), webrtcOffer('sendonly')].map(text),
    parse: (input) => void parseSdp(input),
  },
  { name: 'RTP packet (src/rtp)', seeds: seedsOf((rng, i) => rtpSample(rng, i, 0x1234)), parse: (input) => void RtpPacket.parse(input) },
  { name: 'RTCP compound (src/rtcp)', seeds: seedsOf((rng) => rtcpSample(rng, 0x1234)), parse: (input) => void parseRtcp(input) },
  { name: 'MIKEY (src/srtp)', seeds: seedsOf((rng) => mikeySample(rng)), parse: (input) => void parseMikey(input) },
  {
    name: 'KeyMgmt header (src/srtp)',
    seeds: seedsOf((rng) => text(`prot=mikey; uri="rtsp://h/cam/trackID=0"; data="${mikeySample(rng).toString('base64')}"`), 4),
    parse: (input) => void parseKeyMgmtHeader(input.toString('latin1')),
  },
  {
    name: 'HTTP tunnel head (src/rtsp/http-tunnel.ts)',
    seeds: ['GET', 'POST'].map((m) =>
      text(`${m} /cam HTTP/1.0\r\nx-sessioncookie: 3fZ1bW0a9\r\nAccept: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n`),
    ),
    parse: (input) => void parseTunnelHead(input),
  },
  {
    name: 'HTTP tunnel base64 (src/rtsp/http-tunnel.ts)',
    seeds: seedsOf(
      (rng, i) => text(Buffer.from(requestText(rng, METHODS[i % METHODS.length]!, { url: 'rtsp://h/cam', cseq: i })).toString('base64')),
      8,
    ),
    parse: (input, splits) => {
      const d = new Base64StreamDecoder()
      for (const c of chunks(input, splits)) d.decode(c)
    },
  },
  ...(
    [
      [
        'Transport',
        parseTransport,
        [
          'RTP/AVP;unicast;client_port=4588-4589;server_port=6256-6257;ssrc=DEADBEEF;mode="PLAY"',
          'RTP/AVP/TCP;interleaved=0-1,RTP/AVP;multicast;destination=224.1.0.1;port=8002-8003;ttl=16',
        ],
      ],
      ['Range', parseRange, ['npt=0.000-', 'npt=now-', 'clock=19961108T142300Z-19961108T143520Z', 'smpte=10:07:33:05.01-']],
      ['RTP-Info', parseRtpInfo, ['url=rtsp://h/cam/trackID=0;seq=45102;rtptime=12345678,url=rtsp://h/cam/trackID=1;seq=30211']],
      ['Session', parseSession, ['12345678;timeout=60']],
    ] as const
  ).map(([header, parse, seeds]): ParserCase => ({
    name: `RTSP ${header} header (src/rtsp/headers)`,
    seeds: seeds.map(text),
    parse: (input) => void parse(input.toString('latin1')),
  })),
  {
    name: 'WebRTC sdpfrag (src/webrtc/sdpfrag.ts)',
    seeds: [
      text(
        'a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2122260223 192.0.2.1 61764 typ host\r\na=end-of-candidates\r\n',
      ),
    ],
    parse: (input) => void parseSdpFrag(input),
  },
  {
    name: 'RTMP chunk reader (src/rtmp/chunk-reader.ts)',
    seeds: seedsOf((rng) => chunkStreamSample(rng), 12),
    parse: (input, splits) => {
      // Commands are parsed as the connection does: the AMF0 inside the chunks is reached too.
      const reader = new ChunkReader((m) => {
        if (m.typeId === MessageType.COMMAND_AMF0 || m.typeId === MessageType.COMMAND_AMF3) parseCommand(m)
      })
      for (const c of chunks(input, splits)) reader.push(c)
    },
  },
  { name: 'RTMP AMF0 (src/rtmp/amf0.ts)', seeds: amf0Samples(), parse: (input) => void decodeAmf0(input) },
  {
    name: 'RTMP FLV tags (src/rtmp/flv-tags.ts)',
    seeds: flvTagSamples(new Rng(7)),
    // Both readers see every input; a typed error of the first does not keep the second from it.
    parse: (input) => {
      let typed: RtspkitError | undefined
      for (const parse of [parseVideoTag, parseAudioTag]) {
        try {
          parse(input)
        } catch (err) {
          if (!(err instanceof RtspkitError)) throw err
          typed = err
        }
      }
      if (typed) throw typed
    },
  },
  { name: 'RTMP handshake C0+C1 (src/rtmp/handshake.ts)', seeds: seedsOf((rng) => c0c1(rng), 4), parse: (input) => void parseC0C1(input) },
  {
    name: 'RTMP Adobe auth query (src/rtmp/adobe-auth.ts)',
    seeds: ADOBE_QUERIES.map(text),
    parse: (input) => void parseAdobeQuery(input.toString('latin1')),
  },
]

export interface ParserRun {
  name: string
  runs: number
  parsed: number
  typedErrors: number
  seconds: number
  slowestMs: number
  failure?: string
}

/** One parser: `runs` inputs; the failure (an untyped throw or a hang), if any. */
export function fuzzParser(c: ParserCase, runs: number, seed: number): ParserRun {
  const r: ParserRun = { name: c.name, runs: 0, parsed: 0, typedErrors: 0, seconds: 0, slowestMs: 0 }
  const mutated = fc
    .tuple(fc.integer({ min: 0, max: 0x7fffffff }), fc.nat({ max: c.seeds.length - 1 }))
    .map(([s, i]) => mutateBytes(new Rng(s), c.seeds[i]!, MAX_MUTATIONS))
  const input = fc.oneof(
    { weight: 4, arbitrary: mutated },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: RANDOM_MAX_BYTES }).map((a) => Buffer.from(a)) },
  )
  const t0 = performance.now()
  const out = fc.check(
    fc.property(input, fc.array(fc.nat({ max: RANDOM_MAX_BYTES }), { maxLength: 6 }), (bytes, splits) => {
      r.runs++
      const s = performance.now()
      try {
        c.parse(bytes, splits)
        r.parsed++
      } catch (err) {
        if (!(err instanceof RtspkitError)) throw err
        r.typedErrors++
      } finally {
        const ms = performance.now() - s
        r.slowestMs = Math.max(r.slowestMs, ms)
        if (ms > HANG_MS) throw new Error(`one input took ${ms.toFixed(0)} ms (bound ${HANG_MS} ms)`)
      }
    }),
    { numRuns: runs, seed, endOnFailure: true },
  )
  r.seconds = (performance.now() - t0) / 1000
  if (out.failed) {
    const cause = out.errorInstance instanceof Error ? `${out.errorInstance.name}: ${out.errorInstance.message}` : String(out.errorInstance)
    const example = out.counterexample?.[0]
    r.failure = `${c.name}: ${cause}; input (hex) ${example ? Buffer.from(example).subarray(0, 200).toString('hex') : '?'}`
  }
  return r
}

export function runParserFuzz(opts: { runs: number; seed: number; only?: string }): number {
  const results: ParserRun[] = []
  for (const c of PARSER_CASES) {
    if (opts.only !== undefined && !c.name.includes(opts.only)) continue
    const r = fuzzParser(c, opts.runs, opts.seed)
    results.push(r)
    console.log(`${r.failure ? 'FAIL' : 'ok  '} ${r.name}: ${r.runs} runs in ${r.seconds.toFixed(1)} s`)
  }
  console.log()
  const rows = results.map((r) => [
    r.name,
    String(r.runs),
    String(r.parsed),
    String(r.typedErrors),
    r.seconds.toFixed(1),
    r.slowestMs.toFixed(1),
    r.failure ? 'FAIL' : 'ok',
  ])
  console.log(textTable(['parser', 'runs', 'parsed', 'typed errors', 's', 'slowest ms', 'result'], rows, 1))
  const failures = results.flatMap((r) => (r.failure ? [r.failure] : []))
  printVerdict('PARSER FUZZ', { runsPerParser: opts.runs, seed: opts.seed, parsers: results }, { failures })
  return failures.length === 0 ? 0 : 1
}
