/**
 * hls.js (https://github.com/video-dev/hls.js), which the dashboard's HLS previews use, served by the
 * API from the package the server depends on: no CDN, so the dashboard works offline and on closed
 * networks. Read once, when first asked for.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'

export const HLS_SCRIPT_ROUTE = '/hls.min.js'

export class HlsScript {
  private script: Promise<Buffer | undefined> | undefined

  constructor(private readonly warn: (message: string) => void = () => {}) {}

  /** The minified script, or undefined when the package is missing (warned once). */
  get(): Promise<Buffer | undefined> {
    this.script ??= readFile(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js')).catch((err: unknown) => {
      this.warn(`hls.js not found: ${(err as Error).message}`)
      return undefined
    })
    return this.script
  }
}
