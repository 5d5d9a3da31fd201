import { LIVE_PLAYER_SCRIPT } from './dashboard-live.js'
import { NODES_SCRIPT, NODES_SECTION, NODES_STYLE } from './dashboard-nodes.js'

/**
 * The dashboard at `/` on the API port, as a string so that it ships inside dist/ with the server.
 * One page, no build step: it polls GET /v1/paths and GET /v1/sessions every second and keeps, in the
 * page, the last minute of each path's bitrate for its sparkline.
 *
 * Previews need no transcoding: H.264 paths (and H.265 ones where the browser decodes it) play live
 * over WebRTC, else HLS (dashboard-live.ts), when the API knows those servers; they open as previews,
 * which are no readers. A path that carries JPEG frames is an <img> on its preview.mjpeg
 * (multipart/x-mixed-replace). Other video paths, and H.264 ones when no WebRTC or HLS server runs,
 * show a snapshot.jpg, fetched every few seconds and only one at a time, which the API takes with
 * ffmpeg when it has one (503 otherwise: the page says why, and stops asking when ffmpeg is missing).
 * Browsers keep about six connections per host and each MJPEG preview holds one, so only the first
 * few start by themselves.
 *
 * On a node of a cluster, a Nodes section lists the cluster's nodes (dashboard-nodes.ts).
 *
 * Every reader (of any protocol) and every publisher has a Kick button: DELETE /v1/sessions/{id},
 * with the credentials the browser already sends to the page (admins only; others see the 403).
 *
 * Names and descriptions come from whoever publishes: the script sets text, never HTML.
 * Kept free of backquotes, dollar-brace and backslashes so it can live in this template literal as written.
 */
