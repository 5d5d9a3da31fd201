// rtspkit serve's API tells the dashboard where browsers play each path: what browserPlayback says,
// asked at each request (the WebRTC and HLS servers set it when they start, whenever that is).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { PathView } from '../../src/api/views.js'
import { ServeApp } from '../../src/app/serve-app.js'
import { parseConfig } from '../../src/config/load.js'

describe('ServeApp: browser playback URLs for the dashboard', () => {
  it('the API shows browserPlayback.webrtcUrl / hlsUrl, null while unset', async () => {
    const config = parseConfig({
      text: 'server:\n  rtspPort: 0\n  logLevel: error\napi:\n  port: 0\nhls:\n  enabled: false\npaths:\n  cam:\n    source: test:160x120@10\n',
    })
    const app = new ServeApp(config)
    await app.start()
    try {
      const cam = async () =>
        ((await (await fetch(`${app.apiUrl}/v1/paths`)).json()) as { items: PathView[] }).items.find((p) => p.name === 'cam')!
      assert.deepEqual([(await cam()).webrtcUrl, (await cam()).hlsUrl], [null, null])
      app.browserPlayback.webrtcUrl = (name) => `http://127.0.0.1:8889/${name}`
      app.browserPlayback.hlsUrl = (name) => `http://127.0.0.1:8888/${name}`
      const p = await cam()
      assert.deepEqual([p.webrtcUrl, p.hlsUrl], ['http://127.0.0.1:8889/cam', 'http://127.0.0.1:8888/cam'])
    } finally {
      await app.stop()
    }
  })
})
