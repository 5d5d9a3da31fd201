/** Option helpers shared by the CLI commands: every bad value becomes one ConfigError line. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError } from '../errors.js'

/** node:util parseArgs failures (unknown option, missing value) as one line pointing at the command's help. */
export function argError(command: string, err: unknown, argv: string[]): ConfigError {
  const msg = (err as Error).message.split('\n')[0]!.replace(/\.$/, '')
  return new ConfigError('ERR_CLI_ARGS', `${msg}; see rtspkit ${command} --help`, { observed: argv })
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const
type CommandArgsConfig<O> = { args: string[]; allowPositionals: true; strict: true; options: O & typeof HELP_OPTION }

/** A command's arguments: strict, with positionals and -h/--help ('help' when given); failures as argError. */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = true,
): ReturnType<typeof parseArgs<CommandArgsConfig<O>>> | 'help' {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals, strict: true, options: { ...options, ...HELP_OPTION } } as CommandArgsConfig<O>)
  } catch (err) {
    throw argError(command, err, argv)
  }
  return (parsed.values as { help?: boolean }).help ? 'help' : parsed
}

/** The same for a command that takes options only (an argument is an error). */
export function parseOptionArgs<const O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<CommandArgsConfig<O>>> | 'help' {
  return parseCommandArgs(command, argv, options, false)
}

/** A decimal integer option within [min, max]; '', '0x10', '1e3' and ' 5' are refused. */
export function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError('ERR_CLI_VALUE', `--${name} must be an integer from ${min} to ${max}, got "${value}"`, {
      observed: value,
      allowed: `${min}-${max}`,
    })
  }
  return n
}

const MAX_DURATION_S = 7 * 24 * 3600
const MS_PER_SECOND = 1000

/** A number of seconds (fractions allowed) up to a week; 0 only when `allowZero`. */
export function secondsOption(name: string, value: string | undefined, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0) || n > MAX_DURATION_S) {
    throw new ConfigError(
      'ERR_CLI_VALUE',
      `--${name} must be a number of seconds ${allowZero ? 'from 0' : 'above 0'} up to ${MAX_DURATION_S}, got "${value}"`,
      { observed: value },
    )
  }
  return n
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`
}

/** Waits for the first of: the duration, SIGINT/SIGTERM, or `done`. */
export function waitForEnd(durationS: number | undefined, done: Promise<unknown>): Promise<'duration' | 'signal' | 'done'> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined
    const finish = (why: 'duration' | 'signal' | 'done'): void => {
      if (timer) clearTimeout(timer)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolve(why)
    }
    const onSignal = (): void => finish('signal')
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    if (durationS !== undefined) timer = setTimeout(() => finish('duration'), durationS * MS_PER_SECOND)
    done.then(
      () => finish('done'),
      () => finish('done'),
    )
  })
}

/** `--fps N`: a frame rate above 0 and at most 240. */
export function fpsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const fps = Number(value)
  if (value.trim() === '' || !(fps > 0 && fps <= 240))
    throw new ConfigError('ERR_CLI_VALUE', `--fps must be a number above 0 and at most 240, got "${value}"`, { observed: value })
  return fps
}

/** `--size WxH`, e.g. 640x480. */
export function sizeOption(value: string | undefined): { width: number; height: number } | undefined {
  if (value === undefined) return undefined
  const m = /^(\d+)x(\d+)$/.exec(value)
  if (!m) throw new ConfigError('ERR_CLI_VALUE', `--size must look like 640x480, got "${value}"`, { observed: value })
  return { width: Number(m[1]), height: Number(m[2]) }
}
