import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createCodecRegistry } from '../../src/codecs/registry.js'
import {
  formatTeachingRequest,
  teachingDescription,
  teachingFileName,
  teachingSink,
  TEACHING_TICKS_PER_FRAME,
} from '../../src/client/teaching-dialect.js'
import { ConfigError } from '../../src/errors.js'
import { RtspClient } from '../../src/client/rtsp-client.js'

describe('teaching dialect, client side', () => {
  it('requests are the bytes Client.py sends', () => {
    assert.equal(
      formatTeachingRequest('SETUP', 'movie.Mjpeg', 1, { rtpPort: 25000 }).toString('latin1'),
      'SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000',
    )
    assert.equal(
      formatTeachingRequest('PLAY', 'movie.Mjpeg', 2, { session: '123456' }).toString('latin1'),
      'PLAY movie.Mjpeg RTSP/1.0\nCSeq: 2\nSession: 123456',
    )
    assert.equal(
      formatTeachingRequest('TEARDOWN', 'dir/movie.Mjpeg', 5, { session: '7' }).toString('latin1'),
      'TEARDOWN dir/movie.Mjpeg RTSP/1.0\nCSeq: 5\nSession: 7',
    )
  })

  it('the file name is the URL path without its leading slash, percent-decoded', () => {
    assert.equal(teachingFileName('rtsp://127.0.0.1:8554/movie.Mjpeg'), 'movie.Mjpeg')
    assert.equal(teachingFileName('rtsp://h/videos/my%20movie.Mjpeg'), 'videos/my movie.Mjpeg')
  })

  it('the description is one RTP/JPEG track on the URL itself', () => {
    const d = teachingDescription('rtsp://h:1/movie.Mjpeg', createCodecRegistry())
    assert.equal(d.tracks.length, 1)
    assert.deepEqual(
      [d.tracks[0]!.kind, d.tracks[0]!.format.encodingName, d.tracks[0]!.format.payloadType, d.tracks[0]!.control],
      ['video', 'JPEG', 26, 'rtsp://h:1/movie.Mjpeg'],
    )
  })

  it('RTP timestamps are re-stamped from the frame number; the input is left alone', () => {
    const seen: Buffer[] = []
    const sink = teachingSink({ onRtp: (d) => seen.push(d), onRtcp: () => {} })
    const packet = Buffer.from('801a0003655f1c8000000000ffd8ffd9', 'hex')
    const before = Buffer.from(packet)
    sink.onRtp(packet)
    assert.deepEqual(packet, before)
    assert.equal(seen[0]!.readUInt32BE(4), 3 * TEACHING_TICKS_PER_FRAME)
    assert.ok(seen[0]!.subarray(8).equals(packet.subarray(8)))
    sink.onRtp(Buffer.from('80', 'hex'))
    assert.equal(seen[1]!.length, 1, 'a runt goes on for the receiver to report')
  })

  it('dialect "teaching" with transport "tcp" is refused up front', () => {
    assert.throws(
      () => new RtspClient('rtsp://h/movie.Mjpeg', { dialect: 'teaching', transport: 'tcp' }),
      (e: unknown) => e instanceof ConfigError && e.code === 'ERR_CLIENT_TRANSPORT',
    )
  })
})
