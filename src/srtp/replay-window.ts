/**
 * The receiver's replay list (RFC 3711 §3.3.2): a sliding window of the last 64 packet indices.
 * Indices are 48-bit (SRTP) or 31-bit (SRTCP), which a JS number holds exactly.
 */
export const REPLAY_WINDOW = 64

export class ReplayWindow {
  private highest = -1
  /** seen[i % 64] tells whether index i (highest - 63 ≤ i ≤ highest) was accepted. */
  private readonly seen = new Uint8Array(REPLAY_WINDOW)

  /** Whether `index` is new and inside the window (checked before authentication). */
  check(index: number): boolean {
    if (index > this.highest) return true
    if (this.highest - index >= REPLAY_WINDOW) return false
    return this.seen[index % REPLAY_WINDOW] === 0
  }

  /** Records an authenticated index. */
  accept(index: number): void {
    if (index > this.highest) {
      const gap = this.highest < 0 ? REPLAY_WINDOW : Math.min(index - this.highest, REPLAY_WINDOW)
      for (let i = 1; i <= gap; i++) this.seen[(index - gap + i) % REPLAY_WINDOW] = 0
      this.highest = index
    }
    this.seen[index % REPLAY_WINDOW] = 1
  }
}
