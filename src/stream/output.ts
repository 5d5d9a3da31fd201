/**
 * The contract of an output: anything that reads a stream's units (an RTSP session, a recorder, a
 * frame tap, a preview; next HLS, WebRTC, multicast). See docs/architecture.md, "Adding an output".
 */
import type { Unit } from './unit.js'

export interface StreamOutput {
  /**
   * One unit of one of the stream's tracks, in push order. Units are shared by every output: never
   * modify them or their packets. Must not throw and must not block: an output that cannot keep up
   * drops (see ReaderQueue), it never makes the input or the other outputs wait.
   */
  writeUnit(unit: Unit): void
  /** Another feeder continues the stream (a new publisher, an upstream that came back): start again at a keyframe. */
  restartAtKeyframe(): void
  /** True when the output sends RTP: the stream then makes every unit's packets, in push order, as it arrives. */
  readonly rtp: boolean
  /**
   * False for outputs that are not readers (a recorder, a preview): they do not count in
   * `readerCount`, so on-demand sources are not kept up for them. Default true.
   */
  readonly reader?: boolean
}
