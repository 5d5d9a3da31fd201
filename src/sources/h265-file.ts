/**
 * H.265 elementary stream file source: an Annex-B byte stream (ITU-T H.265 Annex B) read once, split
 * into access units (7.4.2.4.4) and played at its frame rate, looping.
 */
import { basename } from 'node:path'
import { splitH265AccessUnits } from '../codecs/h265/access-unit.js'
import { H265NalType, isKeyframeNal, isVclType, nalLayerId, nalType } from '../codecs/h265/nal.js'
import { parseH265Sps, type H265SpsInfo } from '../codecs/h265/sps.js'
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
import type { FramePush, MediaSource, TrackInfo } from './source.js'

export type H265FileAccessUnit = FileAccessUnit

export interface LoadedH265File {
  /** Access units in decoding order; NAL units are views into the file contents. */
  accessUnits: H265FileAccessUnit[]
  fps: number
  /** The first base-layer VPS, SPS and PPS of the file. */
  vps: Buffer
  sps: Buffer
  pps: Buffer
  spsInfo: H265SpsInfo
}

const CODEC_NAME = 'H.265'
/** Frame rates in descriptions are rounded to two decimals (29.97). */
const FPS_DECIMALS = 100

/**
 * Reads an Annex-B H.265 file. Access units before the first IRAP picture are dropped when the file has
 * one, since nothing can decode them (and they would corrupt every loop). `opts.fps` overrides the SPS.
 * Throws ConfigError with a one-line message for a missing file, a file that is not H.265 Annex-B, and a
 * missing frame rate.
 */
export function loadH265File(path: string, opts: { fps?: number | undefined } = {}): LoadedH265File {
  const nalus = splitClip(readClip(path), path, CODEC_NAME)
  const first = (type: number): Buffer | undefined => nalus.find((n) => nalType(n) === type && nalLayerId(n) === 0)
  const vps = first(H265NalType.VPS)
  const sps = first(H265NalType.SPS)
  const pps = first(H265NalType.PPS)
  if (!sps) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} is not an H.265 Annex-B stream (no SPS)`, { path })
  if (!vps) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has an SPS but no VPS`, { path })
  if (!pps) throw new ConfigError('ERR_SOURCE_FORMAT', `${path} has an SPS but no PPS`, { path })

  const { spsInfo, groups } = parseClip(path, CODEC_NAME, () => ({ spsInfo: parseH265Sps(sps), groups: splitH265AccessUnits(nalus) }))
  const accessUnits = playableAccessUnits(path, groups, (n) => isVclType(nalType(n)), isKeyframeNal)
  const fps = chooseFps(path, opts.fps, spsInfo.fps)
  return { accessUnits, fps, vps, sps, pps, spsInfo }
}

export interface H265FileSourceOptions {
  /** Overrides the frame rate of the SPS. */
  fps?: number | undefined
  /** Start again after the last access unit (default true); when false the source stops itself. */
  loop?: boolean | undefined
  clock?: Clock | undefined
}

/**
 * Plays an H.265 file at real rate with a drift-free Pacer, as one video track whose frames are access
 * units (NAL units without start codes, parameter sets in band where the file has them). Presentation
 * times keep increasing across loops. The file is read in the constructor, so configuration errors
 * surface there. A file plays like a live source: frames are pushed whether or not anyone watches
 * (`wanted` is not consulted; pushing a frame costs nothing).
 */
export class H265FileSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  readonly fps: number
  readonly spsInfo: H265SpsInfo
  readonly vps: Buffer
  readonly sps: Buffer
  readonly pps: Buffer
  private readonly player: AccessUnitLoop

  constructor(path: string, opts: H265FileSourceOptions = {}) {
    const clip = loadH265File(path, { fps: opts.fps })
    this.fps = clip.fps
    this.spsInfo = clip.spsInfo
    this.vps = clip.vps
    this.sps = clip.sps
    this.pps = clip.pps
    const { width, height } = clip.spsInfo
    this.tracks = [{ kind: 'video', codec: 'h265', width, height, fps: this.fps, vps: this.vps, sps: this.sps, pps: this.pps }]
    this.player = new AccessUnitLoop(clip.accessUnits, this.fps, 'H.265 file source', { loop: opts.loop, clock: opts.clock })
    const rate = Math.round(this.fps * FPS_DECIMALS) / FPS_DECIMALS
    this.description = `${basename(path)} (H.265 ${width}x${height}@${rate}, ${this.player.looping ? 'looping' : 'once'})`
  }

  get running(): boolean {
    return this.player.running
  }

  /** Throws StateError when already started. */
  start(push: FramePush, _wanted?: () => boolean): void {
    this.player.start((au, ptsMs) => push(0, [...au.nalus], ptsMs))
  }

  /** Idempotent; clears the timer. A later `start` resumes where it stopped, with presentation times continuing. */
  stop(): void {
    this.player.stop()
  }
}
