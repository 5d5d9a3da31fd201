import { createLogger, type LogFields, type LogLevel, type Logger } from '../log/logger.js'

/** A logger whose level and format follow the config across reloads. */
export class SwitchableLogger implements Required<Logger> {
  private current: Required<Logger>

  constructor(level: LogLevel, format: 'pretty' | 'json') {
    this.current = createLogger({ level, format })
  }

  set(level: LogLevel, format: 'pretty' | 'json'): void {
    this.current = createLogger({ level, format })
  }

  error(m: string, f?: LogFields): void {
    this.current.error(m, f)
  }
  warn(m: string, f?: LogFields): void {
    this.current.warn(m, f)
  }
  info(m: string, f?: LogFields): void {
    this.current.info(m, f)
  }
  debug(m: string, f?: LogFields): void {
    this.current.debug(m, f)
  }
  enabled(level: LogLevel): boolean {
    return this.current.enabled(level)
  }
}
