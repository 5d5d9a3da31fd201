import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { AUD_ARGS, ENCODER_ARGS, OUTPUT_ARGS, ffmpegCommandLine, splitCommandLine } from '../../src/sources/ffmpeg-args.js'
import { nextPts } from '../../src/sources/ffmpeg-process.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { ConfigError } from '../../src/errors.js'

const configError = (code: string, message: RegExp) => (e: unknown) =>
  e instanceof ConfigError && e.code === code && message.test(e.message)

describe('ffmpeg: sources', () => {
  it('splits arguments like a shell: blanks, quotes, backslashes', () => {
    assert.deepEqual(splitCommandLine('  -f v4l2   -i /dev/video0 '), ['-f', 'v4l2', '-i', '/dev/video0'])
    assert.deepEqual(splitCommandLine(`-i "my clip.mp4" -vf 'scale=320:-2' -metadata a=b\\ c ""`), [
      '-i',
      'my clip.mp4',
      '-vf',
      'scale=320:-2',
      '-metadata',
      'a=b c',
      '',
    ])
    assert.deepEqual(splitCommandLine('-i "say \\"hi\\" \\\\"'), ['-i', 'say "hi" \\'])
    assert.throws(() => splitCommandLine('-i "open'), configError('ERR_SOURCE', /unterminated "/))
  })

  it('parses --path NAME=ffmpeg:ARGS', () => {
    assert.deepEqual(parseSourceSpec('ffmpeg:-f v4l2 -i /dev/video0'), { kind: 'ffmpeg', args: ['-f', 'v4l2', '-i', '/dev/video0'] })
    assert.throws(() => parseSourceSpec('ffmpeg:'), configError('ERR_SOURCE', /needs an input, e.g. ffmpeg:-f v4l2 -i \/dev\/video0/))
    assert.throws(() => parseSourceSpec('ffmpeg:-f v4l2 -i'), configError('ERR_SOURCE', /needs an input/))
    assert.throws(
      () => parseSourceSpec('ffmpeg:-i x.mp4 -f mpegts'),
      configError('ERR_SOURCE', /"-f" after the last -i: the output is rtspkit's/),
    )
  })

  it('encodes with libx264 unless the user picks a video codec after the last -i', () => {
    const encode = ffmpegCommandLine(['-re', '-f', 'lavfi', '-i', 'testsrc2'])
    assert.deepEqual(encode.slice(-ENCODER_ARGS.length - AUD_ARGS.length - OUTPUT_ARGS.length), [
      ...ENCODER_ARGS,
      ...AUD_ARGS,
      ...OUTPUT_ARGS,
    ])
    assert.ok(encode.includes('-nostdin'))
    assert.deepEqual(ENCODER_ARGS.slice(0, 2), ['-c:v', 'libx264'])
    assert.ok(ENCODER_ARGS.includes('expr:gte(t,n_forced*2)'))
    const copy = ffmpegCommandLine(['-f', 'v4l2', '-input_format', 'h264', '-i', '/dev/video0', '-c:v', 'copy'])
    assert.ok(!copy.includes('libx264'))
    assert.deepEqual(copy.slice(-OUTPUT_ARGS.length - AUD_ARGS.length - 2), ['-c:v', 'copy', ...AUD_ARGS, ...OUTPUT_ARGS])
    const ownBsf = ffmpegCommandLine(['-i', 'in.mp4', '-c:v', 'copy', '-bsf:v', 'h264_metadata=level=4.1'])
    assert.ok(!ownBsf.includes(AUD_ARGS[1]!), "the user's -bsf:v is kept, not overridden")
    // A codec option before -i is an input option (a decoder), not ours to skip.
    assert.ok(ffmpegCommandLine(['-c:v', 'h264_cuvid', '-i', 'in.mp4']).includes('libx264'))
    assert.deepEqual(OUTPUT_ARGS.slice(-3), ['-f', 'h264', 'pipe:1'])
  })

  it('times pictures by arrival, on the frame-rate grid while arrival stays near it', () => {
    assert.equal(nextPts(undefined, 1000, 25), 1000)
    assert.equal(nextPts(1000, 1055, undefined), 1055)
    assert.equal(nextPts(1000, 1000, undefined), 1001, 'strictly increasing')
    const jittered = nextPts(1000, 1055, 25) // 15 ms late against the 40 ms grid: pulled 5 % toward it
    assert.ok(Math.abs(jittered - (1040 + 15 * 0.05)) < 1e-9)
    assert.equal(nextPts(1000, 3000, 25), 3000, 'a stall resyncs to arrival')
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
        (gaps, fps) => {
          let now = 0
          let last: number | undefined
          for (const g of gaps) {
            now += g
            const pts = nextPts(last, now, fps)
            if (last !== undefined) assert.ok(pts > last)
            assert.ok(Math.abs(pts - now) <= 500 + 1000 / (fps ?? 1000) + gaps.length, 'stays near the arrival time')
            last = pts
          }
        },
      ),
    )
  })
})
