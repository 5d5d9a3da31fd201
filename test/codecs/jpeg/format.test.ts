import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JPEG_PAYLOAD_TYPE, jpegMediaAttributes, jpegRtpmap, parseFramesize } from '../../../src/codecs/jpeg/format.js'
import { ParseError } from '../../../src/errors.js'

describe('JPEG SDP format', () => {
  it('describes static payload type 26', () => {
    assert.equal(JPEG_PAYLOAD_TYPE, 26)
    assert.deepEqual(jpegRtpmap, { payloadType: 26, encodingName: 'JPEG', clockRate: 90000, value: '26 JPEG/90000' })
  })

  it('lists rtpmap, framesize and framerate', () => {
    assert.deepEqual(jpegMediaAttributes({ width: 640, height: 480, fps: 25 }), [
      { key: 'rtpmap', value: '26 JPEG/90000' },
      { key: 'framesize', value: '26 640-480' },
      { key: 'framerate', value: '25' },
    ])
    assert.deepEqual(jpegMediaAttributes({ fps: 29.97 }), [
      { key: 'rtpmap', value: '26 JPEG/90000' },
      { key: 'framerate', value: '29.97' },
    ])
    assert.deepEqual(jpegMediaAttributes(), [{ key: 'rtpmap', value: '26 JPEG/90000' }])
    assert.deepEqual(jpegMediaAttributes({ width: 320, height: 240, payloadType: 96 })[1], { key: 'framesize', value: '96 320-240' })
  })

  it('parses framesize', () => {
    assert.deepEqual(parseFramesize('26 640-480'), { payloadType: 26, width: 640, height: 480 })
    assert.throws(() => parseFramesize('640x480'), ParseError)
  })
})
