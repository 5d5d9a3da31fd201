// Runs inside the network namespace that test/interop/multicast.test.ts creates (only when
// RTSPKIT_MULTICAST_CHILD=1: node --test imports every file under dist/test). A server with an
// H.264 path; two ffmpeg readers, one GStreamer reader and rtspkit's client by multicast; prints what happened as JSON.
import { RtspClient } from '../../src/client/rtsp-client.js'
import { RtspServer } from '../../src/server/rtsp-server.js'
import { addPath } from '../../src/app/add-path.js'
import { parseSourceSpec } from '../../src/sources/source-spec.js'
import { gstDecode, h264File, run } from './harness.js'

async function ffmpegMulticast(url: string, frames: number): Promise<{ frames: number; stderr: string }> {
  const r = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostats',
      '-v',
      'error',
      '-rtsp_transport',
      'udp_multicast',
      '-i',
      url,
      '-frames:v',
      String(frames),
      '-f',
      'framemd5',
      '-',
    ],
    40_000,
  )
  return { frames: r.stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length, stderr: r.stderr }
}

async function main(): Promise<void> {
  const file = await h264File({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 })
  const server = new RtspServer({ port: 0, host: '127.0.0.1', publicHost: '127.0.0.1' })
  const handle = addPath(server, 'cam', parseSourceSpec(`file:${file}`))
  await server.start()
  const url = server.urlFor('cam')
  const out: Record<string, unknown> = {}
  try {
    // One reader alone: the bytes one group sends per second.
    const bytesOut = () =>
      server
        .stats()
        .streams.find((s) => s.name === 'cam')!
        .tracks.reduce((n, t) => n + t.bytesOut, 0)
    const one = ffmpegMulticast(url, 100)
    await new Promise((r) => setTimeout(r, 1500))
    const b0 = bytesOut()
    await new Promise((r) => setTimeout(r, 1000))
    out.bytesOneReader = bytesOut() - b0
    // A second and a third reader join the same group: the server's bytes out do not grow.
    const two = ffmpegMulticast(url, 25)
    const client = new RtspClient(url, { transport: 'multicast' })
    let clientFrames = 0
    client.on('frame', () => clientFrames++)
    const clientPlays = client.play()
    // GStreamer reads longest: rtpbin sends an RTCP BYE to the group when it stops, and ffmpeg ends
    // its stream on any BYE it reads there, whoever sent it.
    const gst = gstDecode(
      `rtspsrc location=${url} protocols=udp-mcast latency=100 ! rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink`,
      175,
    )
    // The late readers overlap for a while only, and their players start slowly on a loaded machine:
    // the fullest moment of the next 10 s (from 0.5 s, every 0.1 s) is what counts, ending at three.
    const transports = () =>
      server
        .stats()
        .sessions.map((s) => s.tracks.map((t) => t.transport))
        .flat()
    const members = (list: string[]) => list.filter((t) => t === 'multicast').length
    const lookUntil = Date.now() + 10_000
    await new Promise((r) => setTimeout(r, 500))
    let fullest = transports()
    while (members(fullest) < 3 && Date.now() < lookUntil) {
      await new Promise((r) => setTimeout(r, 100))
      const now = transports()
      if (members(now) > members(fullest)) fullest = now
    }
    const b1 = bytesOut()
    out.groupsWhileThree = fullest
    await new Promise((r) => setTimeout(r, 1000))
    out.bytesThreeReaders = bytesOut() - b1
    await clientPlays
    out.clientTransport = client.transport
    // ffmpeg ends its stream on any RTCP BYE read from the group (whoever sent it), so members leave
    // once the ffmpeg readers are done; GStreamer goes on after rtspkit's client left.
    const [a, b] = await Promise.all([one, two])
    await client.close()
    out.clientFrames = clientFrames
    out.first = a
    out.second = b
    out.gst = await gst
    // Everyone left: the group is released.
    await new Promise((r) => setTimeout(r, 500))
    out.sessionsAfter = server.stats().sessions.length
  } finally {
    handle.stop()
    await server.stop()
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

if (process.env.RTSPKIT_MULTICAST_CHILD === '1') {
  main().catch((err: unknown) => {
    process.stderr.write(String((err as Error).stack ?? err) + '\n')
    process.exit(1)
  })
}
