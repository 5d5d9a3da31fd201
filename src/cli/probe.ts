/**
 * `rtspkit probe URL`: like ffprobe for RTSP — what a URL serves, from OPTIONS and DESCRIBE, without
 * playing it. `--verbose` prints the RTSP dialogue.
 */
import { RtspClient, type ClientDescription, type ClientTrack } from '../client/index.js'
import { ConfigError } from '../errors.js'
import { parseRtspUrl, stripCredentials } from '../rtsp/url.js'
import { parseCommandArgs, secondsOption } from './options.js'
import { CLIENT_ARGS, clientArgs, clientOptions, TEACHING_DIALECT_NOTE, type ClientArgs } from './client-options.js'

export const PROBE_HELP = `Usage: rtspkit probe URL [options]

Show what an RTSP URL serves: the server, each track's codec, clock rate, picture size
(from the SPS) or sample rate and channels (from the AudioSpecificConfig), and control URLs.
URL may carry credentials: rtsp://user:pass@host:port/path (Basic and Digest are answered).

Options:
  --verbose            print the RTSP requests and responses
  --json               print the description as JSON
  --sdp                print the SDP as the server sent it
  --username NAME      user name (instead of user:pass@ in the URL)
  --password PASS      password
  --timeout S          give up on a request after S seconds (default 10)
  -h, --help           show this help
`

export interface ProbeConfig extends ClientArgs {
  url: string
  json: boolean
  sdp: boolean
  timeoutS: number
}

export function parseProbeArgs(argv: string[]): ProbeConfig | 'help' {
  const parsed = parseCommandArgs('probe', argv, {
    ...CLIENT_ARGS,
    json: { type: 'boolean' },
    sdp: { type: 'boolean' },
    timeout: { type: 'string' },
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  return {
    url: oneUrl('probe', parsed.positionals),
    ...clientArgs(v),
    json: v.json ?? false,
    sdp: v.sdp ?? false,
    timeoutS: secondsOption('timeout', v.timeout, false) ?? 10,
  }
}

/** The one rtsp:// URL a client command takes. */
export function oneUrl(command: string, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new ConfigError(
      'ERR_CLI_ARGS',
      `${command} needs exactly one rtsp:// URL, got ${positionals.length} arguments; see rtspkit ${command} --help`,
      { observed: positionals },
    )
  }
  const url = positionals[0]!
  if (!/^rtsps?:\/\//i.test(url))
    throw new ConfigError('ERR_CLI_URL', `"${url}" is not an rtsp:// or rtsps:// URL; e.g. rtsp://127.0.0.1:8554/test`, { observed: url })
  try {
    parseRtspUrl(url)
  } catch (err) {
    const shown = stripCredentials(url)
    throw new ConfigError(
      'ERR_CLI_URL',
      `"${shown}": ${(err as Error).message}; e.g. rtsp://127.0.0.1:8554/test`,
      { observed: shown },
      { cause: err },
    )
  }
  return url
}

/** One line per track, e.g. `track 0: video H264/90000 1280x720 (Constrained Baseline)  control rtsp://…/trackID=0`. */
export function describeTrack(t: ClientTrack): string {
  const f = t.format
  const what = [`${f.encodingName}/${f.clockRate}${f.channels !== undefined ? `/${f.channels}` : ''}`, `pt ${f.payloadType}`]
  if (t.info.width !== undefined && t.info.height !== undefined) what.push(`${t.info.width}x${t.info.height}`)
  if (t.info.sampleRate !== undefined) what.push(`${t.info.sampleRate} Hz`)
  if (t.info.channels !== undefined) what.push(`${t.info.channels} ch`)
  if (t.codec.passthrough) what.push('(not parsed by rtspkit; relayed and recorded as raw payloads)')
  return `track ${t.index}: ${t.kind} ${what.join(', ')}\n  control: ${t.control}`
}

export function formatDescription(d: ClientDescription): string {
  const lines = [d.url]
  if (d.server) lines.push(`server: ${d.server}`)
  if (d.sdp.sessionName && d.sdp.sessionName !== '-') lines.push(`session: ${d.sdp.sessionName}`)
  lines.push(`content base: ${d.contentBase}`)
  for (const t of d.tracks) lines.push(describeTrack(t))
  if (d.tracks.length === 0) lines.push('no playable tracks')
  return lines.join('\n') + '\n'
}

export async function runProbe(cfg: ProbeConfig): Promise<number> {
  const client = new RtspClient(cfg.url, {
    requestTimeoutMs: cfg.timeoutS * 1000,
    ...clientOptions(cfg),
  })
  client.on('dialect', () => console.error(TEACHING_DIALECT_NOTE))
  try {
    const d = await client.describe()
    if (cfg.json) {
      const tracks = d.tracks.map((t) => ({
        index: t.index,
        kind: t.kind,
        control: t.control,
        encodingName: t.format.encodingName,
        clockRate: t.format.clockRate,
        channels: t.format.channels,
        payloadType: t.format.payloadType,
        fmtp: Object.fromEntries(t.format.fmtp),
        ...t.info,
      }))
      process.stdout.write(JSON.stringify({ url: d.url, server: d.server, contentBase: d.contentBase, tracks }, null, 2) + '\n')
    } else if (cfg.sdp) process.stdout.write(d.sdpText)
    else process.stdout.write(formatDescription(d))
    return 0
  } finally {
    await client.close()
  }
}
