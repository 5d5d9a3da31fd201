/**
 * The camera board document's example program ("3. 示例程序"), ported line by line: start the RTSP
 * server, print its URL, run 30 seconds, stop.
 *
 *   npm run build && node dist/examples/k230-server.js
 *
 * It streams the camera at /dev/video0 through ffmpeg when there is one, else ffmpeg's test pattern
 * (else, without ffmpeg, our MJPEG test card). Environment: SECONDS_TO_RUN (default 30), PORT (default
 * 8554), ENABLE_AUDIO=1 adds the G.711 µ-law test tone.
 */
import { RtspServer } from 'rtspkit/k230'

const RUN_SECONDS = Number(process.env.SECONDS_TO_RUN ?? 30)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function rtsp_server_test(): Promise<void> {
  const rtspserver = new RtspServer({
    session_name: 'test',
    port: Number(process.env.PORT ?? 8554),
    enable_audio: process.env.ENABLE_AUDIO === '1',
  })
  await rtspserver.start_async() // rtspserver.start() returns at once; awaiting surfaces a busy port here
  console.log('rtsp server start:', rtspserver.get_rtsp_url(), `(${rtspserver.video})`)

  // Run for RUN_SECONDS, or until Ctrl-C.
  let interrupted = false
  process.once('SIGINT', () => {
    interrupted = true
    console.log('user stop: SIGINT')
  })
  const time_start = Date.now()
  while (Date.now() - time_start < RUN_SECONDS * 1000 && !interrupted) await sleep(100)

  await rtspserver.stop_async()
  console.log('rtsp server stop')
}

await rtsp_server_test()
console.log('rtsp server done')
