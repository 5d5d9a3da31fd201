/**
 * `rtspkit view URL`: the teaching client's window in a browser. A local web page shows the stream and
 * has SETUP, PLAY, PAUSE and TEARDOWN buttons that drive an RtspClient in this process.
 */
import { spawn } from 'node:child_process'
import { ViewServer } from '../view/view-server.js'
import { intOption, parseCommandArgs, waitForEnd } from './options.js'
import { parseTransportOption } from './play.js'
import { oneUrl } from './probe.js'
import { CLIENT_ARGS, CLIENT_HELP, TRANSPORT_HELP, clientArgs, clientOptions, type ClientArgs } from './client-options.js'

export const VIEW_HELP = `Usage: rtspkit view URL [options]

Show an RTSP stream on a local web page with SETUP, PLAY, PAUSE and TEARDOWN buttons, the
state (INIT, READY, PLAYING) and stats (frames, bytes, fps, packet loss). The buttons drive
an RTSP client in this process; the page listens on 127.0.0.1 only. Prints the page's URL.
JPEG is shown as sent; H.264 is decoded by the browser (WebCodecs); other codecs: stats only.

Options:
  --port N             HTTP port on 127.0.0.1 (default 0: a free port)
  --open               open the page in a browser ($BROWSER, else xdg-open, open or start)
${TRANSPORT_HELP}${CLIENT_HELP}  -h, --help           show this help
`

export interface ViewConfig extends ClientArgs {
  url: string
  port: number
  open: boolean
  transport: 'udp' | 'tcp' | 'http' | 'multicast' | 'auto'
}

export function parseViewArgs(argv: string[]): ViewConfig | 'help' {
  const parsed = parseCommandArgs('view', argv, {
    port: { type: 'string' },
    open: { type: 'boolean' },
    transport: { type: 'string' },
    ...CLIENT_ARGS,
  })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  return {
    url: oneUrl('view', parsed.positionals),
    port: intOption('port', v.port, 0, 65535) ?? 0,
    open: v.open ?? false,
    transport: (parseTransportOption(v.transport) ?? 'auto') as ViewConfig['transport'],
    ...clientArgs(v),
  }
}

/** The command that opens a URL in the user's browser: $BROWSER, else the platform's opener. */
function browserCommand(url: string): [string, string[]] {
  const fromEnv = process.env['BROWSER']
  if (fromEnv) return [fromEnv, [url]]
  if (process.platform === 'darwin') return ['open', [url]]
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '', url]]
  return ['xdg-open', [url]]
}

function openBrowser(url: string): void {
  const [cmd, args] = browserCommand(url)
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true })
  child.on('error', (err) => console.error(`rtspkit: could not start ${cmd} (${err.message}); open ${url} yourself`))
  child.unref()
}

export async function runView(cfg: ViewConfig): Promise<number> {
  const view = new ViewServer({ url: cfg.url, port: cfg.port, client: { transport: cfg.transport, ...clientOptions(cfg) } })
  await view.start()
  view.session.on('state', (s) => {
    const t = s.track
      ? ` (${s.track.encodingName}${s.track.width ? ` ${s.track.width}x${s.track.height}` : ''}${s.transport ? ` over ${s.transport.toUpperCase()}` : ''})`
      : ''
    console.error(`rtspkit: ${s.state}${t}${s.error ? `: ${s.error}` : ''}`)
  })
  try {
    process.stdout.write(`${view.pageUrl}\n`)
    console.error(`rtspkit: viewing ${view.session.url} at ${view.pageUrl} (Ctrl+C to stop)`)
    if (cfg.open) openBrowser(view.pageUrl)
    await waitForEnd(undefined, new Promise(() => {}))
    return 0
  } finally {
    await view.close()
  }
}
