/**
 * OpusSpecificBox `dOps`, "Encapsulation of Opus in ISO Base Media File Format" (Opus-in-ISOBMFF,
 * version 0.6.8) section 4.3.2 — the OpusHead of RFC 7845 5.1 in big-endian, without magic — written
 * and read back:
 *
 *   Version = 0                 u8
 *   OutputChannelCount          u8
 *   PreSkip                     u16  (48 kHz samples to discard at the start)
 *   InputSampleRate             u32  (informational)
 *   OutputGain                  s16  (Q7.8 dB)
 *   ChannelMappingFamily        u8   (0: mono or stereo, no mapping table)
 *
 * Only family 0 is written: RTP Opus (RFC 7587) is mono or stereo.
 */
import { CodecError } from '../../errors.js'
import { box, fields, type Mp4Box } from '../../formats/mp4/box.js'
import { versionedRecord } from '../../formats/mp4/box-reader.js'

const DOPS_VERSION = 0
const MAPPING_FAMILY_MONO_STEREO = 0
const MAX_FAMILY_0_CHANNELS = 2

export interface OpusConfig {
  channels: number
  /** Samples at 48 kHz the decoder drops at the start; 0 when unknown (RTP carries no pre-skip). */
  preSkip?: number
  inputSampleRate?: number
}

export function dOpsBox(c: OpusConfig): Mp4Box {
  if (c.channels < 1 || c.channels > MAX_FAMILY_0_CHANNELS) {
    throw new CodecError('ERR_MP4_OPUS_CHANNELS', `Opus with ${c.channels} channels needs a channel mapping table`, {
      observed: c.channels,
      allowed: `1..${MAX_FAMILY_0_CHANNELS}`,
    })
  }
  return box(
    'dOps',
    fields(
      ['u8', DOPS_VERSION],
      ['u8', c.channels],
      ['u16', c.preSkip ?? 0],
      ['u32', c.inputSampleRate ?? 0],
      ['i16', 0],
      ['u8', MAPPING_FAMILY_MONO_STEREO],
    ),
  )
}

/** Every field of a 'dOps' box as read. */
export interface OpusSpecificBox {
  channels: number
  preSkip: number
  inputSampleRate: number
  outputGain: number
  channelMappingFamily: number
}

/** Parses the body of a 'dOps' box (the channel mapping table, if any, is not read). */
export function parseDOps(body: Buffer): OpusSpecificBox {
  const r = versionedRecord(body, 'dOps', 'Version', DOPS_VERSION)
  const channels = r.u8()
  const preSkip = r.u16()
  const inputSampleRate = r.u32()
  const outputGain = r.i16()
  const channelMappingFamily = r.u8()
  return { channels, preSkip, inputSampleRate, outputGain, channelMappingFamily }
}
