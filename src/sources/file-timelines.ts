/**
 * Timelines for the file types rtspkit plays (see timeline.ts): what a per-reader path plays, from
 * the start for each reader, with seeking. One per FILE_INPUTS type, reusing each type's loader.
 */
import path from 'node:path'
import { ConfigError, RtspkitError } from '../errors.js'
import { parseJfif } from '../codecs/jpeg/jfif.js'
import { loadAacFile } from './aac-file.js'
import { loadH264File } from './h264-file.js'
import { loadH265File } from './h265-file.js'
import { loadMjpegFile, MJPEG_DEFAULT_FPS } from './mjpeg-file.js'
import { JPEG_SEQUENCE_DEFAULT_FPS, looksLikeJpegSequence, readJpegSequenceFile, splitJpegSequence } from './jpeg-sequence-source.js'
import { Mp4Timeline } from './mp4-file.js'
import { fixedRateTrack, type Timeline, type TimelineTrack } from './timeline.js'
import { loadWavFile } from './wav-file.js'

const MS_PER_S = 1000
/** WAV is played in 20 ms blocks, as the live WAV source does. */
const WAV_BLOCKS_PER_SECOND = 50

function timeline(file: string, label: string, track: TimelineTrack): Timeline {
  const durationMs = track.count > 0 ? track.dueMs(track.count - 1) + (track.count > 1 ? track.dueMs(1) - track.dueMs(0) : 0) : 0
  return {
    tracks: [track],
    durationMs,
    description: `${path.basename(file)} (${label}, ${(durationMs / MS_PER_S).toFixed(1)} s)`,
    close() {},
  }
}

export function h264Timeline(file: string, opts: { fps?: number | undefined } = {}): Timeline {
  const f = loadH264File(file, opts)
  const { width, height } = f.spsInfo
  const info = { kind: 'video' as const, codec: 'h264' as const, width, height, fps: f.fps, sps: f.sps, pps: f.pps }
  return timeline(
    file,
    `H.264 ${width}x${height}@${f.fps}`,
    fixedRateTrack(
      info,
      f.accessUnits.map((a) => a.nalus),
      f.fps,
      (i) => f.accessUnits[i]!.keyframe,
    ),
  )
}

export function h265Timeline(file: string, opts: { fps?: number | undefined } = {}): Timeline {
  const f = loadH265File(file, opts)
  const { width, height } = f.spsInfo
  const info = { kind: 'video' as const, codec: 'h265' as const, width, height, fps: f.fps, vps: f.vps, sps: f.sps, pps: f.pps }
  return timeline(
    file,
    `H.265 ${width}x${height}@${f.fps}`,
    fixedRateTrack(
      info,
      f.accessUnits.map((a) => a.nalus),
      f.fps,
      (i) => f.accessUnits[i]!.keyframe,
    ),
  )
}

export function aacTimeline(file: string): Timeline {
  const f = loadAacFile(file)
  const info = { kind: 'audio' as const, codec: 'aac' as const, sampleRate: f.sampleRate, channels: f.channels, config: f.config }
  return timeline(file, `AAC ${f.sampleRate} Hz`, fixedRateTrack(info, f.aus, f.sampleRate / f.frameLength))
}

export function wavTimeline(file: string): Timeline {
  const f = loadWavFile(file)
  const instants = f.data.length / f.blockAlign
  const blocks: Buffer[] = []
  for (let k = 0; (k * f.sampleRate) / WAV_BLOCKS_PER_SECOND < instants; k++) {
    const start = Math.floor((k * f.sampleRate) / WAV_BLOCKS_PER_SECOND)
    const end = Math.min(instants, Math.floor(((k + 1) * f.sampleRate) / WAV_BLOCKS_PER_SECOND))
    blocks.push(f.data.subarray(start * f.blockAlign, end * f.blockAlign))
  }
  const info = { kind: 'audio' as const, codec: f.codec, sampleRate: f.sampleRate, channels: f.channels }
  return timeline(file, `WAV ${f.codec} ${f.sampleRate} Hz`, fixedRateTrack(info, blocks, WAV_BLOCKS_PER_SECOND))
}

export function mjpegTimeline(file: string, opts: { fps?: number | undefined } = {}): Timeline {
  let frames: Buffer[]
  let fps: number
  const data = readJpegSequenceFile(file)
  if (looksLikeJpegSequence(data)) {
    frames = splitJpegSequence(data, file)
    fps = opts.fps ?? JPEG_SEQUENCE_DEFAULT_FPS
  } else {
    frames = loadMjpegFile(file).frames
    fps = opts.fps ?? MJPEG_DEFAULT_FPS
  }
  let jfif
  try {
    jfif = parseJfif(frames[0]!)
  } catch (err) {
    if (!(err instanceof RtspkitError)) throw err
    throw new ConfigError(
      'ERR_MJPEG_FORMAT',
      `${path.basename(file)}: its JPEGs cannot be sent as RTP/JPEG (RFC 2435): ${err.message}`,
      { observed: file },
      { cause: err },
    )
  }
  const info = { kind: 'video' as const, codec: 'jpeg' as const, width: jfif.width, height: jfif.height, fps }
  return timeline(file, `MJPEG ${jfif.width}x${jfif.height}@${fps}`, fixedRateTrack(info, frames, fps))
}

export function mp4Timeline(file: string): Timeline {
  return new Mp4Timeline(file)
}
