/** The option parsers of `rtspkit serve` that check one flag each: one clear line and exit 2 when wrong. */
import { ConfigError } from '../errors.js'
import { isLogLevel, LOG_LEVELS, type LogFormat, type LogLevel } from '../log/logger.js'
import { ENCRYPTIONS, type Encryption } from '../config/schema.js'
import { checkAdvertise, checkNodeName, checkRedisUrl } from '../config/schema-cluster.js'
import { parseMulticastRange } from '../server/multicast-groups.js'
import { intOption, secondsOption } from './options.js'
import type { ServeConfig } from './serve.js'

export function multicastOptions(
  range: string | undefined,
  ports: string | undefined,
  ttl: string | undefined,
  off: boolean | undefined,
): ServeConfig['multicast'] {
  const out: ServeConfig['multicast'] = {}
  if (off) out.enabled = false
  if (range !== undefined) {
    try {
      parseMulticastRange(range)
    } catch {
      throw new ConfigError(
        'ERR_CLI_VALUE',
        `--multicast-range must be an IPv4 CIDR inside 224.0.0.0/4, e.g. 224.1.0.0/16; got "${range}"`,
        {
          observed: range,
        },
      )
    }
    out.range = range
  }
  if (ports !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(ports)
    const rtp = Number(m?.[1])
    const rtcp = Number(m?.[2])
    if (!m || !(rtp >= 1 && rtp <= 65535 && rtcp >= 1 && rtcp <= 65535 && rtp !== rtcp)) {
      throw new ConfigError('ERR_CLI_VALUE', `--multicast-ports must be RTP-RTCP, e.g. 8002-8003; got "${ports}"`, { observed: ports })
    }
    out.rtpPort = rtp
    out.rtcpPort = rtcp
  }
  if (ttl !== undefined) out.ttl = intOption('multicast-ttl', ttl, 1, 255)!
  return out
}

export function tlsOptions(
  cert: string | undefined,
  key: string | undefined,
  port: string | undefined,
  encryption: string | undefined,
): ServeConfig['tls'] {
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(
      'ERR_CLI_ARGS',
      `${cert === undefined ? '--tls-key' : '--tls-cert'} needs ${cert === undefined ? '--tls-cert' : '--tls-key'} too`,
      {
        observed: cert ?? key,
      },
    )
  }
  if (encryption !== undefined && !(ENCRYPTIONS as readonly string[]).includes(encryption)) {
    throw new ConfigError('ERR_CLI_VALUE', `--encryption must be one of ${ENCRYPTIONS.join(', ')}, got "${encryption}"`, {
      observed: encryption,
    })
  }
  return {
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    ...(port !== undefined ? { rtspsPort: intOption('rtsps-port', port, 0, 65535)! } : {}),
    ...(encryption !== undefined ? { encryption: encryption as Encryption } : {}),
  }
}

export function logLevelOption(value: string | undefined, verbose: boolean): LogLevel {
  if (value === undefined) return verbose ? 'debug' : 'info'
  if (!isLogLevel(value))
    throw new ConfigError('ERR_CLI_VALUE', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`, {
      observed: value,
      allowed: LOG_LEVELS,
    })
  return value
}

export function logFormatOption(value: string | undefined): LogFormat {
  if (value === undefined) return 'pretty'
  if (value !== 'pretty' && value !== 'json')
    throw new ConfigError('ERR_CLI_VALUE', `--log-format must be pretty or json, got "${value}"`, {
      observed: value,
      allowed: ['pretty', 'json'],
    })
  return value
}

/** Parses `serve` arguments; throws ConfigError with a one-line message on anything wrong. */

/** The connection-limit flags: each overrides its `server:` key (see rtspkit.yml). */
export interface ConnectionFlags {
  maxConnections?: number
  maxConnectionsPerAddress?: number
  idleTimeout?: number
  writeTimeout?: number
}

export function connectionOptions(v: {
  'max-connections'?: string | undefined
  'max-connections-per-address'?: string | undefined
  'idle-timeout'?: string | undefined
  'write-timeout'?: string | undefined
}): ConnectionFlags {
  const out: ConnectionFlags = {}
  const max = intOption('max-connections', v['max-connections'], 0, 1_000_000)
  if (max !== undefined) out.maxConnections = max
  const perAddress = intOption('max-connections-per-address', v['max-connections-per-address'], 0, 1_000_000)
  if (perAddress !== undefined) out.maxConnectionsPerAddress = perAddress
  const idle = secondsOption('idle-timeout', v['idle-timeout'], true)
  if (idle !== undefined) out.idleTimeout = idle
  const write = secondsOption('write-timeout', v['write-timeout'], true)
  if (write !== undefined) out.writeTimeout = write
  return out
}

/** --cluster-redis, --node-name, --advertise: checked with the config's rules, as given. */
export function clusterOptions(redis: string | undefined, node: string | undefined, advertise: string | undefined): ServeConfig['cluster'] {
  const out: ServeConfig['cluster'] = {}
  const checks = [
    ['cluster-redis', redis, checkRedisUrl, 'redis'],
    ['node-name', node, checkNodeName, 'node'],
    ['advertise', advertise, checkAdvertise, 'advertise'],
  ] as const
  for (const [flag, value, check, key] of checks) {
    if (value === undefined) continue
    const problem = value === '' ? 'must not be empty' : check(value)
    if (problem !== undefined) throw new ConfigError('ERR_CLI_VALUE', `--${flag} ${problem}, got "${value}"`, { observed: value })
    out[key] = value
  }
  return out
}
