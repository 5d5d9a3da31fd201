/**
 * The shape of `rtspkit.yml`: the typed Config, its built-in defaults, and a field table the
 * validator, the environment mapping, the reload diff and the sample-config tests all walk, so a key
 * is declared once. Pure data: no I/O.
 */
import { defaultRtmpConfig, RTMP_SECTION, type RtmpConfig } from './schema-rtmp.js'
import * as rec from './schema-recording.js'
import { checkFingerprint, checkLocalUdpAddress, checkMulticastRange, checkNonEmpty, checkRealm, checkRtpPorts } from './schema-checks.js'
export { LOCAL_UDP_SPAN, parseLocalUdpAddress } from './schema-checks.js'
import { DEFAULT_READER_LIMITS } from '../rtsp/reader.js'
import { CONNECTION_LIMIT_FIELDS, defaultConnectionLimitsConfig, type ConnectionLimitsConfig } from './schema-connections.js'
import { checkWorkers } from './schema-workers.js'
import {
  GLOBAL_HOOKS_SECTION,
  HOOK_FIELDS,
  defaultGlobalHooks,
  defaultPathHooks,
  type GlobalHooks,
  type PathHooks,
} from './schema-hooks.js'
import { CLUSTER_SECTION, defaultClusterConfig, type ClusterConfig } from './schema-cluster.js'

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const LOG_FORMATS = ['pretty', 'json'] as const
export const AUTH_METHODS = ['digest+basic', 'digest', 'basic'] as const
export type AuthMethods = (typeof AUTH_METHODS)[number]
export type LogFormat = (typeof LOG_FORMATS)[number]

/** Path names and user lists use `any` for "anyone, without credentials". */
export const ANYONE = 'any'
/** A `paths` entry with this name serves every path no other entry matches (as in MediaMTX). */
export const ALL_OTHERS = 'all_others'
/** A `paths` name starting with this is a regular expression over the requested path (as in MediaMTX). */
export const REGEX_PREFIX = '~'

export const RELAY_TRANSPORTS = ['auto', 'udp', 'tcp', 'http', 'multicast'] as const
export type RelayTransport = (typeof RELAY_TRANSPORTS)[number]

export const ENCRYPTIONS = ['no', 'optional', 'strict'] as const
export type Encryption = (typeof ENCRYPTIONS)[number]

/** Connection limits (firstRequestTimeout … requestBodyBudget) are in schema-connections.ts. */
export interface ServerConfig extends ConnectionLimitsConfig {
  rtspPort: number
  /** '' listens on every interface. */
  host: string
  /** '' picks the first LAN IPv4 address for printed URLs. */
  publicHost: string
  /** '' for ephemeral ports, or 'A-B' (an even-sized range of RTP/RTCP pairs). */
  rtpPorts: string
  /** UDP send threads: '1' (the main thread), 'auto' (one per core) or a count (schema-workers.ts). */
  workers: string
  tcpOnly: boolean
  sessionTimeout: number
  /** 0 = unlimited. */
  maxSessions: number
  /** 0 = unlimited. */
  maxConnections: number
  /** The Digest realm; password hashes are made for one realm. */
  realm: string
  /** The login schemes offered in a 401, in this order. */
  authMethods: AuthMethods
  /** Offer and accept Basic over plain RTSP (the password in clear); it is always on inside RTSPS. */
  authBasicOverPlain: boolean
  /** Seconds a Digest nonce is valid; an older one gets 401 stale=true and the client signs again. */
  authNonceLifetime: number
  limits: RequestLimits
  logLevel: LogLevel
  logFormat: LogFormat
  /** Instant start: payload bytes a video track keeps since its last keyframe. */
  gopCacheMaxBytes: number
  /** Instant start: seconds from the last keyframe beyond which a GOP is not kept. */
  gopCacheMaxDuration: number
  /** RTSPS port. */
  rtspsPort: number
  /** A port of its own for RTSP over HTTP; 0 = none (the RTSP port takes tunnels anyway). */
  rtspHttpPort: number
  encryption: Encryption
  /** PEM file names; both '' = no RTSPS. */
  tls: { cert: string; key: string }
  /** UDP multicast for readers that ask for it. */
  multicast: { enabled: boolean; range: string; rtpPort: number; rtcpPort: number; ttl: number }
}

