/**
 * The PEM certificate and key a TLS listener is configured with (`server.tls` for RTSPS, `rtmp.tls`
 * for RTMPS), read once; a file that cannot be read is a one-line configuration error naming the key.
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.js'

export interface PemFiles {
  cert: string
  key: string
}

/** Reads both files; `prefix` is the config key they come from (`server.tls`, `rtmp.tls`). */
export function readPemFiles(prefix: string, files: PemFiles): PemFiles {
  const read = (file: string, name: string): string => {
    try {
      return readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError(
        'ERR_CONFIG_TLS',
        `${prefix}.${name}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          observed: file,
        },
      )
    }
  }
  return { cert: read(files.cert, 'cert'), key: read(files.key, 'key') }
}