export const DASHBOARD_PAGE: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rtspkit dashboard</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 0; background: #ececec; color: #222; }
  header { display: flex; align-items: baseline; gap: 12px; padding: 10px 16px; background: #2b2b2b; color: #eee; }
  header h1 { font-size: 16px; margin: 0; }
  #status.live { color: #7fd88f; } #status.offline { color: #ff8a80; }
  main { max-width: 1100px; margin: 12px auto; padding: 0 12px; }
  h2 { font-size: 15px; margin: 16px 0 8px; }
  #paths { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 10px; }
  .path { background: #f8f8f8; border: 1px solid #bbb; padding: 10px; display: flex; flex-direction: column; gap: 4px; }
  .path h3 { margin: 0; font-size: 14px; word-break: break-all; }
  .muted { color: #666; }
  .state { font-weight: 600; font-family: ui-monospace, monospace; }
  .state.ready { color: #0a7a20; } .state.waiting-publisher, .state.idle { color: #666; } .state.pulling, .state.retrying { color: #a66a00; }
  .mono { font-family: ui-monospace, monospace; font-size: 13px; }
  .url-row { display: flex; gap: 6px; align-items: center; }
  .url { flex: 1; overflow-x: auto; white-space: nowrap; background: #fff; border: 1px solid #ccc; padding: 2px 4px; user-select: all; }
  button { font: inherit; padding: 2px 8px; border: 1px solid #888; border-radius: 3px; background: #e4e4e4; cursor: pointer; }
  .spark { width: 100%; height: 36px; background: #fff; border: 1px solid #ddd; }
  .spark polyline { fill: none; stroke: #1565c0; stroke-width: 1.5; }
  .screen { background: #000; min-height: 60px; display: flex; align-items: center; justify-content: center; position: relative; }
  .screen img, .screen video { display: block; max-width: 100%; }
  .screen video { width: 100%; }
  .screen video[hidden] { display: none; }
  .screen[data-live]::after { content: attr(data-live); position: absolute; top: 4px; right: 4px; padding: 0 4px; font-size: 11px; color: #fff; background: rgba(0, 0, 0, 0.55); text-transform: uppercase; }
  .screen img:not([src]) { display: none; }
  .note { color: #ddd; padding: 8px; text-align: center; font-size: 13px; }
  .note:empty { display: none; }
  table { border-collapse: collapse; width: 100%; background: #f8f8f8; border: 1px solid #bbb; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e0e0e0; }
  td { font-family: ui-monospace, monospace; font-size: 13px; }
  #no-sessions { color: #666; }
  button.kick { color: #b00020; border-color: #b00020; background: #fff; }
  .publisher[hidden], .audio-note[hidden] { display: none; }
  #error { color: #b00020; min-height: 1.2em; }
${NODES_STYLE}</style>
</head>
<body>
<header><h1>rtspkit</h1><span id="status">connecting</span></header>
<main>
  <div id="error" role="alert"></div>
  <h2>Paths (<span id="path-count">0</span>)</h2>
  <div id="paths"></div>
  <h2>Readers (<span id="session-count">0</span>)
    <span class="muted">rtsp <span id="count-rtsp">0</span> · webrtc <span id="count-webrtc">0</span> · hls <span id="count-hls">0</span></span></h2>
  <table>
    <thead><tr><th>protocol</th><th>remote address</th><th>transport</th><th>path</th><th>bytes sent</th><th>loss</th><th>since</th><th></th></tr></thead>
    <tbody id="sessions"></tbody>
  </table>
  <p id="no-sessions">No readers.</p>
${NODES_SECTION}</main>
<script>
'use strict'
var POLL_MS = 1000, HISTORY = 60, SNAPSHOT_MS = 5000, PREVIEW_RETRY_MS = 5000, MAX_LIVE_PREVIEWS = 3
var SPARK_W = 120, SPARK_H = 30, SVG_NS = 'http://www.w3.org/2000/svg'
var PROTOCOLS = ['rtsp', 'webrtc', 'hls']
var cards = new Map(), rows = new Map()
function $(id) { return document.getElementById(id) }

function el(tag, cls, text) {
  var e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text
  return e
}

function apiPath(name, what) { return '/v1/paths/' + encodeURIComponent(name) + '/' + what }

function formatBits(bps) {
  if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mbit/s'
  if (bps >= 1e3) return (bps / 1e3).toFixed(1) + ' kbit/s'
  return bps + ' bit/s'
}

function formatBytes(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MiB'
  if (n >= 1024) return (n / 1024).toFixed(1) + ' KiB'
  return n + ' B'
}

function formatAge(iso) {
  var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))
  var age = s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' : Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min'
  return new Date(iso).toLocaleTimeString() + ' (' + age + ')'
}

function describeTrack(t) {
  var s = t.codec
  if (t.width) s += ' ' + t.width + 'x' + t.height + (t.fps ? '@' + t.fps : '')
  if (t.sampleRate) s += ' ' + t.sampleRate + ' Hz' + (t.channels ? ' ' + t.channels + 'ch' : '')
  return s
}

function copyUrl(card) {
  var text = card.url.textContent
  function select() {
    var range = document.createRange()
    range.selectNodeContents(card.url)
    var sel = window.getSelection()
    sel.removeAllRanges()
    sel.addRange(range)
    card.copy.textContent = 'Selected: press Ctrl+C'
  }
  if (!navigator.clipboard || !navigator.clipboard.writeText) return select()
  navigator.clipboard.writeText(text).then(function () { card.copy.textContent = 'Copied' }, select)
  setTimeout(function () { card.copy.textContent = 'Copy' }, 3000)
}

function newCard(name) {
  var c = { name: name, history: [], root: el('div', 'path'), preview: 'none', liveSince: 0, snapshotBusy: false, snapshotAt: 0, snapshotOff: false, snapshotUrl: '' }
  c.root.dataset.name = name
  c.root.appendChild(el('h3', 'name', name))
  c.source = c.root.appendChild(el('div', 'source muted'))
  var line = c.root.appendChild(el('div'))
  c.state = line.appendChild(el('span', 'state'))
  line.appendChild(document.createTextNode(' · '))
  c.codecs = line.appendChild(el('span', 'codecs mono'))
  line.appendChild(document.createTextNode(' · readers: '))
  c.readers = line.appendChild(el('span', 'readers mono'))
  c.byProtocol = line.appendChild(el('span', 'by-protocol muted'))
  c.pub = c.root.appendChild(el('div', 'publisher'))
  c.pub.hidden = true
  c.pub.appendChild(document.createTextNode('publisher: '))
  c.pubAddress = c.pub.appendChild(el('span', 'pub-address mono'))
  c.pub.appendChild(document.createTextNode(' over '))
  c.pubProtocol = c.pub.appendChild(el('span', 'pub-protocol mono'))
  c.pub.appendChild(document.createTextNode(' since '))
  c.pubSince = c.pub.appendChild(el('span', 'pub-since'))
  c.pub.appendChild(document.createTextNode(' '))
  c.pubKick = c.pub.appendChild(kickButton(function () { return c.pubSession }))
  c.audioNote = c.root.appendChild(el('div', 'audio-note muted'))
  c.audioNote.hidden = true
  var urlRow = c.root.appendChild(el('div', 'url-row'))
  c.url = urlRow.appendChild(el('code', 'url mono'))
  c.copy = urlRow.appendChild(el('button', 'copy', 'Copy'))
  c.copy.type = 'button'
  c.copy.addEventListener('click', function () { copyUrl(c) })
  var rate = c.root.appendChild(el('div', 'muted'))
  rate.appendChild(document.createTextNode('bitrate in: '))
  c.bitrate = rate.appendChild(el('span', 'bitrate mono'))
  c.spark = document.createElementNS(SVG_NS, 'svg')
  c.spark.setAttribute('class', 'spark')
  c.spark.setAttribute('viewBox', '0 0 ' + SPARK_W + ' ' + SPARK_H)
  c.spark.setAttribute('preserveAspectRatio', 'none')
  c.line = document.createElementNS(SVG_NS, 'polyline')
  c.line.setAttribute('points', '')
  c.spark.appendChild(c.line)
  c.root.appendChild(c.spark)
  var screen = c.root.appendChild(el('div', 'screen'))
  c.screen = screen
  c.img = screen.appendChild(el('img', 'preview'))
  c.img.alt = 'preview of ' + name
  c.img.addEventListener('error', function () {
    if (c.preview !== 'live') return
    c.img.removeAttribute('src') // the stream ended: the next poll starts it again
    c.preview = 'none'
    c.liveSince = Date.now()
  })
  c.note = screen.appendChild(el('div', 'note'))
  c.start = screen.appendChild(el('button', 'start', 'Show live preview'))
  c.start.type = 'button'
  c.start.hidden = true
  c.start.addEventListener('click', function () { c.wantLive = true; c.start.hidden = true; c.liveSince = 0 })
  return c
}

function drawSpark(c) {
  var h = c.history, max = Math.max.apply(null, h)
  if (!(max > 0) || h.length < 2) { c.line.setAttribute('points', ''); return }
  var step = SPARK_W / (HISTORY - 1), x0 = SPARK_W - step * (h.length - 1), pts = []
  for (var i = 0; i < h.length; i++) pts.push((x0 + i * step).toFixed(1) + ',' + (SPARK_H - 1 - (h[i] / max) * (SPARK_H - 2)).toFixed(1))
  c.line.setAttribute('points', pts.join(' '))
}

function showPreview(c, p, liveSlots) {
  var video = p.tracks.find(function (t) { return t.kind === 'video' })
  if (!video) { c.note.textContent = p.tracks.length ? 'audio only' : 'no stream yet'; return }
  if (p.state !== 'ready' || (video.codec !== 'jpeg' && c.preview === 'live')) {
    if (c.preview === 'live') c.img.removeAttribute('src') // closes the preview's connection
    c.preview = 'none'
  }
  if (p.state !== 'ready') { stopLive(c); c.note.textContent = 'not live (' + p.state + ')'; return }
  if (showLive(c, p, video.codec)) return
  if (video.codec === 'jpeg') {
    if (c.preview === 'live') { c.note.textContent = ''; return }
    if (liveSlots.left <= 0 && !c.wantLive) { c.start.hidden = false; c.note.textContent = ''; return }
    if (Date.now() - c.liveSince < PREVIEW_RETRY_MS) return
    liveSlots.left--
    c.preview = 'live'
    c.note.textContent = ''
    c.img.src = apiPath(c.name, 'preview.mjpeg')
    return
  }
  if (c.snapshotOff || c.snapshotBusy || Date.now() - c.snapshotAt < SNAPSHOT_MS) return
  c.snapshotBusy = true
  c.snapshotAt = Date.now()
  fetch(apiPath(c.name, 'snapshot.jpg'), { cache: 'no-store' }).then(function (res) {
    if (res.ok) return res.blob().then(function (b) {
      if (c.snapshotUrl) URL.revokeObjectURL(c.snapshotUrl)
      c.snapshotUrl = URL.createObjectURL(b)
      c.img.src = c.snapshotUrl
      c.preview = 'snapshot'
      c.note.textContent = ''
    })
    return res.json().then(function (body) {
      c.note.textContent = body.error.message
      if (body.error.code === 'ERR_API_SNAPSHOT_NO_FFMPEG') c.snapshotOff = true
    })
  }).catch(function (e) { c.note.textContent = 'no snapshot: ' + e.message }).then(function () { c.snapshotBusy = false })
}

function renderPaths(items) {
  var seen = new Set(), liveSlots = { left: MAX_LIVE_PREVIEWS }
  cards.forEach(function (c) { if (c.preview === 'live') liveSlots.left-- })
  items.forEach(function (p) {
    seen.add(p.name)
    var c = cards.get(p.name)
    if (!c) { c = newCard(p.name); cards.set(p.name, c); $('paths').appendChild(c.root) }
    c.source.textContent = p.source.kind + (p.source.description ? ': ' + p.source.description : '')
    c.state.textContent = p.state
    c.state.className = 'state ' + p.state
    c.codecs.textContent = p.tracks.length ? p.tracks.map(describeTrack).join(', ') : '-'
    c.readers.textContent = String(p.readers)
    c.byProtocol.textContent = p.readers ? ' (' + PROTOCOLS.filter(function (k) { return p.readersByProtocol[k] }).map(function (k) { return k + ' ' + p.readersByProtocol[k] }).join(', ') + ')' : ''
    c.pub.hidden = !p.publisher
    if (p.publisher) {
      c.pubAddress.textContent = p.publisher.remoteAddress
      c.pubProtocol.textContent = p.publisher.protocol
      c.pubSince.textContent = formatAge(p.publisher.since)
      c.pubSession = p.publisher.sessionId
      c.pubKick.hidden = !p.publisher.sessionId
    }
    var audio = p.tracks.some(function (t) { return t.kind === 'audio' })
    c.audioNote.hidden = !audio || p.webrtcAudio
    c.audioNote.textContent = audio && !p.webrtcAudio ? 'audio: ' + p.webrtcAudioReason : ''
    if (c.url.textContent !== p.url) c.url.textContent = p.url
    c.bitrate.textContent = formatBits(p.bitrateIn)
    c.history.push(p.bitrateIn)
    if (c.history.length > HISTORY) c.history.shift()
    drawSpark(c)
    showPreview(c, p, liveSlots)
  })
  cards.forEach(function (c, name) {
    if (seen.has(name)) return
    c.img.removeAttribute('src') // closes a live preview's connection
    stopLive(c)
    if (c.snapshotUrl) URL.revokeObjectURL(c.snapshotUrl)
    c.root.remove()
    cards.delete(name)
  })
  $('path-count').textContent = String(items.length)
}

/** A Kick button for the session id that sessionId() gives when clicked. */
function kickButton(sessionId) {
  var b = el('button', 'kick', 'Kick')
  b.type = 'button'
  b.addEventListener('click', function () {
    var id = sessionId()
    if (!id) return
    b.disabled = true
    fetch('/v1/sessions/' + encodeURIComponent(id), { method: 'DELETE' }).then(function (res) {
      if (res.ok || res.status === 404) return // gone, or gone already: the next poll shows it
      return res.json().then(function (body) { $('error').textContent = 'Kick refused: ' + body.error.message })
    }).catch(function (e) { $('error').textContent = 'Kick failed: ' + e.message }).then(function () {
      setTimeout(function () { b.disabled = false }, POLL_MS)
    })
  })
  return b
}

/** Readers of every protocol; the dashboard's previews are no readers, and publishers show on their path. */
function renderSessions(all) {
  var seen = new Set(), counts = { rtsp: 0, webrtc: 0, hls: 0 }
  var items = all.filter(function (s) { return s.role === 'reader' && !s.preview })
  items.forEach(function (s) {
    seen.add(s.id)
    if (s.protocol in counts) counts[s.protocol]++
    var r = rows.get(s.id)
    if (!r) {
      r = { tr: el('tr'), cells: [] }
      r.tr.dataset.id = s.id
      r.tr.dataset.path = s.path
      r.tr.dataset.protocol = s.protocol
      for (var i = 0; i < 7; i++) r.cells.push(r.tr.appendChild(el('td')))
      r.tr.appendChild(el('td')).appendChild(kickButton(function () { return s.id }))
      rows.set(s.id, r)
      $('sessions').appendChild(r.tr)
    }
    var loss = s.cumulativeLost === null ? '-' : s.cumulativeLost + ' (' + (s.fractionLost * 100).toFixed(1) + '%)'
    var values = [s.protocol, s.remoteAddress, s.transport, s.path, formatBytes(s.bytesSent), loss, formatAge(s.since)]
    values.forEach(function (v, i) { if (r.cells[i].textContent !== v) r.cells[i].textContent = v })
  })
  rows.forEach(function (r, id) { if (!seen.has(id)) { r.tr.remove(); rows.delete(id) } })
  $('session-count').textContent = String(items.length)
  PROTOCOLS.forEach(function (k) { $('count-' + k).textContent = String(counts[k]) })
  $('no-sessions').hidden = items.length > 0
}

${LIVE_PLAYER_SCRIPT}
${NODES_SCRIPT}
async function getJson(url) {
  var res = await fetch(url, { cache: 'no-store' })
  var body = await res.json()
  if (!res.ok) throw new Error(body.error ? body.error.message : 'HTTP ' + res.status)
  return body
}

async function poll() {
  for (;;) {
    try {
      var answers = await Promise.all([getJson('/v1/paths'), getJson('/v1/sessions'), pollNodes()])
      renderPaths(answers[0].items)
      renderSessions(answers[1].items)
      $('status').textContent = 'live'
      $('status').className = 'live'
      $('error').textContent = ''
    } catch (e) {
      $('status').textContent = 'offline'
      $('status').className = 'offline'
      $('error').textContent = 'The API does not answer: ' + e.message
    }
    await new Promise(function (resolve) { setTimeout(resolve, POLL_MS) })
  }
}

poll()
</script>
</body>
</html>
`
