/** Options every client command (probe, play, publish, view) takes: credentials and the RTSP dialogue. */
import { readFileSync } from 'node:fs'
import type { RtspClientOptions } from '../client/rtsp-client.js'
import { ConfigError } from '../errors.js'

export const CLIENT_ARGS = {
  username: { type: 'string' },
  password: { type: 'string' },
  verbose: { type: 'boolean' },
  insecure: { type: 'boolean' },
  ca: { type: 'string' },
} as const

/** Their lines in a command's help. */
export const CLIENT_HELP = `  --username NAME      user name (instead of user:pass@ in the URL)
  --password PASS      password
  --verbose            print the RTSP dialogue
  --ca FILE            rtsps://: trust the PEM certificate(s) in FILE besides the system's
  --insecure           rtsps://: do not check the server's certificate
`

/** --transport in the help of the commands that play (parsed by parseTransportOption). */
export const TRANSPORT_HELP = `  --transport T        udp, tcp, http, multicast or auto (default auto: UDP, then TCP if the
                       server refuses UDP or no packet arrives within 3 s, and HTTP tunnelling
                       if the RTSP connection is cut before any answer); http tunnels RTSP
                       and RTP through HTTP (ffmpeg -rtsp_transport http, GStreamer rtsph://);
                       multicast joins the server's group for the path
`

export interface ClientArgs {
  username?: string
  password?: string
  verbose: boolean
  insecure?: boolean
  /** The PEM text of --ca FILE. */
  ca?: string
}

export function clientArgs(v: {
  username?: string | undefined
  password?: string | undefined
  verbose?: boolean | undefined
  insecure?: boolean | undefined
  ca?: string | undefined
}): ClientArgs {
  return {
    verbose: v.verbose ?? false,
    ...(v.insecure ? { insecure: true } : {}),
    ...(v.ca !== undefined ? { ca: readCa(v.ca) } : {}),
    ...(v.username !== undefined ? { username: v.username } : {}),
    ...(v.password !== undefined ? { password: v.password } : {}),
  }
}

/** What the CLI says when a server turns out to be the RTSP/RTP teaching project's. */
export const TEACHING_DIALECT_NOTE =
  "rtspkit: no answer to OPTIONS: speaking the RTSP/RTP teaching project's dialect (whole JPEGs over UDP)"

/** RtspClient options for those: credentials, and with --verbose every message on stderr, `>>` sent, `<<` received. */
export function clientOptions(a: ClientArgs): Partial<RtspClientOptions> {
  const o: Partial<RtspClientOptions> = {}
  if (a.username !== undefined) o.username = a.username
  if (a.password !== undefined) o.password = a.password
  if (a.insecure || a.ca !== undefined) o.tls = { ...(a.insecure ? { insecure: true } : {}), ...(a.ca !== undefined ? { ca: a.ca } : {}) }
  if (a.verbose) {
    o.onDialogue = (dir, text) => {
      const mark = dir === 'send' ? '>>' : '<<'
      process.stderr.write(`${mark} ${text.trimEnd().replace(/\n/g, `\n${mark} `)}\n\n`)
    }
  }
  return o
}

function readCa(file: string): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError('ERR_CLI_VALUE', `--ca: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      observed: file,
    })
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('ERR_CLI_VALUE', `--ca: "${file}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`, { observed: file })
  }
  return text
}
