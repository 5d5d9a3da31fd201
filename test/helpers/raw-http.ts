import net from 'node:net'

/**
 * The status line a server answers to `GET target` sent byte for byte: fetch refuses or normalizes
 * targets such as `//[`, which a server must still answer (400, not 500).
 */
export async function rawStatusLine(base: string, target: string): Promise<string> {
  const { hostname, port } = new URL(base)
  const socket = net.connect(Number(port), hostname)
  socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`)
  let text = ''
  for await (const chunk of socket) text += String(chunk)
  return text.split('\r\n')[0]!
}

/** Request targets that are not URLs (`new URL` throws on them): the network fuzz found servers answering these with 500. */
export const MALFORMED_TARGETS = ['//[', 'http://[x', '//%'] as const
