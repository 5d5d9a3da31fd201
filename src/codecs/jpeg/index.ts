/**
 * Motion JPEG (RFC 2435) as one entry of the codec registry: baseline JFIF images over RTP on static
 * payload type 26, the size signalled with a=framesize, and the stream track. MP4 does not carry it.
 */
import { JPEG_MATROSKA } from './matroska.js'
import type { Codec } from '../codec.js'
import { kindMismatch, videoOf } from '../format-helpers.js'
import { JpegRtpDepacketizer, JpegRtpPacketizer } from './codec-adapter.js'
import { JPEG_CLOCK_RATE, JPEG_ENCODING_NAME, JPEG_PAYLOAD_TYPE, jpegMediaAttributes } from './format.js'
import { JpegTrack } from './track.js'

export const JPEG_CODEC: Codec<'jpeg', 'video', 'jpeg'> = {
  name: 'jpeg',
  aliases: ['mjpeg', 'mjpg', 'jpg'],
  kind: 'video',
  label: 'JPEG',
  encodingName: JPEG_ENCODING_NAME,
  defaultClockRate: JPEG_CLOCK_RATE,
  staticPayloadType: JPEG_PAYLOAD_TYPE,
  defaultPayloadType: JPEG_PAYLOAD_TYPE,
  // One baseline JFIF image.
  frameFormat: 'jpeg',
  matroska: JPEG_MATROSKA,
  /** Or a directory: one .jpg per frame. */
  fileExtensions: ['.mjpeg', '.mjpg'],
  passthrough: false,
  intraOnly: true,
  clockRateFor: () => JPEG_CLOCK_RATE,
  createDepacketizer: () => new JpegRtpDepacketizer(),
  createPacketizer: (o) =>
    new JpegRtpPacketizer({
      payloadType: o.payloadType,
      ssrc: o.ssrc,
      initialSequence: o.initialSequence,
      maxPacketSize: o.maxPacketSize,
      random: o.random,
    }),
  sdpAttributes(f) {
    const t = videoOf(f.track)
    return jpegMediaAttributes({ payloadType: f.payloadType, width: t?.width, height: t?.height, fps: t?.fps })
  },
  // The track always sends on payload type 26, whatever the publisher used.
  readSdp: (format) => ({
    info: { kind: 'video', codec: 'jpeg' },
    ...(format.payloadType !== JPEG_PAYLOAD_TYPE && { payloadType: format.payloadType }),
  }),
  createTrack(info, common) {
    const t = videoOf(info)
    if (!t) throw kindMismatch('jpeg', info)
    return new JpegTrack({ ...common, width: t.width, height: t.height, fps: t.fps })
  },
}
