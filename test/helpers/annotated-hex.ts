/**
 * Byte vectors laid out one field a line, each line `hex bytes | what they mean`: the text after `|`
 * is a comment and is dropped, so the comment can name fields freely.
 */
export function annotatedHex(s: string): Buffer {
  const bytes = s
    .split('\n')
    .map((line) => line.split('|')[0]!.replace(/\s/g, ''))
    .join('')
  if (!/^([0-9a-fA-F]{2})*$/.test(bytes)) throw new Error(`not hex: ${bytes}`)
  return Buffer.from(bytes, 'hex')
}
