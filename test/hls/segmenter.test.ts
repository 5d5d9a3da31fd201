import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_SEGMENT_MS, Segmenter, type HlsPart } from '../../src/hls/segmenter.js'
import type { TrackInfo } from '../../src/stream/media.js'

const VIDEO: TrackInfo = { kind: 'video', codec: 'h264' }
const AAC: TrackInfo = { kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 1 }
const FRAME_MS = 40
const AAC_FRAME_MS = (1024 / 48000) * 1000

/** Feeds `seconds` of 25 fps video (keyframe every `gop` frames) and, optionally, AAC, in arrival order. */
function feed(seg: Segmenter, seconds: number, gop: number, audio: boolean, startMs = 1000): void {
  let a = 0
  for (let f = 0; f < seconds * 25; f++) {
    const t = startMs + f * FRAME_MS
    seg.push(0, { data: Buffer.alloc(100, f), dtsMs: t, ptsMs: t, sync: f % gop === 0 })
    while (audio && startMs + a * AAC_FRAME_MS <= t) {
      const ta = startMs + a++ * AAC_FRAME_MS
      seg.push(1, { data: Buffer.alloc(10), dtsMs: ta, ptsMs: ta, sync: true })
    }
  }
}

const box = (b: Buffer, at: number) => ({ size: b.readUInt32BE(at), type: b.toString('latin1', at + 4, at + 8) })

