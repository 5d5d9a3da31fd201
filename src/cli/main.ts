#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { EXIT_USAGE, exitStatusFor, printHelp } from './exit-status.js'
import { runRtpCommand } from './rtp.js'
import { HASH_PASSWORD_HELP, parseHashPasswordArgs, runHashPassword } from './hash-password.js'
import { parsePlayArgs, PLAY_HELP, runPlay } from './play.js'
import { parseProbeArgs, PROBE_HELP, runProbe } from './probe.js'
import { parsePublishArgs, PUBLISH_HELP, runPublish } from './publish.js'
import { parseServeArgs, runServe, SERVE_HELP } from './serve.js'
import { parseViewArgs, runView, VIEW_HELP } from './view.js'

const HELP = `rtspkit — RTSP/RTP toolkit

Usage:
  rtspkit                      serve the built-in test card (H.264) at rtsp://HOST:8554/test
  rtspkit serve [options]      serve test cards, files, publishers and relays (see rtspkit serve --help)
  rtspkit probe URL            show what an RTSP URL serves (tracks, codecs, sizes)
  rtspkit play URL [--out F]   play an RTSP stream with live stats; record it to .mp4, .h264, …
  rtspkit view URL [--port N]  show an RTSP stream on a local web page with SETUP/PLAY/PAUSE/TEARDOWN
  rtspkit publish INPUT URL    publish a file or the test card to an RTSP server (ANNOUNCE/RECORD)
  rtspkit rtp send INPUT --to HOST:PORT   send plain RTP, no RTSP (see rtspkit rtp send --help)
  rtspkit rtp recv FILE.sdp | --port N --codec NAME   receive plain RTP (see rtspkit rtp recv --help)
  rtspkit hash-password --user NAME   print a password hash for the users list of rtspkit.yml
  rtspkit --version

Run 'rtspkit COMMAND --help' for a command's options.
`

/** What makes a client command fail while running (exit 1). */
const SERVER_FAILURES = 'the server cannot be reached or answers 4xx/5xx'

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

async function runCommand<T>(
  argv: string[],
  parse: (a: string[]) => T | 'help',
  help: string,
  run: (cfg: T) => Promise<number>,
  failures?: string,
): Promise<number> {
  const cfg = parse(argv)
  if (cfg === 'help') return printHelp(help, failures)
  return run(cfg)
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === '--help' || first === '-h' || first === 'help') return printHelp(HELP)
  if (first === '--version' || first === '-v') {
    console.log(version())
    return 0
  }
  if (first === 'rtp') return runRtpCommand(rest)
  if (first === 'probe') return runCommand(rest, parseProbeArgs, PROBE_HELP, runProbe, SERVER_FAILURES)
  if (first === 'play')
    return runCommand(
      rest,
      parsePlayArgs,
      PLAY_HELP,
      runPlay,
      `${SERVER_FAILURES}, the stream ended with an error, --out cannot be written`,
    )
  if (first === 'view') return runCommand(rest, parseViewArgs, VIEW_HELP, runView)
  if (first === 'publish')
    return runCommand(
      rest,
      parsePublishArgs,
      PUBLISH_HELP,
      runPublish,
      `${SERVER_FAILURES} (it refused the stream), the connection was lost`,
    )
  if (first === 'hash-password')
    return runCommand(rest, parseHashPasswordArgs, HASH_PASSWORD_HELP, (a) => runHashPassword(a), 'stdin cannot be read')
  // No command, or options only: serve.
  const serveArgs = first === undefined || first.startsWith('-') ? argv : first === 'serve' ? rest : undefined
  if (!serveArgs) {
    console.error(`rtspkit: unknown command "${first}"; run rtspkit --help`)
    return EXIT_USAGE
  }
  return runCommand(serveArgs, parseServeArgs, SERVE_HELP, runServe, 'a port in use, a failed start or stop of the server')
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`rtspkit: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(exitStatusFor(err))
  },
)