/** Bytes and counts per RTSP request; map onto RtspReaderLimits (src/rtsp/reader.ts). */
export interface RequestLimits {
  /** Longest request line or header line (maxLineLength). */
  requestLine: number
  /** Request line plus headers (maxHeaderBytes). */
  headers: number
  /** Header fields per request (maxHeaderCount). */
  headerCount: number
  /** Largest body (maxBodyLength). */
  body: number
}

export interface ApiConfig {
  enabled: boolean
  host: string
  port: number
  /** What requests from a loopback address may do without credentials: none, read (default) or all (writes too). */
  trustLoopback: TrustLoopback
}

export const TRUST_LOOPBACK = ['none', 'read', 'all'] as const
export type TrustLoopback = (typeof TRUST_LOOPBACK)[number]

/** The HLS output (MediaMTX's hls* settings without the prefix). */
export interface HlsConfig {
  enabled: boolean
  /** '' listens on every interface. */
  host: string
  port: number
  /** lowLatency: Low-Latency HLS (parts, blocking reload); fmp4: plain HLS with fMP4 segments. */
  variant: HlsVariantName
  /** Complete segments listed in the playlist. */
  segmentCount: number
  /** Seconds: segments end at the first keyframe past it. */
  segmentDuration: number
  /** Seconds: the length of a part (lowLatency). */
  partDuration: number
  /** Seconds without a request after which a path's muxer stops. */
  muxerCloseAfter: number
  /** Access-Control-Allow-Origin of every answer. */
  allowOrigin: string
}

export const HLS_VARIANTS = ['lowLatency', 'fmp4'] as const
export type HlsVariantName = (typeof HLS_VARIANTS)[number]

/** The WebRTC room (src/webrtc): WHEP playback and WHIP publishing over HTTP. */
export interface WebRtcConfig {
  enabled: boolean
  host: string
  port: number
  /** Extra IPs or host names announced as ICE host candidates (NAT, containers). */
  additionalHosts: string[]
  /** UDP for ICE: '' ephemeral ports; ':PORT' or 'HOST:PORT' ports from PORT up (one per session); 'A-B' a range. */
  localUdpAddress: string
  /** Access-Control-Allow-Origin of every answer. */
  allowOrigin: string
  /** STUN/TURN URLs: stun:HOST:PORT, turn:USER:PASS@HOST:PORT. */
  iceServers: string[]
}

/** The rest of the section (fsync, format, partSeconds, deleteAfter) is in schema-recording.ts. */
export interface RecordingConfig extends rec.RecordingSectionExtras {
  segmentSeconds: number
  dir: string
}

export interface RelaysConfig {
  closeAfter: number
  retryMax: number
}

export interface PathConfig extends PathHooks, rec.PathRecordConfig {
  /** As written: a plain name ('cam', 'site/door'), '~regex' or 'all_others'. */
  name: string
  /** Same syntax as `--path NAME=SOURCE` (parseSourceSpec). */
  source: string
  /** Relays only: pull while someone reads (true) or all the time (false). */
  onDemand: boolean
  /** Seconds a relay keeps pulling after its last reader; relays.closeAfter unless the path sets it. */
  closeAfter: number
  record: boolean
  /** New readers get the current GOP at once (true) or wait for the next keyframe (false). */
  instantStart: boolean
  /** Relays: how the upstream's media comes (auto tries UDP, then TCP). */
  rtspTransport: RelayTransport
  /** rtsps:// relays: the SHA-256 fingerprint of the upstream's certificate (hex, colons optional); '' verifies against the system's CAs. */
  sourceFingerprint: string
  /** User names that may read; 'any' = anonymous readers too. */
  read: string[]
  /** User names that may publish; 'any' = anonymous publishers too. */
  publish: string[]
}

export interface UserConfig {
  name: string
  /** 'digest:…' from `rtspkit hash-password`, or 'plain:PASSWORD'. */
  password: string
  /** CIDRs the user may connect from; [] = anywhere. */
  ips: string[]
  /** May use the API and every path. */
  admin: boolean
}

