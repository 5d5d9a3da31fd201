/**
 * Watches the --config file for edits. Editors save in several steps (truncate, write, rename, chmod;
 * some save twice), each a file-system event: a reload waits until the file has been quiet for
 * `quietMs`, and only happens when its content differs from what was last loaded. An empty file is
 * taken as a save under way. So one edit gives one reload, and one reload line.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs'
import path from 'node:path'

/** How long the file must stay unchanged before it is read (ms); MediaMTX waits about a second. */
export const CONFIG_QUIET_MS = 500

export class ConfigWatcher {
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private last: string | undefined

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly quietMs = CONFIG_QUIET_MS,
  ) {}

  /** Starts watching; the content now is the one loaded at start. */
  start(): void {
    this.last = this.read()
    // Editors replace files: watch the directory and pick the file's events out of it.
    this.watcher = watch(path.dirname(path.resolve(this.file)), (_event, name) => {
      if (name !== path.basename(this.file)) return
      if (this.timer) clearTimeout(this.timer)
      this.timer = setTimeout(() => this.settled(), this.quietMs)
    })
  }

  /** The file was loaded by other means (SIGHUP): its content now is the current one. */
  loaded(): void {
    this.last = this.read()
  }

  /** Idempotent. */
  close(): void {
    this.watcher?.close()
    this.watcher = undefined
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private settled(): void {
    this.timer = undefined
    const now = this.read()
    if (now === undefined || now.trim() === '' || now === this.last) return
    this.last = now
    this.onChange()
  }

  private read(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8')
    } catch {
      return undefined // being replaced: the next event reads it
    }
  }
}
