/**
 * The OpenMV rtsp_server example, ported: callbacks that print each reader's pathname and session, and
 * a callback that draws the frames (a moving gradient, 320x240 RGB; '/gray' gets grey frames). Every
 * reader gets its own calls, so '/' and '/gray' can play at once.
 *
 *   npm run build && node dist/examples/openmv-server.js     (PORT, default 8554; Ctrl-C stops)
 */
import { rtsp_server, type Image } from 'rtspkit/openmv'

const WIDTH = 320
const HEIGHT = 240

const server = new rtsp_server({ port: Number(process.env.PORT ?? 8554) })

server.register_setup_cb((pathname, session) => console.log(`setup: pathname=${pathname} session=${session}`))
server.register_play_cb((pathname, session) => console.log(`play: pathname=${pathname} session=${session}`))
server.register_pause_cb((pathname, session) => console.log(`pause: pathname=${pathname} session=${session}`))
server.register_teardown_cb((pathname, session) => console.log(`teardown: pathname=${pathname} session=${session}`))
server.on('warning', (err, { pathname }) => console.log(`frame skipped on ${pathname}: ${err.message}`))

// The stand-in for sensor.snapshot(): one frame per call, per reader.
const frames = new Map<number, number>()
function snapshot(pathname: string, session: number): Image {
  const n = (frames.get(session) ?? 0) + 1
  frames.set(session, n)
  const gray = pathname === '/gray'
  const bpp = gray ? 1 : 3
  const data = new Uint8Array(WIDTH * HEIGHT * bpp)
  for (let y = 0, p = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++, p += bpp) {
      data[p] = (x + n * 4) & 0xff
      if (!gray) {
        data[p + 1] = (y + n * 2) & 0xff
        data[p + 2] = (x + y) & 0xff
      }
    }
  }
  return { width: WIDTH, height: HEIGHT, format: gray ? 'gray' : 'rgb', data }
}

process.once('SIGINT', () => void server.close())
server.once('listening', () => console.log(`rtsp_server: ${server.url('/')} and ${server.url('/gray')}`))
await server.stream(snapshot, 90) // resolves when the server stops
console.log('rtsp_server stopped')
