import { builtinCodec } from '../codecs/registry.js'
import type { StreamSpec } from './server-stream.js'

/** Whether a new publisher's streams can continue an existing stream's: same tracks, same formats. */
export function sameLayout(a: StreamSpec, b: StreamSpec): boolean {
  const key = (t: StreamSpec['video'] | StreamSpec['audio']): string => {
    if (!t) return ''
    if (t.codec === 'rtp') return `rtp/${t.encodingName.toUpperCase()}/${t.clockRate}/${t.payloadType}/${JSON.stringify(t.attributes)}`
    if ('sampleRate' in t || 'config' in t || 'channels' in t) {
      const a = t
      return `${a.codec}/${a.sampleRate ?? ''}/${a.channels ?? 1}/${a.config ? Buffer.from(a.config).toString('hex') : ''}`
    }
    return builtinCodec(t.codec)?.name ?? t.codec // an alias and its codec are the same format
  }
  return key(a.video) === key(b.video) && key(a.audio) === key(b.audio)
}
