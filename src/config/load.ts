/**
 * Loading: defaults, then the YAML file, then RTSPKIT_ environment variables, then the overrides the
 * CLI builds from its flags — each later layer wins key by key — checked once as a whole, so a
 * configuration with any problem is refused entirely and the caller keeps the one it had.
 *
 * parseConfig is pure (text in, Config out); loadConfig only adds reading the file.
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.js'
import { applyEnv } from './env.js'
import { mergeRaw, parseYamlLayer, type RawConfig } from './layers.js'
import type {
  ApiConfig,
  Config,
  HlsConfig,
  WebRtcConfig,
  RtmpConfig,
  PathConfig,
  RecordingConfig,
  RelaysConfig,
  RequestLimits,
  ServerConfig,
  UserConfig,
} from './schema.js'
import type { PlaybackConfig } from './schema-recording.js'
import { validateConfig } from './validate.js'
import type { ClusterConfig } from './schema-cluster.js'

/** What the CLI may override, in the file's shape (paths by name; lists replace). */
export interface ConfigOverrides {
  server?: Partial<Omit<ServerConfig, 'limits' | 'multicast'>> & {
    limits?: Partial<RequestLimits>
    multicast?: Partial<ServerConfig['multicast']>
  }
  api?: Partial<ApiConfig>
  hls?: Partial<HlsConfig>
  webrtc?: Partial<WebRtcConfig>
  rtmp?: Partial<RtmpConfig>
  recording?: Partial<RecordingConfig>
  playback?: Partial<PlaybackConfig>
  relays?: Partial<RelaysConfig>
  cluster?: Partial<ClusterConfig>
  paths?: Record<string, Partial<Omit<PathConfig, 'name'>>>
  users?: UserConfig[]
  ips?: string[]
}

export interface ParseConfigOptions {
  /** The YAML text; undefined when there is no file. */
  text?: string | undefined
  /** How the file is named in messages (default 'rtspkit.yml'). */
  fileName?: string | undefined
  env?: Readonly<Record<string, string | undefined>> | undefined
  overrides?: ConfigOverrides | undefined
  /** How overrides are named in messages (default 'command line'). */
  overridesOrigin?: string | undefined
}

export const OVERRIDES_ORIGIN = 'command line'

export function parseConfig(opts: ParseConfigOptions = {}): Config {
  const fileName = opts.fileName ?? 'rtspkit.yml'
  let raw: RawConfig = opts.text === undefined ? { value: {}, origins: new Map() } : parseYamlLayer(opts.text, fileName)
  if (opts.env) raw = applyEnv(raw, opts.env)
  raw = mergeRaw(raw, opts.overrides, opts.overridesOrigin ?? OVERRIDES_ORIGIN)
  return validateConfig(raw, opts.text === undefined ? 'config' : fileName)
}

export interface LoadConfigOptions {
  /** The YAML file; without it, defaults + env + overrides. */
  file?: string | undefined
  env?: Readonly<Record<string, string | undefined>> | undefined
  overrides?: ConfigOverrides | undefined
}

/** Reads `file` (if any) and parses it with parseConfig; a missing or unreadable file is a ConfigError. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  let text: string | undefined
  if (opts.file !== undefined) {
    try {
      text = readFileSync(opts.file, 'utf8')
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
      throw new ConfigError('ERR_CONFIG_FILE', `cannot read config file ${opts.file}: ${reason}`, { observed: opts.file }, { cause: err })
    }
  }
  return parseConfig({ text, fileName: opts.file, env: opts.env, overrides: opts.overrides })
}
