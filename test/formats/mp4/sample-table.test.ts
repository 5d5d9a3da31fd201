import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LimitError, ParseError } from '../../../src/errors.js'
import { editShift, expandSampleTable, parseElst, parseStz2, parseTimeRuns } from '../../../src/formats/mp4/sample-table.js'
import { fullBox, table, u16, u32, u64, u8, vec } from './build.js'

/** The body of a box made by build.ts (what the demuxer hands to the table parsers). */
const body = (b: Buffer): Buffer => b.subarray(8)

function columns(r: ReturnType<typeof expandSampleTable>) {
  const s = r.samples
  return { offset: s.offset, size: s.size, dts: s.dts, pts: s.pts, keyframe: s.keyframe }
}

describe('MP4 sample table expansion', () => {
  it('places samples in chunks by stsc runs, with stts times, ctts offsets and stss keyframes', () => {
    const r = expandSampleTable(
      {
        stts: body(
          vec(`
          00000020 | 73747473 | 00000000   // size 32, 'stts', version 0, flags 0
          00000002                         // entry_count 2
          00000004 | 00000200              // 4 samples of 512 ticks
          00000001 | 00000100              // 1 sample of 256 ticks
        `),
        ),
        ctts: body(
          vec(`
          00000028 | 63747473 | 01000000   // size 40, 'ctts', version 1
          00000003                         // entry_count 3
          00000001 | 00000400              // sample 1: +1024
          00000002 | fffffe00              // samples 2-3: -512 (signed in version 1)
          00000002 | 00000000              // samples 4-5: 0
        `),
        ),
        stsc: body(
          vec(`
          0000001c | 73747363 | 00000000   // size 28, 'stsc'
          00000002                         // entry_count 2
          00000001 | 00000002 | 00000001   // chunks 1..: 2 samples each, description 1
          00000003 | 00000001 | 00000001   // chunks 3..: 1 sample each
        `),
        ),
        stsz: body(
          vec(`
          00000024 | 7374737a | 00000000   // size 36, 'stsz'
          00000000 | 00000005              // sample_size 0 (table follows), sample_count 5
          0000000a | 00000014 | 0000001e | 00000028 | 00000032   // 10, 20, 30, 40, 50
        `),
        ),
        stco: body(
          vec(`
          00000020 | 7374636f | 00000000   // size 32, 'stco'
          00000004                         // entry_count 4
          00000064 | 000000c8 | 0000012c | 00000190   // 100, 200, 300, 400
        `),
        ),
        stss: body(
          vec(`
          00000014 | 73747373 | 00000000   // size 20, 'stss'
          00000001 | 00000004              // entry_count 1: sample 4
        `),
        ),
      },
      { fileSize: 1000 },
    )
    assert.deepEqual(columns(r), {
      offset: [100, 110, 200, 230, 300], // chunk 1: two samples back to back; chunk 2: two; chunk 3: one (chunk 4 unused)
      size: [10, 20, 30, 40, 50],
      dts: [0, 512, 1024, 1536, 2048],
      pts: [1024, 0, 512, 1536, 2048],
      keyframe: [false, false, false, true, false],
    })
    assert.equal(r.samples.endDts, 2304)
    assert.equal(r.truncated, 0)
  })

  it('treats every sample as a keyframe without stss, and reads co64 and a constant sample size', () => {
    const r = expandSampleTable(
      {
        stts: body(table('stts', [[3, 1024]])),
        stsc: body(table('stsc', [[1, 3, 1]])),
        stsz: body(fullBox('stsz', 0, 0, u32(7), u32(3))), // every sample 7 bytes
        co64: body(fullBox('co64', 0, 0, u32(1), u64(2 ** 33))),
      },
      { fileSize: 2 ** 34 },
    )
    assert.deepEqual(columns(r), {
      offset: [2 ** 33, 2 ** 33 + 7, 2 ** 33 + 14],
      size: [7, 7, 7],
      dts: [0, 1024, 2048],
      pts: [0, 1024, 2048],
      keyframe: [true, true, true],
    })
  })

  it('groups PCM samples of one chunk into blocks', () => {
    const r = expandSampleTable(
      {
        stts: body(table('stts', [[500, 1]])),
        stsc: body(table('stsc', [[1, 250, 1]])),
        stsz: body(fullBox('stsz', 0, 0, u32(1), u32(500))),
        stco: body(table('stco', [[1000], [5000]])),
      },
      { fileSize: 10_000, blockSamples: 160 },
    )
    // Each chunk of 250 samples: a block of 160, then one of 90.
    assert.deepEqual(columns(r), {
      offset: [1000, 1160, 5000, 5160],
      size: [160, 90, 160, 90],
      dts: [0, 160, 250, 410],
      pts: [0, 160, 250, 410],
      keyframe: [true, true, true, true],
    })
    assert.equal(r.samples.endDts, 500)
  })

  it('ends the table at the first sample past the end of a truncated file', () => {
    const r = expandSampleTable(
      {
        stts: body(table('stts', [[4, 10]])),
        stsc: body(table('stsc', [[1, 4, 1]])),
        stsz: body(fullBox('stsz', 0, 0, u32(100), u32(4))),
        stco: body(table('stco', [[0]])),
      },
      { fileSize: 250 },
    )
    assert.deepEqual([r.samples.count, r.truncated], [2, 2])
  })

  it('reads stz2 with 4-, 8- and 16-bit sizes', () => {
    assert.deepEqual(
      [0, 1, 2].map((i) => parseStz2(body(fullBox('stz2', 0, 0, Buffer.from([0, 0, 0, 4]), u32(3), u8(0x12), u8(0x30)))).sizeOf(i)),
      [1, 2, 3],
    )
    assert.equal(parseStz2(body(fullBox('stz2', 0, 0, Buffer.from([0, 0, 0, 16]), u32(1), u16(513)))).sizeOf(0), 513)
    assert.throws(() => parseStz2(body(fullBox('stz2', 0, 0, Buffer.from([0, 0, 0, 12]), u32(0)))), ParseError)
  })

  it('reads ctts version 0 offsets as signed, like ffmpeg', () => {
    assert.deepEqual(parseTimeRuns(body(table('ctts', [[1, 0xfffffc00]])), 'ctts'), [{ count: 1, value: -1024 }])
  })

  it('refuses inconsistent tables', () => {
    const base = {
      stts: body(table('stts', [[4, 10]])),
      stsz: body(fullBox('stsz', 0, 0, u32(1), u32(4))),
      stco: body(table('stco', [[0]])),
    }
    const code = (c: string) => (e: unknown) => e instanceof ParseError && e.code === c
    assert.throws(
      () => expandSampleTable({ ...base, stsc: body(table('stsc', [[1, 2, 1]])) }, { fileSize: 100 }),
      code('ERR_MP4_SAMPLE_TABLE'),
    ) // 2 of 4 placed
    assert.throws(
      () =>
        expandSampleTable(
          {
            ...base,
            stsc: body(
              table('stsc', [
                [2, 2, 1],
                [2, 2, 1],
              ]),
            ),
          },
          { fileSize: 100 },
        ),
      code('ERR_MP4_SAMPLE_TABLE'),
    ) // first_chunk not increasing
    assert.throws(() => expandSampleTable({ ...base, stsc: undefined }, { fileSize: 100 }), code('ERR_MP4_MISSING_BOX'))
    assert.throws(
      () =>
        expandSampleTable(
          { ...base, stsc: body(table('stsc', [[1, 4, 1]])), stsz: body(fullBox('stsz', 0, 0, u32(0), u32(4), u32(1))) },
          { fileSize: 100 },
        ),
      code('ERR_MP4_TRUNCATED'),
    )
  })

  it('refuses more than MAX_SAMPLES samples', () => {
    const huge = 1 << 24
    const r = () =>
      expandSampleTable(
        {
          stts: body(table('stts', [[huge, 1]])),
          stsc: body(table('stsc', [[1, huge, 1]])),
          stsz: body(fullBox('stsz', 0, 0, u32(1), u32(huge))),
          stco: body(table('stco', [[0]])),
        },
        { fileSize: 2 ** 40 },
      )
    assert.throws(r, LimitError)
  })
})

