// Hooks with real commands: every hook of a path and of a connection fires with MediaMTX's environment
// (each command writes its environment to a file), runOnRead's grandchild dies with its process group,
// a failing command is logged with its status, and runOnDemand running ffmpeg serves video and audio
// to ffmpeg and GStreamer, then is stopped after its readers left.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ServeApp } from '../../src/app/serve-app.js'
import { RtspClient } from '../../src/client/rtsp-client.js'
import { parseConfig } from '../../src/config/load.js'
import { HookProcess } from '../../src/hooks/hook-process.js'
import type { Logger } from '../../src/log/logger.js'
import { collectFrames } from '../client/client-helpers.js'
import { waitUntil } from '../helpers/wait.js'
import { DEBIAN_PYTHON, ROOT, run } from '../interop/harness.js'

/** A shell snippet writing the environment to DIR/NAME.env at once (write, then rename). */
const dump = (dir: string, name: string): string => `env > ${dir}/${name}.tmp && mv ${dir}/${name}.tmp ${dir}/${name}.env`

function readEnv(dir: string, name: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of readFileSync(path.join(dir, `${name}.env`), 'utf8').split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

const envOf = async (dir: string, name: string): Promise<Record<string, string>> => {
  await waitUntil(() => existsSync(path.join(dir, `${name}.env`)), 15_000, `${name}.env`)
  return readEnv(dir, name)
}

/** Whether a process is alive (a zombie waiting for its parent counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z/.test(stat)
  } catch {
    return false
  }
}

function pidFrom(file: string): number {
  return Number(readFileSync(file, 'utf8').trim())
}

function quietApp(yaml: string): ServeApp {
  return new ServeApp(
    parseConfig({
      text: `server:\n  rtspPort: 0\n  logLevel: error\napi:\n  enabled: false\nhls:\n  enabled: false\nwebrtc:\n  enabled: false\n${yaml}`,
    }),
  )
}

describe('hooks of a path and of connections', () => {
  let dir: string
  let app: ServeApp
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-hooks-'))
    app = quietApp(`recording:
  dir: ${dir}/rec
  segmentSeconds: 1
hooks:
  runOnConnect: '${dump(dir, 'connect')}; exec sleep 60'
  runOnDisconnect: '${dump(dir, 'disconnect')}'
paths:
  cam:
    source: test:h264:160x120@10
    record: true
    runOnInit: 'echo $$ > ${dir}/init.pid; ${dump(dir, 'init')}; exec sleep 60'
    runOnReady: '${dump(dir, 'ready')}'
    runOnNotReady: '${dump(dir, 'notready')}'
    runOnRead: '${dump(dir, 'read')}; sleep 60 & echo $! > ${dir}/read.grandchild; wait'
    runOnUnread: '${dump(dir, 'unread')}'
    runOnRecordSegmentCreate: '${dump(dir, 'segcreate')}'
    runOnRecordSegmentComplete: '${dump(dir, 'segcomplete')}'
`)
    await app.start()
  })
  after(async () => {
    await app.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('runOnInit and runOnReady fire at start with MTX_PATH, RTSP_PATH, RTSP_PORT and the source', async () => {
    const port = String(app.server.port)
    const init = await envOf(dir, 'init')
    assert.deepEqual([init.MTX_PATH, init.RTSP_PATH, init.RTSP_PORT, init.MTX_QUERY], ['cam', 'cam', port, ''])
    assert.ok(init.PATH, 'the inherited environment is kept')
    const ready = await envOf(dir, 'ready')
    assert.deepEqual([ready.MTX_PATH, ready.MTX_SOURCE_TYPE, ready.MTX_SOURCE_ID], ['cam', 'testSource', ''])
  })

  it('runOnRecordSegmentCreate and Complete name the segment file', async () => {
    const create = await envOf(dir, 'segcreate')
    assert.match(create.MTX_SEGMENT_PATH!, /rec\/cam\/.+\.mp4$/)
    assert.equal(create.MTX_PATH, 'cam')
    const complete = await envOf(dir, 'segcomplete')
    assert.ok(existsSync(complete.MTX_SEGMENT_PATH!), complete.MTX_SEGMENT_PATH)
  })

  it('a reader: runOnConnect, runOnRead while it plays, then runOnUnread and runOnDisconnect; runOnRead’s group is killed', async () => {
    const client = new RtspClient(`rtsp://127.0.0.1:${app.server.port}/cam`)
    let sessionId = ''
    try {
      const frames = collectFrames(client, 3)
      await client.play()
      assert.equal((await frames).length, 3)
      const read = await envOf(dir, 'read')
      sessionId = read.MTX_READER_ID!
      assert.equal(read.MTX_READER_TYPE, 'rtspSession')
      assert.ok(
        app.server.stats().sessions.some((s: { id: string }) => s.id === sessionId),
        `MTX_READER_ID ${sessionId} is the session`,
      )
      const connect = await envOf(dir, 'connect')
      assert.equal(connect.MTX_CONN_TYPE, 'rtspConn')
      assert.match(connect.MTX_CONN_ID!, /^\d+$/)
      assert.equal(connect.RTSP_PORT, String(app.server.port))
      await waitUntil(() => existsSync(path.join(dir, 'read.grandchild')), 5000, 'the grandchild pid')
    } finally {
      await client.close()
    }
    const grandchild = pidFrom(path.join(dir, 'read.grandchild'))
    const unread = await envOf(dir, 'unread')
    assert.deepEqual([unread.MTX_READER_TYPE, unread.MTX_READER_ID, unread.MTX_PATH], ['rtspSession', sessionId, 'cam'])
    const disconnect = await envOf(dir, 'disconnect')
    assert.equal(disconnect.MTX_CONN_TYPE, 'rtspConn')
    await waitUntil(() => !alive(grandchild), 5000, `runOnRead's grandchild sleep (pid ${grandchild}) to be killed`)
  })

  it('removing the path: runOnNotReady fires and runOnInit is killed', async () => {
    const init = pidFrom(path.join(dir, 'init.pid'))
    assert.ok(alive(init), 'runOnInit runs while the path exists')
    app.reload(
      parseConfig({
        text: `server:\n  rtspPort: 0\n  logLevel: error\napi:\n  enabled: false\nhls:\n  enabled: false\nwebrtc:\n  enabled: false\npaths:\n  other:\n    source: publish\n`,
      }),
    )
    const notReady = await envOf(dir, 'notready')
    assert.deepEqual([notReady.MTX_PATH, notReady.MTX_SOURCE_TYPE], ['cam', 'testSource'])
    await waitUntil(() => !alive(init), 5000, 'runOnInit to be killed')
  })
})

describe('HookProcess', () => {
  const capture = (): Logger & { lines: string[] } => {
    const lines: string[] = []
    const put = (m: string) => void lines.push(m)
    return { lines, info: put, warn: put, debug: put }
  }

  it('logs stderr with the hook name and a failure with its exit status; restarts when asked', async () => {
    const logger = capture()
    const p = new HookProcess({ hook: 'runOnReady', command: 'echo oops >&2; exit 3', env: {}, logger, restart: true, restartDelayMs: 50 })
    p.start()
    await waitUntil(() => logger.lines.filter((l) => l.includes('exit status 3')).length >= 2, 5000, 'two failures')
    await p.stop()
    assert.ok(logger.lines.includes('runOnReady: oops'), logger.lines.join('\n'))
    assert.ok(
      logger.lines.some((l) => /^runOnReady failed: exit status 3/.test(l)),
      logger.lines.join('\n'),
    )
  })

  it('stop() kills the whole process group, also what the shell left in the background', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-hookpg-'))
    try {
      const p = new HookProcess({
        hook: 'runOnInit',
        command: `sleep 60 & echo $! > ${dir}/pid; trap '' TERM; sleep 60`,
        env: {},
        logger: capture(),
        killGraceMs: 300,
      })
      p.start()
      await waitUntil(() => existsSync(path.join(dir, 'pid')) && readFileSync(path.join(dir, 'pid'), 'utf8').endsWith('\n'), 5000, 'pid')
      const grandchild = pidFrom(path.join(dir, 'pid'))
      assert.ok(alive(grandchild))
      await p.stop()
      await waitUntil(() => !alive(grandchild), 2000, 'the grandchild to die')
      assert.equal(p.running, false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a command that cannot run is a log line, not an exception', async () => {
    const logger = capture()
    const p = new HookProcess({ hook: 'runOnInit', command: 'exec /nonexistent/cmd', env: {}, logger })
    p.start()
    await waitUntil(() => logger.lines.some((l) => l.includes('failed: exit status 127')), 5000, 'the failure')
    await p.stop()
  })
})

describe('runOnDemand', () => {
  let dir: string
  let app: ServeApp
  const FFMPEG =
    'ffmpeg -nostdin -v error -re -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 ' +
    '-c:v libx264 -preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p -c:a aac -f rtsp -rtsp_transport tcp ' +
    'rtsp://localhost:$RTSP_PORT/$RTSP_PATH'
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-demand-'))
    app = quietApp(`paths:
  sim:
    source: publish
    runOnDemand: '${FFMPEG}'
    runOnDemandCloseAfter: 2s
    runOnUnDemand: '${dump(dir, 'undemand')}'
    runOnReady: '${dump(dir, 'ready')}'
    runOnNotReady: '${dump(dir, 'notready')}'
`)
    await app.start()
  })
  after(async () => {
    await app.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('ffmpeg and GStreamer each decode video and audio that the command publishes; it is stopped after its readers left', async () => {
    const url = `rtsp://127.0.0.1:${app.server.port}/sim`
    const [f, g] = await Promise.all([
      run(
        'ffmpeg',
        [
          '-hide_banner',
          '-nostats',
          '-v',
          'error',
          '-rtsp_transport',
          'tcp',
          '-i',
          url,
          '-map',
          '0:v',
          '-map',
          '0:a',
          '-t',
          '3',
          '-f',
          'framemd5',
          '-',
        ],
        40_000,
      ),
      run(DEBIAN_PYTHON, [path.join(ROOT, 'test/interop/gst_av_count.py'), '25', '25', '30', url], 40_000),
    ])
    const lines = f.stdout.split('\n')
    const video = lines.filter((l) => /^\s*0,/.test(l)).length
    const audio = lines.filter((l) => /^\s*1,/.test(l)).length
    assert.ok(video >= 50 && audio >= 100, `ffmpeg decoded ${video} video frames and ${audio} audio frames: ${f.stderr.slice(0, 500)}`)
    const gst = JSON.parse(g.stdout) as { video: number; audio: number; width: number; error: string | null }
    assert.equal(gst.error, null, g.stdout)
    assert.ok(gst.video >= 25 && gst.audio >= 25, g.stdout)
    assert.equal(gst.width, 320)
    const ready = await envOf(dir, 'ready')
    assert.equal(ready.MTX_SOURCE_TYPE, 'rtspSession', 'the command publishes over RTSP')
    assert.match(ready.MTX_SOURCE_ID!, /^\d+$/)
    const undemand = await envOf(dir, 'undemand')
    assert.equal(undemand.MTX_PATH, 'sim')
    const notReady = await envOf(dir, 'notready')
    assert.deepEqual([notReady.MTX_SOURCE_TYPE, notReady.MTX_SOURCE_ID], [ready.MTX_SOURCE_TYPE, ready.MTX_SOURCE_ID])
    await waitUntil(() => !app.server.pathStatus().find((p) => p.name === 'sim')?.publisher, 10_000, 'the publisher to leave')
  })

  it('a command that never publishes: the reader gets 503 after runOnDemandStartTimeout', async () => {
    const other = quietApp(`paths:\n  never:\n    source: publish\n    runOnDemand: exec sleep 30\n    runOnDemandStartTimeout: 1s\n`)
    await other.start()
    try {
      const started = Date.now()
      const r = await run(
        'ffmpeg',
        ['-v', 'error', '-rtsp_transport', 'tcp', '-i', `rtsp://127.0.0.1:${other.server.port}/never`, '-f', 'null', '-'],
        20_000,
      )
      assert.notEqual(r.code, 0)
      assert.match(r.stderr, /503/)
      assert.ok(Date.now() - started >= 900, 'waited for the start timeout')
    } finally {
      await other.stop()
    }
  })
})

describe('runOnRead of readers of other protocols', () => {
  it('an HLS viewer (ffmpeg) fires runOnRead with MTX_READER_TYPE hlsSession and its session id', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rtspkit-hlshook-'))
    const app = new ServeApp(
      parseConfig({
        text: `server:\n  rtspPort: 0\n  logLevel: error\napi:\n  enabled: false\nwebrtc:\n  enabled: false\nhls:\n  port: 0\n  variant: fmp4\npaths:\n  cam:\n    source: test:h264:160x120@10\n    runOnRead: '${dump(dir, 'read')}'\n`,
      }),
    )
    await app.start()
    try {
      assert.ok(app.hlsUrl)
      const r = await run(
        'ffmpeg',
        [
          '-v',
          'error',
          '-i',
          `${new URL(app.hlsUrl).origin.replace(/\/\/[^:]+:/, '//127.0.0.1:')}/cam/index.m3u8`,
          '-t',
          '1',
          '-f',
          'null',
          '-',
        ],
        30_000,
      )
      assert.equal(r.code, 0, r.stderr)
      const read = await envOf(dir, 'read')
      assert.equal(read.MTX_READER_TYPE, 'hlsSession')
      assert.equal(read.MTX_PATH, 'cam')
      assert.ok(read.MTX_READER_ID, 'a session id')
    } finally {
      await app.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
