/**
 * The exit status of every command, as ffmpeg and gst-launch use it: 0 success, 1 a failure while
 * running, 2 a usage error (a bad option, argument or configuration value: one line, nothing done).
 */
import { ConfigError } from '../errors.js'

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/**
 * ConfigErrors that report the machine or the network, not the command line: the same command may
 * work a minute later (a port freed, a name resolving, a disk with room again).
 */
const RUNTIME_CONFIG_CODES: ReadonlySet<string> = new Set([
  'ERR_PORT_IN_USE',
  'ERR_PORT_ACCESS',
  'ERR_LISTEN',
  'ERR_VIEW_LISTEN',
  'ERR_UDP_BIND',
  'ERR_RTP_HOST',
  'ERR_SINK_WRITE',
])

/** 2 for a usage error (a ConfigError about what was asked), 1 for anything that failed while running. */
export function exitStatusFor(err: unknown): number {
  return err instanceof ConfigError && !RUNTIME_CONFIG_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE
}

/** The block every command's --help ends with; `failures` names what counts as a failure there. */
export function exitStatusHelp(failures = 'a network error, an error answer from the server, a write error'): string {
  return `
Exit status:
  0  success (also when stopped by Ctrl+C or --duration)
${wrap(`1  failure while running: ${failures}`)}
  2  usage error: a bad option, argument or configuration value (one line on stderr)
`
}

const HELP_WIDTH = 96
const HELP_INDENT = '    '

/** `text` as help lines of at most HELP_WIDTH columns, the later ones indented under the first's text. */
function wrap(text: string): string {
  const lines: string[] = []
  let line = ' '
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > HELP_WIDTH && line.trim() !== '') {
      lines.push(line)
      line = HELP_INDENT
    }
    line += ` ${word}`
  }
  lines.push(line)
  return lines.join('\n')
}

/** Writes a command's help followed by its exit status block. */
export function printHelp(help: string, failures?: string): number {
  process.stdout.write(help + exitStatusHelp(failures))
  return EXIT_OK
}