describe('MP4 edit lists', () => {
  it('parses elst v0 and v1', () => {
    const v0 = vec(`
      00000001                           // entry_count 1
      00000bb8 | 00000400 | 0001 | 0000  // segment_duration 3000, media_time 1024, rate 1.0
    `)
    assert.deepEqual(parseElst(Buffer.concat([u32(0), v0])), [{ segmentDuration: 3000, mediaTime: 1024, mediaRate: 1 }])
    const v1 = vec(`
      01000000                                               // version 1
      00000001                                               // entry_count 1
      0000000000000bb8 | ffffffffffffffff | 0001 | 0000      // 3000, media_time -1 (empty edit), rate 1.0
    `)
    assert.deepEqual(parseElst(v1), [{ segmentDuration: 3000, mediaTime: -1, mediaRate: 1 }])
  })

  it('turns a simple edit list into a shift and ignores the rest', () => {
    assert.deepEqual(editShift([{ segmentDuration: 3000, mediaTime: 1024, mediaRate: 1 }], 1000, 12800), { shift: -1024 })
    // A 500 ms empty edit (movie timescale 1000) at media timescale 48000, then media from 0.
    assert.deepEqual(
      editShift(
        [
          { segmentDuration: 500, mediaTime: -1, mediaRate: 1 },
          { segmentDuration: 3000, mediaTime: 0, mediaRate: 1 },
        ],
        1000,
        48000,
      ),
      { shift: 24000 },
    )
    assert.match(
      editShift(
        [
          { segmentDuration: 1, mediaTime: 0, mediaRate: 1 },
          { segmentDuration: 1, mediaTime: 50, mediaRate: 1 },
        ],
        1000,
        1000,
      ).ignored ?? '',
      /2 entries/,
    )
    assert.match(editShift([{ segmentDuration: 1, mediaTime: 0, mediaRate: 2 }], 1000, 1000).ignored ?? '', /rate 2/)
  })
})
