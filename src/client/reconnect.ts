/**
 * Reconnecting a playing client after a lost connection or a read timeout: attempts with exponential
 * backoff (initialDelayMs, doubled after each failure up to maxDelayMs) until one plays again or the
 * client closes. What an attempt does is the client's business; this room only loops and waits.
 */
import type { RtspkitError } from '../errors.js'
import { asRtspkitError } from './client-errors.js'
import type { ReconnectingEvent } from './rtsp-client-options.js'

const DEFAULT_RECONNECT_INITIAL_MS = 500
const DEFAULT_RECONNECT_MAX_MS = 10_000

export interface ReconnectSteps {
  isClosing(): boolean
  /** Before each wait: forget the session and the connection. */
  reset(): Promise<void>
  /** After each wait: describe, set up and play again; throws when it did not work. */
  attempt(): Promise<void>
  onReconnecting(ev: ReconnectingEvent): void
  onReconnected(): void
}

export class Reconnector {
  private readonly steps: ReconnectSteps
  private readonly initialDelayMs: number
  private readonly maxDelayMs: number
  private running = false
  private wakeUp: (() => void) | undefined

  constructor(steps: ReconnectSteps, cfg: { initialDelayMs?: number; maxDelayMs?: number } = {}) {
    this.steps = steps
    this.initialDelayMs = cfg.initialDelayMs ?? DEFAULT_RECONNECT_INITIAL_MS
    this.maxDelayMs = cfg.maxDelayMs ?? DEFAULT_RECONNECT_MAX_MS
  }

  /** True from the loss until playing again (and for good once the client closed meanwhile). */
  get active(): boolean {
    return this.running
  }

  /** Starts the loop unless it runs already; resolves when it ends. */
  async run(first: RtspkitError): Promise<void> {
    if (this.running) return
    this.running = true
    let delay = this.initialDelayMs
    let error = first
    for (let attempt = 1; !this.steps.isClosing(); attempt++) {
      await this.steps.reset()
      this.steps.onReconnecting({ attempt, delayMs: delay, error })
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay)
        this.wakeUp = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.wakeUp = undefined
      if (this.steps.isClosing()) return
      try {
        await this.steps.attempt()
        this.running = false
        this.steps.onReconnected()
        return
      } catch (err) {
        error = asRtspkitError(err)
        delay = Math.min(delay * 2, this.maxDelayMs)
      }
    }
  }

  /** Ends the current wait at once (the client closes). */
  wake(): void {
    this.wakeUp?.()
  }
}
