/** Option helpers shared by the CLI commands: every bad value becomes one ConfigError line. */
import { ConfigError } from '../errors.js'

/** node:util parseArgs failures (unknown option, missing value) as one line pointing at the command's help. */
export function argError(command: string, err: unknown, argv: string[]): ConfigError {
  const msg = (err as Error).message.split('\n')[0]!.replace(/\.$/, '')
  return new ConfigError('ERR_CLI_ARGS', `${msg}; see rtspkit ${command} --help`, { observed: argv })
}

/** A decimal integer option within [min, max]; '', '0x10', '1e3' and ' 5' are refused. */
export function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError('ERR_CLI_VALUE', `--${name} must be an integer from ${min} to ${max}, got "${value}"`, { observed: value, allowed: `${min}-${max}` })
  }
  return n
}
