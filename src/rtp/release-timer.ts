/**
 * The one timer an RtpReceiver's owner keeps: it fires at the reorder buffer's next deadline
 * (`receiver.nextDeadline()`), hands the frames `releaseDue()` gives up waiting for to `onFrames`,
 * and re-arms itself. The receiver starts no timer of its own (pure logic); this is the glue.
 */
import type { Clock } from '../util/clock.js'
import type { RtpFrame, RtpReceiver } from './receiver.js'

export class ReleaseTimer {
  private timer: NodeJS.Timeout | undefined
  private timerAt: number | undefined
  private stopped = false

  constructor(
    private readonly receiver: RtpReceiver,
    private readonly clock: Clock,
    private readonly onFrames: (frames: RtpFrame[]) => void,
  ) {}

  /** Call after each push: moves the timer to the receiver's next deadline (or clears it). */
  update(): void {
    const at = this.receiver.nextDeadline()
    if (at === this.timerAt) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = at
    if (at === undefined || this.stopped) return
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.timerAt = undefined
        this.onFrames(this.receiver.releaseDue())
        this.update()
      },
      Math.max(0, at - this.clock.monoMs()),
    )
  }

  /** Idempotent: clears the timer for good. */
  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}
