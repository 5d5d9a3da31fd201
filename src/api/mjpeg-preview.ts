/**
 * A live preview of a JPEG path for a browser: the path's frames as they were pushed, one part each
 * of a multipart/x-mixed-replace response (what an <img> shows as a moving picture), without
 * transcoding. At most a few frames a second, and a client that reads slowly skips frames instead
 * of having them queued: a preview never costs the path's real readers anything.
 */
import type http from 'node:http'
import type { ServerStream, StreamSpec } from '../server/server-stream.js'
import type { Clock } from '../util/clock.js'

export const PREVIEW_BOUNDARY = 'rtspkit-preview-frame'
export const PREVIEW_CONTENT_TYPE = `multipart/x-mixed-replace; boundary=${PREVIEW_BOUNDARY}`
/** Frames per second a preview shows at most. */
export const PREVIEW_MAX_FPS = 5

/** Whether a path with this layout pushes whole JPEG images (a relayed JPEG pushes RTP packets instead). */
export function pushesJpeg(spec: StreamSpec | undefined): boolean {
  return spec?.video?.codec === 'jpeg' || spec?.video?.codec === 'mjpeg'
}

/**
 * Writes `stream`'s video frames to `res` (whose status and Content-Type are set) until the client
 * goes away or the stream closes; the frame tap is removed then.
 */
export function servePreview(stream: ServerStream, res: http.ServerResponse, clock: Clock, maxFps = PREVIEW_MAX_FPS): void {
  const minGapMs = 1000 / maxFps
  let lastSent = -Infinity
  const video = stream.video
  const untap = stream.tapFrames((track, data, _pts) => {
    if (track !== video || Array.isArray(data) || res.writableNeedDrain) return
    const now = clock.monoMs()
    if (now - lastSent < minGapMs) return
    lastSent = now
    const jpeg = data as Buffer
    res.cork()
    res.write(`--${PREVIEW_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`)
    res.write(jpeg)
    res.write('\r\n')
    process.nextTick(() => res.uncork())
  })
  const end = () => res.end()
  const cleanup = () => {
    untap()
    stream.off('close', end)
  }
  stream.once('close', end)
  res.once('close', cleanup)
  res.flushHeaders()
}
