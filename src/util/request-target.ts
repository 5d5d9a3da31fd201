/**
 * The URL of an HTTP request target, or undefined when it is not one: a target such as `//[` or
 * `http://[x` (an authority that is not a host) makes `new URL` throw, and a server must answer
 * that with 400, not 500.
 */
export function requestTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost')
  } catch {
    return undefined
  }
}