export interface Config {
  server: ServerConfig
  api: ApiConfig
  hls: HlsConfig
  webrtc: WebRtcConfig
  rtmp: RtmpConfig
  recording: RecordingConfig
  playback: rec.PlaybackConfig
  relays: RelaysConfig
  /** Commands run on connections (runOnConnect, runOnDisconnect); path hooks are path fields. */
  hooks: GlobalHooks
  /** Nodes coordinated through Redis (schema-cluster.ts). */
  cluster: ClusterConfig
  /** In file order: regex entries are tried in this order. */
  paths: PathConfig[]
  /** Path fields every `paths` entry takes unless it sets them (as given; already applied to `paths`). */
  pathDefaults: Partial<Omit<PathConfig, 'name'>>
  users: UserConfig[]
  /** CIDRs allowed to use RTSP; [] = anywhere. */
  ips: string[]
}

/** What it takes to apply a changed setting to a running server. */
export type ApplyBy = 'restart-rtsp' | 'restart-api' | 'restart-hls' | 'restart-webrtc' | 'restart-rtmp' | 'live' | 'access' | 'paths'

export type LeafSpec =
  | { type: 'int'; min: number; max: number; apply: ApplyBy; note?: string }
  | { type: 'seconds'; min: number; max: number; apply: ApplyBy }
  | { type: 'bool'; apply: ApplyBy }
  | { type: 'enum'; values: readonly string[]; apply: ApplyBy }
  | {
      type: 'string'
      apply: ApplyBy
      /** Error text when the value is wrong, else undefined. */ check?: (v: string) => string | undefined
      allowed?: string
      /** A number is taken as its text. */ numbers?: boolean
    }
  | { type: 'list'; item: 'cidr' | 'user' | 'host' | 'url'; apply: ApplyBy }

export interface SectionSpec {
  type: 'section'
  fields: Readonly<Record<string, LeafSpec | SectionSpec>>
}

const DAY_S = 86_400
const WEEK_S = 7 * DAY_S
const MAX_PORT = 65_535
const MAX_BYTES = 1 << 30

const limit = (min: number): LeafSpec => ({ type: 'int', min, max: MAX_BYTES, apply: 'live' })

