/**
 * The stand-in for an encoding rtspkit does not implement: each payload is a frame, and each frame is
 * sent as one packet. A stream carries such a format with a relay track (relay-track.ts) instead.
 */
import type { Codec, MediaKind } from '../codec.js'
import { DYNAMIC_PAYLOAD_TYPE_MIN, rtpmapAttribute } from '../format-helpers.js'
import { PassthroughDepacketizer } from './depacketizer.js'
import { PassthroughPacketizer } from './packetizer.js'

const RAW_EXTENSIONS: readonly string[] = ['.bin', '.raw']

export function passthroughCodec(encodingName: string, clockRate: number, kind: MediaKind = 'application', channels?: number): Codec {
  return {
    name: encodingName.toLowerCase(),
    aliases: [],
    kind,
    label: encodingName,
    encodingName,
    defaultClockRate: clockRate,
    ...(channels !== undefined ? { defaultChannels: channels } : {}),
    defaultPayloadType: DYNAMIC_PAYLOAD_TYPE_MIN,
    frameFormat: 'raw',
    fileExtensions: RAW_EXTENSIONS,
    passthrough: true,
    clockRateFor: () => clockRate,
    createDepacketizer: () => new PassthroughDepacketizer(),
    createPacketizer: (o) =>
      new PassthroughPacketizer({
        payloadType: o.payloadType,
        ssrc: o.ssrc,
        initialSequence: o.initialSequence,
        maxPacketSize: o.maxPacketSize,
        random: o.random,
      }),
    sdpAttributes: (f) => [rtpmapAttribute(f, encodingName)],
  }
}
