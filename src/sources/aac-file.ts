/**
 * AAC file source: an ADTS stream (ISO/IEC 14496-3 1.A.2.2, what `ffmpeg -c:a aac -f adts` and most
 * .aac files hold) read once, split into raw access units and played in real time, looping. Each AU is
 * `frameLength` samples (1024 for AAC-LC), so the Pacer runs at sampleRate / frameLength AUs per second.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { splitAdts } from '../codecs/aac/adts.js'
import { parseAudioSpecificConfig, type AudioSpecificConfig } from '../codecs/aac/audio-specific-config.js'
import { ConfigError, RtspkitError, StateError } from '../errors.js'
import { systemClock, type Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'

/** Largest audio file read into memory. */
export const MAX_AUDIO_FILE_SIZE = 512 * 1024 * 1024

const OBJECT_TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'AAC Main', 2: 'AAC-LC', 3: 'AAC SSR', 4: 'AAC LTP' }
const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
}

/** Reads a whole source file; one-line ConfigError when it is missing, unreadable or too large. */
function readAudioFile(file: string): Buffer {
  try {
    const size = statSync(file).size
    if (size > MAX_AUDIO_FILE_SIZE) {
      throw new ConfigError('ERR_SOURCE_FILE', `cannot read ${file}: ${size} bytes is more than the ${MAX_AUDIO_FILE_SIZE} allowed`, {
        observed: size,
        allowed: MAX_AUDIO_FILE_SIZE,
      })
    }
    return readFileSync(file)
  } catch (err) {
    if (err instanceof RtspkitError) throw err
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new ConfigError(
      'ERR_SOURCE_FILE',
      `cannot read ${file}: ${FS_ERRORS[code] ?? (err as Error).message}`,
      { observed: code, path: file },
      { cause: err },
    )
  }
}

export interface AacFile {
  /** Raw access units (no ADTS headers), views into the file contents. */
  aus: Buffer[]
  /** AudioSpecificConfig for SDP (fmtp `config`). */
  config: Buffer
  asc: AudioSpecificConfig
  sampleRate: number
  channels: number
  /** Samples per AU. */
  frameLength: number
}

/** Reads and splits an ADTS file. Throws ConfigError with a one-line message naming the file. */
export function loadAacFile(file: string): AacFile {
  const data = readAudioFile(file)
  try {
    const stream = splitAdts(data)
    const asc = parseAudioSpecificConfig(stream.config)
    return {
      aus: stream.frames.map((f) => f.au),
      config: stream.config,
      asc,
      sampleRate: asc.sampleRate,
      channels: asc.channels,
      frameLength: asc.frameLength,
    }
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError('ERR_SOURCE_FORMAT', `${file} is not an AAC ADTS stream: ${err.message}`, { path: file }, { cause: err })
  }
}

export interface AacFileSourceOptions {
  /** Start again after the last AU (default true); when false the source stops itself. */
  loop?: boolean
  clock?: Clock
}

/** Plays an ADTS file as a live AAC track: one raw AU per push, presentation times growing across loops. */
export class AacFileSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  readonly file: AacFile
  private readonly loop: boolean
  private readonly pacer: Pacer
  private push: FramePush | undefined

  constructor(file: string, opts: AacFileSourceOptions = {}) {
    this.file = loadAacFile(file)
    const { sampleRate, channels, config, frameLength, aus, asc } = this.file
    this.loop = opts.loop ?? true
    this.tracks = [{ kind: 'audio', codec: 'aac', sampleRate, channels, config }]
    const kind = OBJECT_TYPE_NAMES[asc.objectType] ?? `AAC type ${asc.objectType}`
    const seconds = ((aus.length * frameLength) / sampleRate).toFixed(1)
    this.description = `${path.basename(file)} (${kind} ${sampleRate} Hz ${channelsText(channels)}, ${seconds} s${this.loop ? ', looping' : ''})`
    this.pacer = new Pacer(sampleRate / frameLength, (i, pts) => this.tick(i, pts), opts.clock ?? systemClock)
  }

  get running(): boolean {
    return this.pacer.running
  }

  /** Starts pushing AUs; after `stop` it may start again and continues the same timeline. */
  start(push: FramePush): void {
    if (this.pacer.running) throw new StateError('ERR_SOURCE_STARTED', 'AAC file source is already started')
    this.push = push
    this.pacer.start()
  }

  /** Idempotent; clears the timer. */
  stop(): void {
    this.pacer.stop()
  }

  private tick(index: number, ptsMs: number): void {
    const { aus } = this.file
    // The Pacer's index is the AU's place on the timeline, so a skip after a stall stays in sync.
    if (!this.loop && index >= aus.length) {
      this.pacer.stop()
      return
    }
    this.push?.(0, aus[index % aus.length]!, ptsMs)
    if (!this.loop && index === aus.length - 1) this.pacer.stop()
  }
}

function channelsText(channels: number): string {
  return channels === 1 ? 'mono' : channels === 2 ? 'stereo' : `${channels} channels`
}
