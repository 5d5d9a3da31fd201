/**
 * `rtspkit rtp recv --out x.mp4`: one received stream as a fragmented MP4 file, written one fragment at
 * a time so the file plays up to its last complete fragment however the process ends.
 */
import type { FormatParams } from '../codecs/codec.js'
import type { CodecDescriptor } from '../codecs/registry.js'
import { openMp4File, type Mp4File } from '../formats/mp4/mp4-file.js'
import { mp4TrackFor } from '../formats/mp4/sdp-track.js'
import type { RtpFrame } from '../rtp/receiver.js'
import type { FrameSink } from './frame-sink.js'

export class Mp4Sink implements FrameSink {
  readonly description: string
  private readonly file: Mp4File

  /** Creates the file; ConfigError for a format MP4 cannot carry or a bad path. */
  constructor(path: string, codec: CodecDescriptor, params: FormatParams) {
    this.file = openMp4File(path, [mp4TrackFor(codec, params)])
    this.description = `${path} (${codec.encodingName} in fragmented MP4)`
  }

  get framesWritten(): number {
    return this.file.trackStats(0).framesWritten
  }

  get framesSkipped(): number {
    return this.file.trackStats(0).framesDropped
  }

  write(frame: RtpFrame): void {
    this.file.writeFrame(0, frame.data, frame.ptsMs, frame.keyframe)
  }

  close(): Promise<void> {
    return this.file.close()
  }
}
