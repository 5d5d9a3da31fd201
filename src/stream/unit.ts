/**
 * A unit: one access unit (video) or one audio frame, as it travels from an input to every output.
 * It carries its times, whether a reader may start at it, and its payload. Its RTP packets are made
 * once, the first time an RTP output asks for them, and the same buffers go to every RTP reader.
 */
/** What a unit needs from its track to become RTP: the track's packetizer (which owns sequence numbers). */
export interface UnitPacketizer {
  packetize(payload: Buffer | readonly Buffer[], rtpTimestamp: number): Buffer[]
}

export class Unit {
  private rtp: Buffer[] | undefined
  private rtpBytes = 0
  /** Buffers outputs derived from `packets` (see `derived`). */
  private derivations: Map<string, Buffer> | undefined
  /** Outputs derived for one RTP timestamp (see `derivedAt`): the newest stamp per key. */
  private stamped: Map<string, { stamp: number; value: unknown }> | undefined

  constructor(
    /** Index of the unit's track in its stream. */
    readonly trackIndex: number,
    /** Presentation time, ms on the stream's clock. */
    readonly ptsMs: number,
    /** RTP timestamp of the presentation time, on the track's RTP clock. */
    readonly rtpTimestamp: number,
    /** A reader may start here: an IDR/IRAP picture, any picture of an intra-only format, any audio frame. */
    readonly keyframe: boolean,
    /** NAL units of an access unit, an image, an audio frame (see PreparedFrame). */
    readonly payload: Buffer | readonly Buffer[],
    /** The frame exactly as the input pushed it (frame taps and recorders see this). */
    readonly input: Buffer | readonly Buffer[],
    /** Monotonic ms when the unit entered the stream. */
    readonly arrivalMono: number,
    private readonly packetizer: UnitPacketizer,
  ) {}

  /** Whether the RTP packets were made already. */
  get packetized(): boolean {
    return this.rtp !== undefined
  }

  /** The unit's RTP packets, made on first use and shared afterwards. Readers must not modify them. */
  get packets(): readonly Buffer[] {
    if (this.rtp === undefined) {
      this.rtp = this.packetizer.packetize(this.payload, this.rtpTimestamp)
      let n = 0
      for (const p of this.rtp) n += p.length
      this.rtpBytes = n
    }
    return this.rtp
  }

  /**
   * A buffer derived from the packets by an output, made by the first reader that needs it and shared
   * by the others: RTSP over TCP frames them once per channel (`$`, channel, length, packet), so each
   * TCP reader sends a unit with one write instead of two per packet. `key` names the derivation; the
   * output that makes it owns the name.
   */
  derived(key: string, make: (packets: readonly Buffer[]) => Buffer): Buffer {
    this.derivations ??= new Map()
    let buf = this.derivations.get(key)
    if (buf === undefined) {
      buf = make(this.packets)
      this.derivations.set(key, buf)
    }
    return buf
  }

  /**
   * Like `derived`, for an output that also depends on `stamp`: instant start sends a GOP's units with
   * timestamps moved up to the live edge, and every reader that starts between the same two units
   * moves them the same way, so one restamped copy serves a whole burst of PLAYs. Only the newest stamp
   * per key is kept (a later reader's stamp replaces it), so a unit holds at most one copy per key.
   */
  derivedAt<T>(key: string, stamp: number, make: (packets: readonly Buffer[]) => T): T {
    this.stamped ??= new Map()
    const hit = this.stamped.get(key)
    if (hit !== undefined && hit.stamp === stamp) return hit.value as T
    const value = make(this.packets)
    this.stamped.set(key, { stamp, value })
    return value
  }

  /** Total bytes of `packets` (makes them if needed). */
  get bytes(): number {
    if (this.rtp === undefined) void this.packets
    return this.rtpBytes
  }

  /** Payload bytes (what the input fed, after preparation). */
  get payloadBytes(): number {
    const p = this.payload
    if (Buffer.isBuffer(p)) return p.length
    let n = 0
    for (const b of p) n += b.length
    return n
  }
}
