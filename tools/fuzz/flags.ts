/**
 * Command-line flags of the fuzz and soak scripts: `--name value` or `--name=value`, numbers range
 * checked, unknown flags refused. A bad flag is a ConfigError naming it (exit 2, like the CLI).
 */
import { parseArgs } from 'node:util'
import { ConfigError } from '../../src/errors.js'

export interface NumberFlag {
  kind: 'number'
  default: number
  min: number
  max: number
  help: string
}
export interface StringFlag {
  kind: 'string'
  default: string
  allowed?: readonly string[]
  help: string
}
export interface BooleanFlag {
  kind: 'boolean'
  help: string
}
export type FlagSpec = NumberFlag | StringFlag | BooleanFlag
export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K] extends NumberFlag ? number : S[K] extends StringFlag ? string : boolean
}

export function parseFlags<S extends Record<string, FlagSpec>>(argv: string[], specs: S): FlagValues<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {}
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.kind === 'boolean' ? 'boolean' : 'string' }
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values
  } catch (err) {
    throw new ConfigError('ERR_FUZZ_FLAG', (err as Error).message, { allowed: Object.keys(specs).map((k) => `--${k}`) })
  }
  const out: Record<string, string | number | boolean> = {}
  for (const [name, spec] of Object.entries(specs)) {
    const raw = values[name]
    if (spec.kind === 'boolean') out[name] = raw === true
    else if (spec.kind === 'string') {
      const s = typeof raw === 'string' ? raw : spec.default
      if (spec.allowed && !spec.allowed.includes(s))
        throw new ConfigError('ERR_FUZZ_FLAG', `--${name}: "${s}" is not one of ${spec.allowed.join(', ')}`, {
          observed: s,
          allowed: spec.allowed,
        })
      out[name] = s
    } else {
      const n = typeof raw === 'string' ? Number(raw) : spec.default
      if (!Number.isFinite(n) || n < spec.min || n > spec.max)
        throw new ConfigError('ERR_FUZZ_FLAG', `--${name} must be a number from ${spec.min} to ${spec.max}, got "${String(raw)}"`, {
          observed: raw,
          allowed: `${spec.min}-${spec.max}`,
        })
      out[name] = n
    }
  }
  return out as FlagValues<S>
}

/** The flags' help, one line each, for --help. */
export function flagHelp(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const def = s.kind === 'boolean' ? '' : ` (default ${String(s.default)})`
      return `  --${name.padEnd(22)} ${s.help}${def}`
    })
    .join('\n')
}

/** Runs a tool's `main` and exits with its status: 2 for a bad flag, 1 for any other failure. */
export function runTool(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err))
      process.exit((err as { code?: string }).code === 'ERR_FUZZ_FLAG' ? 2 : 1)
    },
  )
}
