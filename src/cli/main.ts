#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { RtspkitError } from '../errors.js'
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

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

async function runCommand<T>(
  argv: string[],
  parse: (a: string[]) => T | 'help',
  help: string,
  run: (cfg: T) => Promise<number>,
): Promise<number> {
  const cfg = parse(argv)
  if (cfg === 'help') {
    process.stdout.write(help)
    return 0
  }
  return run(cfg)
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(HELP)
    return 0
  }
  if (first === '--version' || first === '-v') {
    console.log(version())
    return 0
  }
  if (first === 'rtp') return runRtpCommand(rest)
  if (first === 'probe') return runCommand(rest, parseProbeArgs, PROBE_HELP, runProbe)
  if (first === 'play') return runCommand(rest, parsePlayArgs, PLAY_HELP, runPlay)
  if (first === 'view') return runCommand(rest, parseViewArgs, VIEW_HELP, runView)
  if (first === 'publish') return runCommand(rest, parsePublishArgs, PUBLISH_HELP, runPublish)
  if (first === 'hash-password') return runCommand(rest, parseHashPasswordArgs, HASH_PASSWORD_HELP, (a) => runHashPassword(a))
  // No command, or options only: serve.
  const serveArgs = first === undefined || first.startsWith('-') ? argv : first === 'serve' ? rest : undefined
  if (!serveArgs) {
    console.error(`rtspkit: unknown command "${first}"; run rtspkit --help`)
    return 2
  }
  const cfg = parseServeArgs(serveArgs)
  if (cfg === 'help') {
    process.stdout.write(SERVE_HELP)
    return 0
  }
  return runServe(cfg)
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const msg = err instanceof RtspkitError ? err.message : err instanceof Error ? err.message : String(err)
    console.error(`rtspkit: ${msg}`)
    process.exit(err instanceof RtspkitError ? 2 : 1)
  },
)
