/** The RTSP listening socket: bound, or a ConfigError that says why not and what to do. */
import net from 'node:net'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log/logger.js'

/** Binds `server` to `host:port`; resolves once it listens. Later socket errors go to `onLaterError` (by default logged), not thrown. */
export function listenRtsp(
  server: net.Server,
  port: number,
  host: string | undefined,
  logger: Logger,
  flag = '--port',
  onLaterError: (err: NodeJS.ErrnoException) => void = (err) => logger.warn(`server socket error: ${err.message}`),
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${host ?? '*'}:${port}`
      if (err.code === 'EADDRINUSE') {
        reject(
          new ConfigError(
            'ERR_PORT_IN_USE',
            `port ${port} is already in use (${where}); choose another with ${flag}`,
            { observed: port },
            { cause: err },
          ),
        )
      } else if (err.code === 'EACCES') {
        reject(
          new ConfigError(
            'ERR_PORT_ACCESS',
            `not allowed to listen on ${where}; use a port above 1023 or run with privileges`,
            { observed: port },
            { cause: err },
          ),
        )
      } else {
        reject(new ConfigError('ERR_LISTEN', `cannot listen on ${where}: ${err.message}`, { observed: where }, { cause: err }))
      }
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      server.on('error', onLaterError)
      resolve()
    })
  })
}
