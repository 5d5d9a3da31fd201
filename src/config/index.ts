// The configuration file: schema and defaults, loading, reload diffs, path matching, permissions, passwords.
export {
  defaultConfig,
  schemaKeys,
  LOG_LEVELS,
  LOG_FORMATS,
  ANYONE,
  ALL_OTHERS,
  type Config,
  type ServerConfig,
  type RequestLimits,
  type ApiConfig,
  type HlsConfig,
  type RecordingConfig,
  type RelaysConfig,
  type PathConfig,
  type UserConfig,
  type LogLevel,
  type LogFormat,
  type ApplyBy,
} from './schema.js'
export { loadConfig, parseConfig, type ConfigOverrides, type LoadConfigOptions, type ParseConfigOptions } from './load.js'
export { ENV_PREFIX } from './env.js'
export { diffConfig, type ConfigDiff, type SettingChange } from './diff.js'
export { matchPath, type PathMatch } from './match.js'
export { authorize, type PermissionAction, type PermissionQuery, type PermissionDecision } from './authorize.js'
export { ipAllowed, ipMatcher, parseCidr, type Cidr } from './ip-ranges.js'
export { hashPassword, verifyBasic, digestHa1From, parseStoredPassword, type StoredPassword } from './password.js'
