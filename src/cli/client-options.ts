/** Options every client command (probe, play, publish, view) takes: credentials and the RTSP dialogue. */
import type { RtspClientOptions } from '../client/rtsp-client.js'

export const CLIENT_ARGS = {
  username: { type: 'string' },
  password: { type: 'string' },
  verbose: { type: 'boolean' },
} as const

/** Their lines in a command's help. */
export const CLIENT_HELP = `  --username NAME      user name (instead of user:pass@ in the URL)
  --password PASS      password
  --verbose            print the RTSP dialogue
`

/** --transport in the help of the commands that play (parsed by parseTransportOption). */
export const TRANSPORT_HELP = `  --transport T        udp, tcp or auto (default auto: UDP, then TCP if the server refuses UDP
                       or no packet arrives within 3 s)
`

export interface ClientArgs {
  username?: string
  password?: string
  verbose: boolean
}

export function clientArgs(v: { username?: string | undefined; password?: string | undefined; verbose?: boolean | undefined }): ClientArgs {
  return {
    verbose: v.verbose ?? false,
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
  if (a.verbose) {
    o.onDialogue = (dir, text) => {
      const mark = dir === 'send' ? '>>' : '<<'
      process.stderr.write(`${mark} ${text.trimEnd().replace(/\n/g, `\n${mark} `)}\n\n`)
    }
  }
  return o
}
