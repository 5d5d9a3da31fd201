import { test } from 'node:test'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { RtmpServer } from '../../src/rtmp/rtmp-server.js'
import { h264AacMp4, run } from '../interop/harness.js'
import { createLogger } from '../../src/log/logger.js'

test('smoke', async () => {
  const logger = createLogger({ level: 'debug' })
  const rtsp = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1', logger })
  rtsp.addPublishPath('live/cam')
  await rtsp.start()
  const rtmp = new RtmpServer({ server: rtsp, port: 0, host: '127.0.0.1', logger })
  await rtmp.start()
  const file = await h264AacMp4()
  const pub = run('ffmpeg', ['-v', 'warning', '-re', '-stream_loop', '2', '-i', file, '-c', 'copy', '-f', 'flv', `${rtmp.url}/live/cam`], 30_000)
  await new Promise((r) => setTimeout(r, 2500))
  const probe = await run('ffmpeg', ['-v', 'warning', '-rtsp_transport', 'tcp', '-i', rtsp.urlFor('live/cam'), '-t', '2', '-f', 'null', '-'], 20_000)
  console.log('RTSP READ', probe.code, probe.stderr.slice(-2000))
  const play = await run('ffmpeg', ['-v', 'warning', '-i', `${rtmp.url}/live/cam`, '-t', '2', '-f', 'null', '-'], 20_000)
  console.log('RTMP READ', play.code, play.stderr.slice(-2000))
  const r = await pub
  console.log('PUB', r.code, r.stderr.slice(-2000))
  await rtmp.close()
  await rtsp.stop()
})