/** Every section key, its type, range and how a change applies. `paths` and `users` have their own tables. */
export const SECTIONS: SectionSpec = {
  type: 'section',
  fields: {
    server: {
      type: 'section',
      fields: {
        rtspPort: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-rtsp' },
        host: { type: 'string', apply: 'restart-rtsp' },
        publicHost: { type: 'string', apply: 'live' },
        rtpPorts: { type: 'string', check: checkRtpPorts, apply: 'restart-rtsp', numbers: true },
        workers: { type: 'string', check: checkWorkers, apply: 'restart-rtsp', numbers: true },
        tcpOnly: { type: 'bool', apply: 'restart-rtsp' },
        sessionTimeout: { type: 'seconds', min: 1, max: DAY_S, apply: 'live' },
        maxSessions: { type: 'int', min: 0, max: 1_000_000, apply: 'live' },
        maxConnections: { type: 'int', min: 0, max: 1_000_000, apply: 'live' },
        ...CONNECTION_LIMIT_FIELDS,
        realm: { type: 'string', check: checkRealm, apply: 'access' },
        authMethods: { type: 'enum', values: AUTH_METHODS, apply: 'access' },
        authBasicOverPlain: { type: 'bool', apply: 'access' },
        authNonceLifetime: { type: 'seconds', min: 1, max: 3600, apply: 'access' },
        limits: {
          type: 'section',
          fields: { requestLine: limit(256), headers: limit(256), headerCount: limit(1), body: limit(0) },
        },
        logLevel: { type: 'enum', values: LOG_LEVELS, apply: 'live' },
        logFormat: { type: 'enum', values: LOG_FORMATS, apply: 'live' },
        gopCacheMaxBytes: { type: 'int', min: 0, max: MAX_BYTES, apply: 'restart-rtsp' },
        gopCacheMaxDuration: { type: 'seconds', min: 0, max: 3600, apply: 'restart-rtsp' },
        rtspsPort: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-rtsp' },
        rtspHttpPort: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-rtsp' },
        encryption: { type: 'enum', values: ENCRYPTIONS, apply: 'restart-rtsp' },
        tls: {
          type: 'section',
          fields: { cert: { type: 'string', apply: 'live' }, key: { type: 'string', apply: 'live' } },
        },
        multicast: {
          type: 'section',
          fields: {
            enabled: { type: 'bool', apply: 'restart-rtsp' },
            range: { type: 'string', check: checkMulticastRange, apply: 'restart-rtsp' },
            rtpPort: { type: 'int', min: 1, max: MAX_PORT, apply: 'restart-rtsp' },
            rtcpPort: { type: 'int', min: 1, max: MAX_PORT, apply: 'restart-rtsp' },
            ttl: { type: 'int', min: 1, max: 255, apply: 'restart-rtsp' },
          },
        },
      },
    },
    api: {
      type: 'section',
      fields: {
        enabled: { type: 'bool', apply: 'restart-api' },
        host: { type: 'string', apply: 'restart-api' },
        port: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-api' },
        trustLoopback: { type: 'enum', values: TRUST_LOOPBACK, apply: 'restart-api' },
      },
    },
    hls: {
      type: 'section',
      fields: {
        enabled: { type: 'bool', apply: 'restart-hls' },
        host: { type: 'string', apply: 'restart-hls' },
        port: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-hls' },
        variant: { type: 'enum', values: HLS_VARIANTS, apply: 'restart-hls' },
        segmentCount: { type: 'int', min: 3, max: 100, apply: 'restart-hls' },
        segmentDuration: { type: 'seconds', min: 0.1, max: 60, apply: 'restart-hls' },
        partDuration: { type: 'seconds', min: 0.05, max: 10, apply: 'restart-hls' },
        muxerCloseAfter: { type: 'seconds', min: 1, max: DAY_S, apply: 'restart-hls' },
        allowOrigin: { type: 'string', check: checkNonEmpty, apply: 'restart-hls' },
      },
    },
    webrtc: {
      type: 'section',
      fields: {
        enabled: { type: 'bool', apply: 'restart-webrtc' },
        host: { type: 'string', apply: 'restart-webrtc' },
        port: { type: 'int', min: 0, max: MAX_PORT, apply: 'restart-webrtc' },
        additionalHosts: { type: 'list', item: 'host', apply: 'restart-webrtc' },
        localUdpAddress: { type: 'string', check: checkLocalUdpAddress, apply: 'restart-webrtc' },
        allowOrigin: { type: 'string', check: checkNonEmpty, apply: 'restart-webrtc' },
        iceServers: { type: 'list', item: 'url', apply: 'restart-webrtc' },
      },
    },
    rtmp: RTMP_SECTION,
    recording: {
      type: 'section',
      fields: {
        segmentSeconds: { type: 'seconds', min: 1, max: DAY_S, apply: 'paths' },
        dir: { type: 'string', check: checkNonEmpty, apply: 'paths' },
        ...rec.RECORDING_SECTION_FIELDS,
      },
    },
    playback: rec.PLAYBACK_SECTION,
    relays: {
      type: 'section',
      fields: {
        closeAfter: { type: 'seconds', min: 0, max: WEEK_S, apply: 'paths' },
        retryMax: { type: 'seconds', min: 1, max: DAY_S, apply: 'paths' },
      },
    },
    hooks: GLOBAL_HOOKS_SECTION,
    cluster: CLUSTER_SECTION,
    ips: { type: 'list', item: 'cidr', apply: 'access' },
  },
}

/** Fields of one `paths` entry; `source` is checked with parseSourceSpec by the validator. */
export const PATH_FIELDS: SectionSpec['fields'] = {
  source: { type: 'string', apply: 'paths' },
  onDemand: { type: 'bool', apply: 'paths' },
  closeAfter: { type: 'seconds', min: 0, max: WEEK_S, apply: 'paths' },
  record: { type: 'bool', apply: 'paths' },
  instantStart: { type: 'bool', apply: 'paths' },
  rtspTransport: { type: 'enum', values: RELAY_TRANSPORTS, apply: 'paths' },
  sourceFingerprint: { type: 'string', check: checkFingerprint, apply: 'paths' },
  read: { type: 'list', item: 'user', apply: 'access' },
  publish: { type: 'list', item: 'user', apply: 'access' },
  ...HOOK_FIELDS,
  ...rec.RECORD_PATH_FIELDS,
}