describe('Segmenter: parts and segments', () => {
  it('cuts 1 s segments at keyframes into five 200 ms parts, the first of each independent', () => {
    const seg = new Segmenter([VIDEO, AAC], { segmentMs: 1000, partMs: 200, segmentCount: 10 })
    const parts: HlsPart[] = []
    seg.onPart = (p) => parts.push(p)
    feed(seg, 4.04, 25, true)
    assert.equal(seg.segments.length, 4)
    for (const [i, s] of seg.segments.entries()) {
      assert.equal(s.msn, i)
      assert.equal(s.durationMs, 1000)
      assert.deepEqual(
        s.parts.map((p) => [p.index, p.durationMs, p.independent]),
        [0, 1, 2, 3, 4].map((k) => [k, 200, k === 0]),
      )
      // The segment is its parts back to back; each part a moof + mdat.
      assert.deepEqual(s.data, Buffer.concat(s.parts.map((p) => p.data)))
      for (const p of s.parts) {
        const moof = box(p.data, 0)
        assert.equal(moof.type, 'moof')
        assert.deepEqual(box(p.data, moof.size), { size: p.data.length - moof.size, type: 'mdat' })
      }
    }
    assert.deepEqual(
      parts.map((p) => p.id),
      parts.map((_, i) => i),
    )
    assert.equal(seg.nextPartId, parts.length)
    assert.equal(seg.part(7), parts[7])
    assert.equal(seg.segment(2), seg.segments[2])
    assert.equal(seg.partTargetMs, 200)
  })

  it('a segment runs to the first keyframe past the target (2 s GOP: 2 s segments)', () => {
    const seg = new Segmenter([VIDEO], { segmentMs: 1000, partMs: 200, segmentCount: 10 })
    feed(seg, 6.04, 50, false)
    assert.deepEqual(
      seg.segments.map((s) => s.durationMs),
      [2000, 2000, 2000],
    )
    assert.equal(seg.longestSegment, 2000)
    assert.equal(seg.segments[0]!.parts.length, 10)
  })

  it('keeps segmentCount segments, and parts of dropped ones are gone', () => {
    const seg = new Segmenter([VIDEO], { segmentMs: 1000, partMs: 200, segmentCount: 2 })
    feed(seg, 5.04, 25, false)
    assert.deepEqual(
      seg.segments.map((s) => s.msn),
      [3, 4],
    )
    assert.equal(seg.part(0), undefined)
    assert.equal(seg.segment(1), undefined)
  })

  it('drops video before the first keyframe and audio before the video started', () => {
    const seg = new Segmenter([VIDEO, AAC], { segmentMs: 1000, partMs: 200, segmentCount: 5 })
    assert.equal(seg.push(1, { data: Buffer.alloc(4), dtsMs: 0, ptsMs: 0, sync: true }), false)
    assert.equal(seg.push(0, { data: Buffer.alloc(4), dtsMs: 0, ptsMs: 0, sync: false }), false)
    assert.equal(seg.push(0, { data: Buffer.alloc(4), dtsMs: 40, ptsMs: 40, sync: true }), true)
    assert.equal(seg.push(1, { data: Buffer.alloc(4), dtsMs: 20, ptsMs: 20, sync: true }), false)
    assert.equal(seg.push(0, { data: Buffer.alloc(4), dtsMs: 40, ptsMs: 40, sync: false }), false) // no time step
    assert.deepEqual([seg.dropped(0), seg.dropped(1)], [2, 2])
  })

  it('audio only: every frame may start a segment; segments of about segmentMs', () => {
    const seg = new Segmenter([AAC], { segmentMs: 1000, partMs: 200, segmentCount: 10 })
    // 144 frames: 3072 ms, so three segments end (at the frames past 1, 2 and 3 s).
    for (let a = 0; a < 48 * 3; a++) seg.push(0, { data: Buffer.alloc(10), dtsMs: a * AAC_FRAME_MS, ptsMs: a * AAC_FRAME_MS, sync: true })
    assert.equal(seg.segments.length, 3)
    for (const s of seg.segments) {
      assert.ok(Math.abs(s.durationMs - 1000) < AAC_FRAME_MS, String(s.durationMs))
      // Parts end at the frame nearest 200 ms; the last one of a segment may be shorter.
      for (const p of s.parts) {
        assert.ok(p.independent && p.durationMs <= 200 + AAC_FRAME_MS / 2 + 1e-9, String(p.durationMs))
        if (p !== s.parts.at(-1)) assert.ok(p.durationMs >= 200 - AAC_FRAME_MS / 2 - 1e-9, String(p.durationMs))
      }
    }
  })

  it('parts end at the frame boundary nearest the part target (30 fps)', () => {
    const seg = new Segmenter([VIDEO], { segmentMs: 1000, partMs: 200, segmentCount: 10 })
    for (let f = 0; f < 61; f++) seg.push(0, { data: Buffer.alloc(8), dtsMs: (f * 1000) / 30, ptsMs: (f * 1000) / 30, sync: f % 30 === 0 })
    for (const s of seg.segments) for (const p of s.parts) assert.ok(Math.abs(p.durationMs - 200) < 1000 / 60, String(p.durationMs))
  })

  it('continues the numbers of a previous muxer (media sequence and part ids)', () => {
    const first = new Segmenter([VIDEO], { segmentMs: 1000, partMs: 200, segmentCount: 10 })
    feed(first, 1.5, 25, false)
    assert.deepEqual(first.continuation, { msn: 2, partId: first.nextPartId })
    const next = new Segmenter([VIDEO], { segmentMs: 1000, partMs: 200, segmentCount: 10, firstMsn: 2, firstPartId: first.nextPartId })
    feed(next, 1.04, 25, false)
    assert.equal(next.segments[0]!.msn, 2)
    assert.equal(next.segments[0]!.parts[0]!.id, first.nextPartId)
  })

  it('cuts a segment without a keyframe past MAX_SEGMENT_MS', () => {
    const seg = new Segmenter([VIDEO], { segmentMs: 1000, partMs: 1000, segmentCount: 3 })
    const frames = MAX_SEGMENT_MS / FRAME_MS + 2
    for (let f = 0; f < frames; f++) seg.push(0, { data: Buffer.alloc(1), dtsMs: f * FRAME_MS, ptsMs: f * FRAME_MS, sync: f === 0 })
    assert.equal(seg.segments.length, 1)
    assert.equal(seg.segments[0]!.durationMs, MAX_SEGMENT_MS)
  })
})
