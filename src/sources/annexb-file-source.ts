/**
 * What the Annex-B elementary stream file sources (H.264 and H.265, ITU-T H.264 / H.265 Annex B) share:
 * reading the file with one-line configuration errors, splitting it into NAL units, keeping the access
 * units a decoder can play from the first keyframe on, choosing the frame rate, and playing access units
 * at real rate with a drift-free Pacer, looping. The codec files (h264-file.ts, h265-file.ts) find and
 * parse their parameter sets and group NAL units into access units.
 */
import { readFileSync } from 'node:fs'
import { ConfigError, RtspkitError, StateError } from '../errors.js'
import { splitAnnexB } from '../codecs/annexb.js'
import type { Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'

/** Frame rates accepted from the user or the SPS. */
export const MAX_FILE_FPS = 1000

export interface FileAccessUnit {
  nalus: Buffer[]
  keyframe: boolean
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
}

/** ConfigError('ERR_SOURCE_FILE') naming the path and the reason of a failed read, in one line. */
export function sourceFileError(path: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
  const reason = FS_ERRORS[code] ?? (err as Error).message
  return new ConfigError('ERR_SOURCE_FILE', `cannot read ${path}: ${reason}`, { observed: code, path }, { cause: err })
}

/** Reads the whole file; ConfigError('ERR_SOURCE_FILE') names the path and the reason in one line. */
export function readClip(path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw sourceFileError(path, err)
  }
}

/** NAL units of the file (views into `data`); ConfigError when it is not an Annex-B byte stream. */
export function splitClip(data: Buffer, path: string, codecName: string): Buffer[] {
  try {
    return splitAnnexB(data)
  } catch (err) {
    throw new ConfigError('ERR_SOURCE_FORMAT', `${path} is not an ${codecName} Annex-B stream (no start code)`, { path }, { cause: err })
  }
}

/** Runs a parsing step; an RtspkitError becomes a one-line ConfigError naming the file. */
export function parseClip<T>(path: string, codecName: string, step: () => T): T {
  try {
    return step()
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has a malformed ${codecName} stream: ${err.message}`, { path }, { cause: err })
  }
}

/**
 * Keeps the access units holding a coded picture, from the first keyframe on when the file has one:
 * nothing can decode the pictures before it, and they would corrupt every loop.
 */
export function playableAccessUnits(
  path: string,
  groups: readonly Buffer[][],
  isVcl: (nal: Buffer) => boolean,
  isKeyframe: (nal: Buffer) => boolean,
): FileAccessUnit[] {
  let accessUnits = groups.filter((au) => au.some(isVcl)).map((au) => ({ nalus: au, keyframe: au.some(isKeyframe) }))
  const firstKey = accessUnits.findIndex((au) => au.keyframe)
  if (firstKey > 0) accessUnits = accessUnits.slice(firstKey)
  if (accessUnits.length === 0) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has no coded pictures`, { path })
  return accessUnits
}

export function checkFps(fps: number, path: string, origin: string): number {
  if (!Number.isFinite(fps) || fps <= 0 || fps > MAX_FILE_FPS) {
    throw new ConfigError('ERR_SOURCE_FPS', `${path}: frame rate ${fps} from ${origin} is not in (0, ${MAX_FILE_FPS}]`, {
      observed: fps,
      allowed: `(0, ${MAX_FILE_FPS}]`,
    })
  }
  return fps
}

/** The fps option when given, else the SPS frame rate; ConfigError asking for --fps when neither exists. */
export function chooseFps(path: string, option: number | undefined, fromSps: number | undefined): number {
  if (option !== undefined) return checkFps(option, path, 'the fps option')
  if (fromSps !== undefined) return checkFps(fromSps, path, 'the SPS')
  throw new ConfigError('ERR_SOURCE_FPS', `${path} has no frame rate in its SPS; pass --fps N`, { path })
}

export interface AccessUnitLoopOptions {
  /** Start again after the last access unit (default true); when false the loop stops itself. */
  loop?: boolean | undefined
  clock?: Clock | undefined
}

/**
 * Plays access units at `fps` with a drift-free Pacer. Presentation times keep increasing across loops
 * and across stop/start. Advances by one access unit per tick, so a late timer never skips a reference
 * picture.
 */
export class AccessUnitLoop {
  private readonly pacer: Pacer
  private readonly loop: boolean
  private onUnit: ((au: FileAccessUnit, ptsMs: number) => void) | undefined
  private cursor = 0

  /** `label` names the source in the StateError of a second start ("H.264 file source"). */
  constructor(
    private readonly accessUnits: readonly FileAccessUnit[],
    fps: number,
    private readonly label: string,
    opts: AccessUnitLoopOptions = {},
  ) {
    this.loop = opts.loop ?? true
    this.pacer = new Pacer(fps, (_index, ptsMs) => this.tick(ptsMs), opts.clock)
  }

  get running(): boolean {
    return this.pacer.running
  }

  get looping(): boolean {
    return this.loop
  }

  start(onUnit: (au: FileAccessUnit, ptsMs: number) => void): void {
    if (this.pacer.running) throw new StateError('ERR_SOURCE_STARTED', `${this.label} is already started`)
    this.onUnit = onUnit
    this.pacer.start()
  }

  /** Idempotent. A later `start` resumes where it stopped. */
  stop(): void {
    this.pacer.stop()
  }

  private tick(ptsMs: number): void {
    if (this.cursor >= this.accessUnits.length) this.cursor = 0
    const au = this.accessUnits[this.cursor++]!
    this.onUnit?.(au, ptsMs)
    if (!this.loop && this.cursor >= this.accessUnits.length) this.pacer.stop()
  }
}
