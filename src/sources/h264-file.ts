/**
 * H.264 elementary stream file source: an Annex-B byte stream (ITU-T H.264 Annex B) read once,
 * split into access units (7.4.1.2.3) and played at its frame rate, looping.
 */
import { readFileSync } from 'node:fs'
import { ConfigError, RtspkitError, StateError } from '../errors.js'
import { splitAccessUnits } from '../codecs/h264/access-unit.js'
import { splitAnnexB } from '../codecs/h264/annexb.js'
import { NalType, isKeyframeNal, isVclType, nalType } from '../codecs/h264/nal.js'
import { parseSps, type SpsInfo } from '../codecs/h264/sps.js'
import type { Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'

/** Frame rates accepted from the user or the SPS. */
export const MAX_FILE_FPS = 1000

export interface H264FileAccessUnit {
  nalus: Buffer[]
  keyframe: boolean
}

export interface LoadedH264File {
  /** Access units in decoding order; NAL units are views into the file contents. */
  accessUnits: H264FileAccessUnit[]
  fps: number
  sps: Buffer
  pps: Buffer
  spsInfo: SpsInfo
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
}

function readClip(path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    const reason = FS_ERRORS[code] ?? (err as Error).message
    throw new ConfigError('ERR_SOURCE_FILE', `cannot read ${path}: ${reason}`, { observed: code, path }, { cause: err })
  }
}

function checkFps(fps: number, path: string, origin: string): number {
  if (!Number.isFinite(fps) || fps <= 0 || fps > MAX_FILE_FPS) {
    throw new ConfigError('ERR_SOURCE_FPS', `${path}: frame rate ${fps} from ${origin} is not in (0, ${MAX_FILE_FPS}]`, { observed: fps, allowed: `(0, ${MAX_FILE_FPS}]` })
  }
  return fps
}

/**
 * Reads an Annex-B H.264 file. Access units before the first IDR are dropped when the file has one,
 * since nothing can decode them (and they would corrupt every loop). `opts.fps` overrides the SPS.
 * Throws ConfigError with a one-line message for a missing file, a file that is not H.264 Annex-B,
 * and a missing frame rate.
 */
export function loadH264File(path: string, opts: { fps?: number | undefined } = {}): LoadedH264File {
  const data = readClip(path)
  let nalus: Buffer[]
  try {
    nalus = splitAnnexB(data)
  } catch (err) {
    throw new ConfigError('ERR_SOURCE_FORMAT', `${path} is not an H.264 Annex-B stream (no start code)`, { path }, { cause: err })
  }
  const sps = nalus.find((n) => nalType(n) === NalType.SPS)
  const pps = nalus.find((n) => nalType(n) === NalType.PPS)
  if (!sps) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} is not an H.264 Annex-B stream (no SPS)`, { path })
  if (!pps) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has an SPS but no PPS`, { path })

  let spsInfo: SpsInfo
  let groups: Buffer[][]
  try {
    spsInfo = parseSps(sps)
    groups = splitAccessUnits(nalus)
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has a malformed H.264 stream: ${err.message}`, { path }, { cause: err })
  }

  let accessUnits = groups
    .filter((au) => au.some((n) => isVclType(nalType(n))))
    .map((au) => ({ nalus: au, keyframe: au.some(isKeyframeNal) }))
  const firstKey = accessUnits.findIndex((au) => au.keyframe)
  if (firstKey > 0) accessUnits = accessUnits.slice(firstKey)
  if (accessUnits.length === 0) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has no coded pictures`, { path })

  let fps: number
  if (opts.fps !== undefined) fps = checkFps(opts.fps, path, 'the fps option')
  else if (spsInfo.fps !== undefined) fps = checkFps(spsInfo.fps, path, 'the SPS')
  else throw new ConfigError('ERR_SOURCE_FPS', `${path} has no frame rate in its SPS; pass --fps N`, { path })

  return { accessUnits, fps, sps, pps, spsInfo }
}

export interface H264FileSourceOptions {
  /** Overrides the frame rate of the SPS. */
  fps?: number | undefined
  /** Start again after the last access unit (default true); when false the source stops itself. */
  loop?: boolean
  clock?: Clock
}

export type H264Push = (nalus: Buffer[], ptsMs: number, keyframe: boolean) => void

/**
 * Plays an H.264 file at real rate with a drift-free Pacer. Presentation times keep increasing across
 * loops. The file is read in the constructor, so configuration errors surface there.
 */
export class H264FileSource {
  readonly fps: number
  readonly spsInfo: SpsInfo
  readonly sps: Buffer
  readonly pps: Buffer
  private readonly accessUnits: H264FileAccessUnit[]
  private readonly loop: boolean
  private readonly pacer: Pacer
  private push: H264Push | undefined
  /** Next access unit to send; advances by one per tick, so a late timer never skips a reference frame. */
  private cursor = 0

  constructor(path: string, opts: H264FileSourceOptions = {}) {
    const clip = loadH264File(path, { fps: opts.fps })
    this.fps = clip.fps
    this.spsInfo = clip.spsInfo
    this.sps = clip.sps
    this.pps = clip.pps
    this.accessUnits = clip.accessUnits
    this.loop = opts.loop ?? true
    this.pacer = new Pacer(this.fps, (_index, ptsMs) => this.tick(ptsMs), opts.clock)
  }

  get running(): boolean {
    return this.pacer.running
  }

  start(push: H264Push): void {
    if (this.pacer.running) throw new StateError('ERR_SOURCE_STARTED', 'H.264 file source is already started')
    this.push = push
    this.pacer.start()
  }

  /** Idempotent. A later `start` resumes where it stopped, with presentation times continuing. */
  stop(): void {
    this.pacer.stop()
  }

  private tick(ptsMs: number): void {
    if (this.cursor >= this.accessUnits.length) this.cursor = 0
    const au = this.accessUnits[this.cursor++]!
    this.push?.([...au.nalus], ptsMs, au.keyframe)
    if (!this.loop && this.cursor >= this.accessUnits.length) this.pacer.stop()
  }
}
