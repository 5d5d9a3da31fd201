/**
 * The dashboard's Nodes section (see dashboard-page.ts): on a node of a cluster (src/cluster), every
 * live node as GET /v1/cluster/nodes gives it — name, advertised URLs, readers, bytes out per second,
 * CPU, version, whether it is the node answering, and how old its lease record is. On a node
 * outside a cluster that endpoint answers 404: the section stays hidden, and the page asks again
 * only every NODES_RETRY_MS (a cluster joined by a config change shows up without a reload).
 *
 * Both strings are pasted into the page's template literal: kept free of backquotes, dollar-brace
 * and backslashes.
 */

/** The section, hidden until the API lists nodes. */
export const NODES_SECTION: string = `
  <section id="nodes-section" hidden>
  <h2>Nodes (<span id="node-count">0</span>) <span class="muted">cluster</span></h2>
  <table>
    <thead><tr><th>node</th><th>URLs</th><th>readers</th><th>bytes out/s</th><th>CPU</th><th>version</th><th>lease age</th></tr></thead>
    <tbody id="nodes"></tbody>
  </table>
  <p id="nodes-note" class="muted"></p>
  </section>
`

/** Styles of the section. */
export const NODES_STYLE: string = `
  #nodes-section[hidden] { display: none; }
  #nodes .urls div { white-space: nowrap; }
  #nodes .self-badge { margin-left: 6px; padding: 0 4px; font-size: 11px; color: #fff; background: #0a7a20; border-radius: 3px; }
  #nodes-note:empty { display: none; }
`

/** Needs el, $ and formatBytes from the page's script. */
export const NODES_SCRIPT: string = `
var NODES_RETRY_MS = 10000, URL_KINDS = ['rtsp', 'rtsps', 'hls', 'webrtc', 'api']
var nodeRows = new Map(), nodesOffUntil = 0

/** At each poll: the cluster's nodes, or the section hidden when this node is in none. Never throws. */
async function pollNodes() {
  if (Date.now() < nodesOffUntil) return
  try {
    var res = await fetch('/v1/cluster/nodes', { cache: 'no-store' })
    var body = await res.json()
    if (res.status === 404) {
      $('nodes-section').hidden = true
      nodesOffUntil = Date.now() + NODES_RETRY_MS
      return
    }
    if (!res.ok) throw new Error(body.error ? body.error.message : 'HTTP ' + res.status)
    renderNodes(body.items)
    $('nodes-note').textContent = ''
  } catch (e) {
    $('nodes-note').textContent = 'The cluster nodes did not load: ' + e.message
  }
}

function nodeUrls(cell, urls) {
  var text = URL_KINDS.filter(function (k) { return urls[k] }).map(function (k) { return k + ' ' + urls[k] }).join(' | ')
  if (cell.dataset.text === text) return
  cell.dataset.text = text
  cell.textContent = ''
  URL_KINDS.forEach(function (k) {
    if (!urls[k]) return
    var line = cell.appendChild(el('div'))
    line.dataset.kind = k
    line.appendChild(el('span', 'muted', k + ' '))
    line.appendChild(el('span', 'url-text', urls[k]))
  })
}

function renderNodes(items) {
  var seen = new Set()
  items.forEach(function (n) {
    seen.add(n.name)
    var r = nodeRows.get(n.name)
    if (!r) {
      r = { tr: el('tr'), cells: [] }
      r.tr.dataset.name = n.name
      for (var i = 0; i < 7; i++) r.cells.push(r.tr.appendChild(el('td')))
      r.cells[0].appendChild(el('span', 'node-name', n.name))
      r.badge = r.cells[0].appendChild(el('span', 'self-badge', 'this node'))
      nodeRows.set(n.name, r)
      $('nodes').appendChild(r.tr)
    }
    r.tr.dataset.self = String(n.self)
    r.badge.hidden = !n.self
    nodeUrls(r.cells[1], n.urls)
    var values = [
      n.load.readers + (n.maxReaders > 0 ? ' / ' + n.maxReaders : ''),
      formatBytes(Math.round(n.load.bytesOutPerSec)) + '/s',
      n.load.cpuPercent.toFixed(1) + ' %',
      n.version,
      (n.leaseAgeMs / 1000).toFixed(1) + ' s',
    ]
    values.forEach(function (v, i) { if (r.cells[i + 2].textContent !== v) r.cells[i + 2].textContent = v })
  })
  nodeRows.forEach(function (r, name) { if (!seen.has(name)) { r.tr.remove(); nodeRows.delete(name) } })
  $('node-count').textContent = String(items.length)
  $('nodes-section').hidden = false
}
`