/** Fields of one `users` entry; name and password are required. */
export const USER_FIELDS: SectionSpec['fields'] = {
  name: { type: 'string', apply: 'access' },
  password: { type: 'string', apply: 'access' },
  ips: { type: 'list', item: 'cidr', apply: 'access' },
  admin: { type: 'bool', apply: 'access' },
}

export const DEFAULT_PATH_SOURCE = 'publish'

/** The built-in configuration: what `rtspkit serve` runs with when no file, variable or flag says otherwise. */
export function defaultConfig(): Config {
  return {
    server: {
      rtspPort: 8554,
      host: '',
      publicHost: '',
      rtpPorts: '',
      workers: '1',
      tcpOnly: false,
      sessionTimeout: 60,
      maxSessions: 0,
      maxConnections: 0,
      ...defaultConnectionLimitsConfig(),
      realm: 'rtspkit',
      authMethods: 'digest+basic',
      authBasicOverPlain: false,
      authNonceLifetime: 30,
      limits: {
        requestLine: DEFAULT_READER_LIMITS.maxLineLength,
        headers: DEFAULT_READER_LIMITS.maxHeaderBytes,
        headerCount: DEFAULT_READER_LIMITS.maxHeaderCount,
        body: DEFAULT_READER_LIMITS.maxBodyLength,
      },
      logLevel: 'info',
      logFormat: 'pretty',
      gopCacheMaxBytes: 4 * 1024 * 1024,
      gopCacheMaxDuration: 10,
      rtspsPort: 8322,
      rtspHttpPort: 0,
      encryption: 'optional',
      tls: { cert: '', key: '' },
      multicast: { enabled: true, range: '224.1.0.0/16', rtpPort: 8002, rtcpPort: 8003, ttl: 16 },
    },
    api: { enabled: true, host: '127.0.0.1', port: 9997, trustLoopback: 'read' },
    hls: {
      enabled: true,
      host: '',
      port: 8888,
      variant: 'lowLatency',
      segmentCount: 7,
      segmentDuration: 1,
      partDuration: 0.2,
      muxerCloseAfter: 60,
      allowOrigin: '*',
    },
    webrtc: { enabled: true, host: '', port: 8889, additionalHosts: [], localUdpAddress: '', allowOrigin: '*', iceServers: [] },
    rtmp: defaultRtmpConfig(),
    recording: { segmentSeconds: 600, dir: 'recordings', ...rec.RECORDING_SECTION_DEFAULTS },
    playback: { ...rec.PLAYBACK_DEFAULTS },
    relays: { closeAfter: 10, retryMax: 30 },
    hooks: defaultGlobalHooks(),
    cluster: defaultClusterConfig(),
    paths: [
      {
        name: 'test',
        source: 'test:h264',
        onDemand: false,
        closeAfter: 10,
        record: false,
        instantStart: true,
        rtspTransport: 'auto',
        sourceFingerprint: '',
        read: [ANYONE],
        publish: [ANYONE],
        ...defaultPathHooks(),
      },
    ],
    pathDefaults: {},
    users: [],
    ips: [],
  }
}

/** Dotted names of every key the file may hold (`paths.*.source`, `users[].name` for the entries). */
export function schemaKeys(): string[] {
  const out: string[] = []
  const walk = (spec: SectionSpec, prefix: string): void => {
    for (const [k, f] of Object.entries(spec.fields)) {
      out.push(prefix + k)
      if (f.type === 'section') walk(f, `${prefix}${k}.`)
    }
  }
  walk(SECTIONS, '')
  out.push('paths', 'pathDefaults', 'users')
  for (const k of Object.keys(PATH_FIELDS)) out.push(`paths.*.${k}`)
  for (const k of Object.keys(USER_FIELDS)) out.push(`users[].${k}`)
  return out
}
export type { RtmpConfig } from './schema-rtmp.js'
