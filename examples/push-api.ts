/**
 * Push API example: one server, two streams fed from code.
 *
 *   npm run build && node dist/examples/push-api.js [clip.264]
 *
 * - rtsp://HOST:8554/cam   H.264 access units pushed from an Annex-B file (when given)
 * - rtsp://HOST:8554/mjpeg JPEG frames drawn by the built-in test card, pushed as they are made
 */
import { RtspServer, TestCard, loadH264File } from 'rtspkit'

const server = new RtspServer({ port: Number(process.env.PORT ?? 8554) })

for (const ev of ['setup', 'play', 'pause', 'teardown'] as const) {
  server.on(ev, (e) => console.log(`${ev}: path=${e.path} session=${e.sessionId}`))
}

// JPEG frames: anything that produces baseline JPEGs (a camera, an encoder) can be pushed the same way.
const mjpeg = server.addStream('mjpeg', { video: { codec: 'jpeg', width: 320, height: 240, fps: 10 } })
const card = new TestCard({ width: 320, height: 240, fps: 10 })
let n = 0
const jpegTimer = setInterval(() => {
  const pts = n * 100 // presentation time in milliseconds
  mjpeg.pushVideo(card.renderJpeg(n++, Date.now()), pts)
}, 100)

// H.264: push each access unit (Annex-B bytes or an array of NAL units) with its presentation time.
let h264Timer: NodeJS.Timeout | undefined
const file = process.argv[2]
if (file) {
  const clip = loadH264File(file)
  const cam = server.addStream('cam', { video: { codec: 'h264' } }) // SPS/PPS are learned from the stream
  let i = 0
  h264Timer = setInterval(() => {
    const au = clip.accessUnits[i % clip.accessUnits.length]!
    cam.pushVideo(au.nalus, (i * 1000) / clip.fps)
    i++
  }, 1000 / clip.fps)
}

await server.start()
console.log(`MJPEG: ${server.urlFor('mjpeg')}`)
if (file) console.log(`H.264: ${server.urlFor('cam')}`)

process.on('SIGINT', () => {
  clearInterval(jpegTimer)
  if (h264Timer) clearInterval(h264Timer)
  void server.stop().then(() => process.exit(0))
})
