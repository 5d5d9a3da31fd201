/**
 * Recordings of a configured server: the recorder (each path's record* keys over the `recording`
 * section), retention (`recordDeleteAfter`, checked every minute) and the playback server (`playback`).
 * The config is read at each use, so a reload applies to the next segment, sweep and request.
 *
 * `recorder` emits 'segmentCreate' and 'segmentComplete' (pathName, file) for hooks.
 */
import { matchPath } from '../config/match.js'
import { recordSettingsOf } from '../config/schema-recording.js'
import type { Config } from '../config/schema.js'
import type { Logger } from '../log/logger.js'
import { PlaybackServer } from '../recordings/playback-server.js'
import { RecordingRetention } from '../recordings/retention.js'
import { ServerRecording } from '../server/recording.js'
import type { RtspServer } from '../server/rtsp-server.js'
import { systemClock, type Clock } from '../util/clock.js'

const MS_PER_S = 1000

export class RecordingServices {
  readonly recorder: ServerRecording
  private readonly retention: RecordingRetention
  private playback: PlaybackServer | undefined

  constructor(
    private readonly server: RtspServer,
    private readonly config: () => Config,
    private readonly logger: Logger,
    clock: Clock = systemClock,
  ) {
    this.recorder = new ServerRecording(server, {
      dir: config().recording.dir,
      settingsFor: (name) => {
        const c = this.config()
        const m = matchPath(c, name)
        if (m?.path.record !== true) return undefined
        const s = recordSettingsOf(c.recording, m.path)
        return {
          recordPath: s.recordPath,
          format: s.format,
          segmentDurationMs: s.segmentSeconds * MS_PER_S,
          partDurationMs: s.partSeconds * MS_PER_S,
          fsync: s.fsync,
        }
      },
      clock,
      log: (m) => this.logger.info(m),
    })
    this.retention = new RecordingRetention({
      clock,
      rules: () => {
        const c = this.config()
        return c.paths.map((p) => {
          const s = recordSettingsOf(c.recording, p)
          return { recordPath: s.recordPath, deleteAfterMs: s.deleteAfterSeconds * MS_PER_S, accepts: (n) => matchPath(c, n)?.path === p }
        })
      },
      inUse: () => this.recorder.activeFiles(),
      log: (m) => this.logger.info(m),
    })
  }

  /** The recordPath template of a path name (undefined when no entry serves it). */
  recordPathOf(name: string): string | undefined {
    const c = this.config()
    const m = matchPath(c, name)
    return m && recordSettingsOf(c.recording, m.path).recordPath
  }

  /** Every recordPath template of the configuration (the API's recordings listing looks there). */
  recordPaths(): string[] {
    const c = this.config()
    return [...new Set(c.paths.map((p) => recordSettingsOf(c.recording, p).recordPath))]
  }

  /** Absolute names of the segments being written now. */
  activeFiles(): string[] {
    return this.recorder.activeFiles()
  }

  /** Starts the playback server when `playback.enabled`; a port in use is a warning, as for HLS. */
  async start(): Promise<void> {
    const c = this.config().playback
    if (!c.enabled || this.playback) return
    const pb = new PlaybackServer({
      host: c.host,
      port: c.port,
      allowOrigin: c.allowOrigin,
      recordPathOf: (n) => this.recordPathOf(n),
      authorize: (req) => this.server.authorize(req),
      log: (m) => this.logger.warn(m),
    })
    try {
      const port = await pb.listen()
      this.playback = pb
      this.logger.info(`playback of recordings on http://${c.host || '127.0.0.1'}:${port}/list?path=NAME`)
    } catch (err) {
      await pb.close()
      this.logger.warn(`playback not started: ${(err as Error).message} (set playback.port, or playback.enabled: false)`)
    }
  }

  get playbackPort(): number | undefined {
    return this.playback?.port
  }

  /** Finishes recordings, stops retention and playback. Idempotent. */
  async close(): Promise<void> {
    this.retention.close()
    await this.playback?.close()
    this.playback = undefined
    await this.recorder.close()
  }
}
