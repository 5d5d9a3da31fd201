/**
 * AAC as an ADTS stream (`.aac`), ISO/IEC 14496-3 1.A.2.2: each raw access unit from RFC 3640 gets a
 * 7-byte header built from the AudioSpecificConfig of the SDP (`config=`), so players need nothing else.
 */
import { ConfigError, RtspkitError } from '../errors.js'
import { parseAudioSpecificConfig, type AudioSpecificConfig } from '../codecs/aac/audio-specific-config.js'
import { toAdts } from '../codecs/aac/adts.js'
import type { RtpFrame } from '../rtp/receiver.js'
import type { ByteOutput } from './byte-output.js'
import type { FrameSink } from './frame-sink.js'

export class AdtsSink implements FrameSink {
  readonly description: string
  framesWritten = 0
  readonly framesSkipped = 0
  private readonly config: AudioSpecificConfig
  private closing: Promise<void> | undefined

  /** Throws ConfigError when the config cannot be carried by ADTS (HE-AAC v2 escapes, explicit rates…). */
  constructor(
    private readonly out: ByteOutput,
    config: Uint8Array,
  ) {
    try {
      this.config = parseAudioSpecificConfig(config)
      toAdts([], this.config) // checks the config fits ADTS now rather than on the first frame
    } catch (err) {
      if (!(err instanceof RtspkitError)) throw err
      throw new ConfigError(
        'ERR_SINK_FORMAT',
        `cannot write this AAC stream as ADTS: ${err.message}`,
        { observed: Buffer.from(config).toString('hex') },
        { cause: err },
      )
    }
    this.description = `${out.path ?? 'stdout'} (AAC, ADTS)`
  }

  write(frame: RtpFrame): void {
    if (this.closing) return
    this.out.write(toAdts([frame.data], this.config))
    this.framesWritten++
  }

  close(): Promise<void> {
    this.closing ??= this.out.close()
    return this.closing
  }
}
