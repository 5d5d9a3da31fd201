/**
 * `rtspkit hash-password --user NAME`: reads a password (a hidden prompt on a terminal, else the first
 * line of standard input) and prints the value for users[].password in rtspkit.yml. The password is
 * never taken from the command line, where `ps` and shell history would keep it.
 */
import type { Readable, Writable } from 'node:stream'
import { hashPassword } from '../config/password.js'
import { defaultConfig } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import { parseOptionArgs } from './options.js'

export const HASH_PASSWORD_HELP = `Usage: rtspkit hash-password --user NAME [--realm REALM]

Print the stored form of a password for the users list of rtspkit.yml:

  users:
    - name: alice
      password: digest:alice:rtspkit:…   <- the printed line

On a terminal the password is asked twice without echo; otherwise the first line of standard input
is the password:   printf '%s\\n' "$PASS" | rtspkit hash-password --user alice

The hash holds H(user:realm:password) for Digest MD5 and SHA-256, which serves both Digest and Basic
logins. It is password-equivalent for that user and realm: keep the config file private. It is made
for one user name and one realm, so hash again after renaming the user or changing server.realm.

Options:
  --user NAME          the user name, as in users[].name (required)
  --realm REALM        the Digest realm, as in server.realm (default ${defaultConfig().server.realm})
  -h, --help           show this help
`

export interface HashPasswordArgs {
  user: string
  realm: string
}

export function parseHashPasswordArgs(argv: string[]): HashPasswordArgs | 'help' {
  const parsed = parseOptionArgs('hash-password', argv, { user: { type: 'string' }, realm: { type: 'string' } })
  if (parsed === 'help') return 'help'
  const v = parsed.values
  if (v.user === undefined || v.user === '' || v.user.includes(':')) {
    throw new ConfigError('ERR_CLI_ARGS', '--user NAME is required (a name without ":"); see rtspkit hash-password --help', {
      observed: v.user,
    })
  }
  const realm = v.realm ?? defaultConfig().server.realm
  if (realm === '' || /["\\\r\n]/.test(realm))
    throw new ConfigError('ERR_CLI_VALUE', `--realm must be non-empty, without quotes or backslashes, got "${realm}"`, { observed: realm })
  return { user: v.user, realm }
}

/** The streams the command uses; a terminal stdin gets a hidden prompt. */
export interface HashPasswordIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }
  stdout: Writable
  stderr: Writable
}

const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const DELETE = '\u007f'
const BACKSPACE = '\b'

/** One line typed without echo; undefined when the user gives up (Ctrl+C, or Ctrl+D on an empty line). */
function promptHidden(prompt: string, io: HashPasswordIo): Promise<string | undefined> {
  const input = io.stdin
  return new Promise((resolve) => {
    let chars: string[] = []
    const finish = (value: string | undefined): void => {
      input.off('data', onData)
      input.setRawMode?.(false)
      input.pause()
      io.stderr.write('\n')
      resolve(value)
    }
    const onData = (chunk: Buffer | string): void => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish(chars.join(''))
        if (ch === CTRL_C || (ch === CTRL_D && chars.length === 0)) return finish(undefined)
        if (ch === DELETE || ch === BACKSPACE) chars = chars.slice(0, -1)
        else if (ch >= ' ') chars.push(ch)
      }
    }
    io.stderr.write(prompt)
    input.setRawMode?.(true)
    input.setEncoding('utf8')
    input.on('data', onData)
    input.resume()
  })
}

/** The first line of a piped stdin (without its line end). */
async function firstLine(input: Readable): Promise<string> {
  let text = ''
  for await (const chunk of input) {
    text += String(chunk)
    if (text.includes('\n')) break
  }
  return text.split('\n')[0]!.replace(/\r$/, '')
}

async function readPassword(io: HashPasswordIo): Promise<string> {
  if (!io.stdin.isTTY) {
    const line = await firstLine(io.stdin)
    if (line === '')
      throw new ConfigError('ERR_CLI_ARGS', 'no password: give it on the first line of standard input, or run on a terminal', {
        observed: '',
      })
    return line
  }
  const first = await promptHidden('Password: ', io)
  if (first === undefined) throw new ConfigError('ERR_CLI_ABORTED', 'cancelled', {})
  if (first === '') throw new ConfigError('ERR_CLI_ARGS', 'the password is empty', { observed: '' })
  const again = await promptHidden('Repeat password: ', io)
  if (again !== first) throw new ConfigError('ERR_CLI_ARGS', 'the passwords differ; nothing printed', {})
  return first
}

/** Prints the hash of the password read from `io.stdin`; resolves with the exit code. */
export async function runHashPassword(
  args: HashPasswordArgs,
  io: HashPasswordIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const password = await readPassword(io)
  io.stdout.write(`${hashPassword(password, { user: args.user, realm: args.realm })}\n`)
  return 0
}
