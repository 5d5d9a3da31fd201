// The dashboard's Nodes section on a node of a cluster, in headless Chromium: every node of the
// cluster with its advertised URLs, load, version and lease age, this node marked, from the same data
// as /v1/cluster/nodes (which answers as docs/openapi.json says); a node that leaves drops out of it.
// (Hidden on a node outside a cluster: test/api/dashboard-browser.test.ts.)
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { checkResponse, loadOpenApi } from '../api/openapi-check.js'
import { waitUntil } from '../helpers/wait.js'
import { launchChromium } from '../view/chromium.js'
import { threeNodeCluster } from './cluster-harness.js'

interface NodeItem {
  name: string
  self: boolean
  version: string
  leaseAgeMs: number
  urls: { rtsp: string; api?: string }
}

const row = (name: string) => `#nodes tr[data-name=${JSON.stringify(name)}]`

describe('cluster: nodes on the dashboard', { timeout: 90_000 }, () => {
  const cl = threeNodeCluster("  all_others: { source: 'publish' }\n")
  let browser: Browser | undefined
  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
  })

  it('lists every node with its URLs, load, version and lease age; this node marked', async () => {
    const { a } = cl
    const path = '/v1/cluster/nodes'
    const res = await fetch(`${a.apiUrl}${path}`)
    const text = await res.text()
    assert.deepEqual(checkResponse(loadOpenApi(), 'get', path, { status: res.status, headers: res.headers, text }), [], text)
    const items = (JSON.parse(text) as { items: NodeItem[] }).items
    assert.deepEqual(
      items.map((n) => [n.name, n.self]),
      [
        ['a', true],
        ['b', false],
        ['c', false],
      ],
    )
    assert.equal(items[0]!.leaseAgeMs, 0)
    // Lease 1.5 s, refreshed every 0.5 s: a live node's record is never older than the lease.
    for (const n of items.slice(1)) assert.ok(n.leaseAgeMs >= 0 && n.leaseAgeMs < 1500, `${n.name}: ${n.leaseAgeMs} ms`)

    const page = await browser!.newPage()
    try {
      page.setDefaultTimeout(8000)
      await page.goto(`${a.apiUrl}/`)
      for (const n of items) await page.waitForSelector(row(n.name))
      assert.equal(await page.isVisible('#nodes-section'), true)
      assert.equal(await page.textContent('#node-count'), '3')
      for (const n of items) {
        assert.equal(await page.getAttribute(row(n.name), 'data-self'), String(n.self))
        assert.equal(await page.isVisible(`${row(n.name)} .self-badge`), n.self)
        const cells = await page.locator(`${row(n.name)} td`).allTextContents()
        assert.equal(cells.length, 7)
        assert.equal(await page.textContent(`${row(n.name)} .node-name`), n.name)
        assert.equal(await page.textContent(`${row(n.name)} [data-kind=rtsp] .url-text`), n.urls.rtsp)
        assert.equal(await page.textContent(`${row(n.name)} [data-kind=api] .url-text`), n.urls.api)
        assert.match(cells[2]!, /^\d+$/, 'readers')
        assert.match(cells[3]!, /^\d+(\.\d)? (B|KiB|MiB)\/s$/, 'bytes out/s')
        assert.match(cells[4]!, /^\d+\.\d %$/, 'CPU')
        assert.equal(cells[5], n.version)
        assert.match(cells[6]!, /^\d+\.\d s$/, 'lease age')
      }
      // A node that leaves the cluster leaves the section.
      await cl.c.stop()
      await page.waitForSelector(row('c'), { state: 'detached', timeout: 10_000 })
      await waitUntil(async () => (await page.textContent('#node-count')) === '2', 5000, 'two nodes listed')
    } finally {
      await page.close()
    }
  })
})
