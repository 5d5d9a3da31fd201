/**
 * H.264 elementary stream file source: an Annex-B byte stream (ITU-T H.264 Annex B) read once,
 * split into access units (7.4.1.2.3) and played at its frame rate, looping.
 */
import { splitAccessUnits } from '../codecs/h264/access-unit.js'
import { NalType, isKeyframeNal, isVclType, nalType } from '../codecs/h264/nal.js'
import { parseSps, type SpsInfo } from '../codecs/h264/sps.js'
import { ConfigError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import {
  AccessUnitLoop,
  chooseFps,
  parseClip,
  playableAccessUnits,
  readClip,
  splitClip,
  type FileAccessUnit,
} from './annexb-file-source.js'

export { MAX_FILE_FPS } from './annexb-file-source.js'

export type H264FileAccessUnit = FileAccessUnit

export interface LoadedH264File {
  /** Access units in decoding order; NAL units are views into the file contents. */
  accessUnits: H264FileAccessUnit[]
  fps: number
  sps: Buffer
  pps: Buffer
  spsInfo: SpsInfo
}

const CODEC_NAME = 'H.264'

/**
 * Reads an Annex-B H.264 file. Access units before the first IDR are dropped when the file has one,
 * since nothing can decode them (and they would corrupt every loop). `opts.fps` overrides the SPS.
 * Throws ConfigError with a one-line message for a missing file, a file that is not H.264 Annex-B,
 * and a missing frame rate.
 */
export function loadH264File(path: string, opts: { fps?: number | undefined } = {}): LoadedH264File {
  const nalus = splitClip(readClip(path), path, CODEC_NAME)
  const sps = nalus.find((n) => nalType(n) === NalType.SPS)
  const pps = nalus.find((n) => nalType(n) === NalType.PPS)
  if (!sps) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} is not an H.264 Annex-B stream (no SPS)`, { path })
  if (!pps) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has an SPS but no PPS`, { path })

  const { spsInfo, groups } = parseClip(path, CODEC_NAME, () => ({ spsInfo: parseSps(sps), groups: splitAccessUnits(nalus) }))
  const accessUnits = playableAccessUnits(path, groups, (n) => isVclType(nalType(n)), isKeyframeNal)
  const fps = chooseFps(path, opts.fps, spsInfo.fps)
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
  private readonly player: AccessUnitLoop

  constructor(path: string, opts: H264FileSourceOptions = {}) {
    const clip = loadH264File(path, { fps: opts.fps })
    this.fps = clip.fps
    this.spsInfo = clip.spsInfo
    this.sps = clip.sps
    this.pps = clip.pps
    this.player = new AccessUnitLoop(clip.accessUnits, this.fps, 'H.264 file source', { loop: opts.loop, clock: opts.clock })
  }

  get running(): boolean {
    return this.player.running
  }

  start(push: H264Push): void {
    this.player.start((au, ptsMs) => push([...au.nalus], ptsMs, au.keyframe))
  }

  /** Idempotent. A later `start` resumes where it stopped, with presentation times continuing. */
  stop(): void {
    this.player.stop()
  }
}
