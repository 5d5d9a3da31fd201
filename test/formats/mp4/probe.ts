/** ffprobe / ffmpeg / GStreamer checks of written MP4 files, shared by the fMP4 interop tests. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { loadH264File } from '../../../src/sources/h264-file.js'
import type { TrackInfo } from '../../../src/sources/source.js'
import { readBoxes } from './read-boxes.js'

export interface ProbedStream {
  codec_type: string
  codec_name: string
  width?: number
  height?: number
  sample_rate?: string
  channels?: number
  duration?: string
  nb_read_frames?: string
}

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** `ffprobe -count_frames -show_streams`: every stream with its decoded frame count. */
export function probeStreams(file: string): ProbedStream[] {
  const r = run('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', file])
  if (r.status !== 0) throw new Error(`ffprobe ${file} failed: ${r.stderr}`)
  return (JSON.parse(r.stdout) as { streams: ProbedStream[] }).streams
}

/** What ffmpeg complains about while decoding the whole file (empty when clean). */
export function decodeErrors(file: string): string {
  return run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-']).stderr
}

/** gst-launch-1.0 exit status for a pipeline. */
export function gstLaunch(pipeline: string): { status: number | null; stderr: string } {
  const r = run('gst-launch-1.0', ['-q', ...pipeline.split(' ')])
  return { status: r.status, stderr: r.stderr }
}

/** ffmpeg remuxes an elementary stream into MP4 (the reference for decoder configuration records). */
export function ffmpegRemux(input: string, output: string): void {
  const r = run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', input, '-c', 'copy', output])
  if (r.status !== 0) throw new Error(`ffmpeg remux failed: ${r.stderr}`)
}

/** The body of the first box of `type` anywhere in the file (depth-first; sample entries are skipped into). */
export function findBoxBody(file: string, type: string): Buffer | undefined {
  const SAMPLE_ENTRY_FIELDS: Record<string, number> = { stsd: 8, avc1: 78, hvc1: 78, hev1: 78, mp4a: 28 }
  const walk = (buf: Buffer): Buffer | undefined => {
    for (const b of readBoxes(buf)) {
      if (b.type === type) return b.body
      if (['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'avc1', 'hvc1', 'hev1', 'mp4a'].includes(b.type)) {
        const found = walk(b.body.subarray(SAMPLE_ENTRY_FIELDS[b.type] ?? 0))
        if (found) return found
      }
    }
    return undefined
  }
  return walk(readFileSync(file))
}

/** Access units of an Annex-B H.264 file, with the track that describes them (no parameter sets: learned in-band). */
export function h264Clip(file: string): { track: TrackInfo; frames: { nalus: Buffer[]; keyframe: boolean }[]; fps: number } {
  const clip = loadH264File(file)
  return { track: { kind: 'video', codec: 'h264' }, frames: clip.accessUnits, fps: clip.fps }
}
