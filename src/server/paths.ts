/**
 * One place that turns a `--path NAME=SOURCE` (or, later, a config entry) into what serves it: a
 * local source (test card, file), a publish path, a relay, or an ffmpeg process.
 */
import { createCodecRegistry } from '../codecs/registry.js'
import { ConfigError } from '../errors.js'
import { attachSource, type SourceDefaults, type SourceSpec } from '../sources/source-spec.js'
import { FilePlayback } from '../sources/file-playback.js'
import { systemClock } from '../util/clock.js'
import { FfmpegPath, type FfmpegPathOptions } from './ffmpeg-path.js'
import { Relay, redact, type RelayOptions, type UpstreamConnector } from './relay.js'
import type { RtspServer } from './rtsp-server.js'

export interface PathHandle {
  readonly name: string
  /** One line for the start-up banner. */
  readonly description: string
  /** Stops what feeds the path (idempotent). */
  stop(): void
  /** Problems the path's source reports while serving (a frame the codec refused, an upstream retry). */
  onWarning(cb: (msg: string) => void): void
}

export interface PathDeps {
  defaults?: SourceDefaults
  relay?: RelayOptions
  /**
   * How relays reach their upstream; a relay path needs one. The server does not know the RTSP
   * client: the public `addPath` (app/add-path.ts) supplies the RtspClient one when none is given.
   */
  connector?: UpstreamConnector
  /** `ffmpeg:` paths: on demand like relays, plus the executable and start timeout. */
  ffmpeg?: FfmpegPathOptions
  log?: (msg: string) => void
  /** Chatty detail: each line ffmpeg writes to stderr. */
  debug?: (msg: string) => void
}

export function addPath(server: RtspServer, name: string, spec: SourceSpec, deps: PathDeps = {}): PathHandle {
  switch (spec.kind) {
    case 'publish': {
      server.addPublishPath(name, spec.options)
      const flags = [
        spec.options.onPublisherLeave === 'stay' ? 'readers stay' : '',
        spec.options.onSecondPublisher === 'takeover' ? 'takeover' : '',
      ].filter(Boolean)
      return {
        name,
        description: `publish here (ANNOUNCE/RECORD${flags.length ? `; ${flags.join(', ')}` : ''})`,
        stop() {},
        onWarning() {},
      }
    }
    case 'relay': {
      if (!deps.connector) {
        throw new ConfigError('ERR_RELAY_CONNECTOR', `relay path "${name}" needs an upstream connector`, { observed: name })
      }
      const relay = new Relay(
        name,
        spec.url,
        server,
        deps.connector,
        { registry: createCodecRegistry(), clock: systemClock, log: deps.log },
        deps.relay,
      ).attach()
      const mode = deps.relay?.alwaysOn ? 'always on' : 'on demand'
      return { name, description: `relay of ${redact(spec.url)} (${mode})`, stop: () => relay.close(), onWarning() {} }
    }
    case 'ffmpeg': {
      const path = new FfmpegPath(name, spec.args, server, { clock: systemClock, log: deps.log, debug: deps.debug }, deps.ffmpeg).attach()
      const mode = deps.ffmpeg?.alwaysOn ? 'always on' : 'on demand'
      return { name, description: `ffmpeg ${spec.args.join(' ')} (H.264, ${mode})`, stop: () => path.close(), onWarning() {} }
    }
    case 'unshared': {
      const source = new FilePlayback(spec.path, { loop: spec.loop, fps: deps.defaults?.fps })
      server.addPerReaderPath(name, source)
      return { name, description: source.description, stop() {}, onWarning() {} }
    }
    default: {
      const attached = attachSource(server, name, spec, deps.defaults)
      return {
        name,
        description: attached.description,
        stop: () => attached.stop(),
        onWarning: (cb) => attached.stream.on('warning', (err: Error) => cb(err.message)),
      }
    }
  }
}
