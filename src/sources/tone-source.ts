/**
 * A live test tone: a sine wave encoded in-process as G.711 (ITU-T G.711 µ-law or A-law), pushed in
 * 20 ms blocks (160 samples at 8 kHz, the RTP/AVP default packet time of RFC 3551 section 4.5) by the
 * drift-free Pacer. The phase carries over from block to block, so the tone is continuous.
 */
import { ConfigError } from '../errors.js'
import { alawEncode } from '../codecs/g711/alaw.js'
import { mulawEncode } from '../codecs/g711/mulaw.js'
import { systemClock, type Clock } from '../util/clock.js'
import { Pacer } from './pacer.js'
import type { FramePush, MediaSource, TrackInfo } from './source.js'

export interface ToneSourceOptions {
  codec?: 'pcmu' | 'pcma'
  /** Hz; default 440. */
  frequency?: number
  /** 0..1 of full scale; default 0.5. */
  amplitude?: number
  clock?: Clock
}

const SAMPLE_RATE = 8000
const BLOCK_MS = 20
const BLOCK_SAMPLES = (SAMPLE_RATE * BLOCK_MS) / 1000
const BLOCKS_PER_SECOND = 1000 / BLOCK_MS
const FULL_SCALE = 32767

export class ToneSource implements MediaSource {
  readonly tracks: readonly TrackInfo[]
  readonly description: string
  private readonly pacer: Pacer
  private readonly encode: (s: Int16Array) => Buffer
  private readonly samples = new Int16Array(BLOCK_SAMPLES)
  private readonly step: number
  private readonly peak: number
  private push: FramePush | undefined

  constructor(opts: ToneSourceOptions = {}) {
    const codec = opts.codec ?? 'pcmu'
    const frequency = opts.frequency ?? 440
    const amplitude = opts.amplitude ?? 0.5
    if (!(frequency > 0 && frequency < SAMPLE_RATE / 2)) {
      throw new ConfigError('ERR_TONE_FREQUENCY', `tone frequency ${frequency} Hz is out of range`, {
        observed: frequency,
        allowed: `(0, ${SAMPLE_RATE / 2})`,
      })
    }
    if (!(amplitude >= 0 && amplitude <= 1))
      throw new ConfigError('ERR_TONE_AMPLITUDE', `tone amplitude ${amplitude} is out of range`, { observed: amplitude, allowed: '0..1' })
    this.encode = codec === 'pcmu' ? mulawEncode : alawEncode
    this.step = (2 * Math.PI * frequency) / SAMPLE_RATE
    this.peak = amplitude * FULL_SCALE
    this.tracks = [{ kind: 'audio', codec, sampleRate: SAMPLE_RATE, channels: 1 }]
    this.description = `${frequency} Hz tone (${codec === 'pcmu' ? 'G.711 µ-law' : 'G.711 A-law'} 8 kHz)`
    this.pacer = new Pacer(BLOCKS_PER_SECOND, (i, pts) => this.tick(i, pts), opts.clock ?? systemClock)
  }

  start(push: FramePush): void {
    this.push = push
    this.pacer.start()
  }

  /** Idempotent; clears the timer. */
  stop(): void {
    this.pacer.stop()
  }

  private tick(index: number, ptsMs: number): void {
    const first = index * BLOCK_SAMPLES
    for (let i = 0; i < BLOCK_SAMPLES; i++) this.samples[i] = Math.round(this.peak * Math.sin(this.step * (first + i)))
    this.push?.(0, this.encode(this.samples), ptsMs)
  }
}
