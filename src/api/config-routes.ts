/**
 * The writable configuration, in MediaMTX's layout under /v1: read and patch the global settings;
 * list, read, add, patch, replace and delete paths. Bodies are JSON with the keys of rtspkit.yml; a
 * write is checked by the config file's own validator — a refusal is a 400 with the same message the
 * file would get, without the file name and line — and applied at once as a reload applies a changed
 * file: only what changed is rebuilt.
 *
 * Changes live in memory: a reload of the file (or a restart) brings back what the file says.
 */
import { ConfigError } from '../errors.js'
import { isPlainObject, mergeRaw, type RawConfig } from '../config/layers.js'
import type { Config, PathConfig } from '../config/schema.js'
import { normalizePathName, validateConfig } from '../config/validate.js'
import type { Logger } from '../log/logger.js'
import { ApiError } from './api-error.js'
import type { ApiReply, ApiRoute } from './api-server.js'
import { redact } from './views.js'

/** How keys set by a request are named inside the validator; stripped from the messages. */
const ORIGIN = 'API request'

export interface ConfigRoutesDeps {
  /** The configuration in force. */
  config: () => Config
  /** Puts a checked configuration in force at once (ServeApp.reload). */
  apply: (next: Config) => void
  logger?: Logger
}

type Raw = Record<string, unknown>

export function configRoutes(deps: ConfigRoutesDeps): ApiRoute[] {
  const write = (raw: Raw, what: string): Config => {
    const next = check({ value: raw, origins: new Map() })
    deps.apply(next)
    deps.logger?.info(`API: ${what}`)
    return next
  }
  const existing = (name: string): { key: string; paths: Raw; raw: Raw } => {
    const raw = rawOf(deps.config())
    const paths = raw.paths as Raw
    const key = normalizePathName(name)
    if (!Object.hasOwn(paths, key)) throw new ApiError(404, 'ERR_API_PATH_NOT_FOUND', `no path "${key}" in the configuration`)
    return { key, paths, raw }
  }
  const pathReply = (config: Config, key: string, status = 200): ApiReply => {
    const p = config.paths.find((x) => x.name === key)
    return { status, body: p ? pathView(p) : {} }
  }
  return [
    { pattern: /^\/v1\/config\/global\/get$/, methods: { GET: () => ({ status: 200, body: globalView(deps.config()) }) } },
    {
      pattern: /^\/v1\/config\/global\/patch$/,
      methods: {
        PATCH: (_, body) => {
          const patch = mapping(body, 'global settings')
          if (Object.hasOwn(patch, 'paths'))
            throw new ApiError(400, 'ERR_API_BODY', 'paths are changed under /v1/config/paths/… (add, patch, replace, delete)')
          const merged = mergeRaw({ value: rawOf(deps.config()), origins: new Map() }, patch, ORIGIN)
          return { status: 200, body: globalView(write(merged.value, `global settings patched (${Object.keys(patch).join(', ')})`)) }
        },
      },
    },
    {
      pattern: /^\/v1\/config\/paths\/list$/,
      methods: { GET: () => ({ status: 200, body: { items: deps.config().paths.map(pathView) } }) },
    },
    { pattern: /^\/v1\/config\/paths\/get\/(.+)$/, methods: { GET: ([name]) => pathReply(deps.config(), existing(name!).key) } },
    {
      pattern: /^\/v1\/config\/paths\/add\/(.+)$/,
      methods: {
        POST: ([name], body) => {
          const fields = mapping(body ?? {}, 'path settings')
          const raw = rawOf(deps.config())
          const paths = raw.paths as Raw
          const key = normalizePathName(name!)
          if (Object.hasOwn(paths, key)) throw new ApiError(409, 'ERR_API_PATH_EXISTS', `path "${key}" is already in the configuration`)
          paths[key] = fields
          return pathReply(write(raw, `path "${key}" added`), key, 201)
        },
      },
    },
    {
      pattern: /^\/v1\/config\/paths\/patch\/(.+)$/,
      methods: {
        PATCH: ([name], body) => {
          const fields = mapping(body, 'path settings')
          const { key, paths, raw } = existing(name!)
          const merged = mergeRaw({ value: paths[key] as Raw, origins: new Map() }, fields, ORIGIN).value
          // A new source decides afresh whether it runs on demand, as it would in the file.
          if (Object.hasOwn(fields, 'source') && !Object.hasOwn(fields, 'onDemand')) delete merged.onDemand
          paths[key] = merged
          return pathReply(write(raw, `path "${key}" patched (${Object.keys(fields).join(', ')})`), key)
        },
      },
    },
    {
      pattern: /^\/v1\/config\/paths\/replace\/(.+)$/,
      methods: {
        POST: ([name], body) => {
          const fields = mapping(body ?? {}, 'path settings')
          const { key, paths, raw } = existing(name!)
          paths[key] = fields
          return pathReply(write(raw, `path "${key}" replaced`), key)
        },
      },
    },
    {
      pattern: /^\/v1\/config\/paths\/delete\/(.+)$/,
      methods: {
        DELETE: ([name]) => {
          const { key, paths, raw } = existing(name!)
          delete paths[key]
          write(raw, `path "${key}" deleted`)
          return { status: 204 }
        },
      },
    },
  ]
}

/** The validator's verdict; its refusal as a 400 with the file's message, less the origin prefix. */
function check(raw: RawConfig): Config {
  try {
    return validateConfig(raw, ORIGIN)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    const origin = typeof err.details.origin === 'string' ? err.details.origin : ORIGIN
    const message = err.message.startsWith(`${origin}: `) ? err.message.slice(origin.length + 2) : err.message
    throw new ApiError(400, 'ERR_API_INVALID_CONFIG', message)
  }
}

function mapping(body: unknown, what: string): Raw {
  if (!isPlainObject(body)) throw new ApiError(400, 'ERR_API_BODY', `the body must be a JSON object of ${what}`)
  return body
}

/** A Config back in the file's shape (paths as a mapping by name), to be changed and checked again. */
function rawOf(c: Config): Raw {
  const raw = structuredClone(c) as unknown as Raw
  raw.paths = Object.fromEntries(c.paths.map(({ name, ...fields }) => [name, structuredClone(fields)]))
  return raw
}

/** Everything but the paths, secrets redacted. */
function globalView(c: Config): unknown {
  const { paths: _paths, ...rest } = c
  return redact(rest)
}

function pathView(p: PathConfig): unknown {
  return redact(p)
}
