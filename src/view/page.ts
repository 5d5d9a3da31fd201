/**
 * The page of `rtspkit view`, as a string so that it ships inside dist/ with the code that serves it.
 * The teaching client's window: the picture, SETUP / PLAY / PAUSE / TEARDOWN, the state, and stats.
 *
 * The script reads GET /video (video-wire.ts) with a fetch stream reader. JPEG frames are decoded by
 * createImageBitmap; H.264 by WebCodecs' VideoDecoder with the avcC record as its description. Both
 * are drawn on one canvas, which takes the picture's size. A decode still running when the next picture
 * arrives makes that picture wait, replacing any waiting one (JPEG), or is dropped up to the next
 * keyframe when the decoder falls behind (H.264): the page shows the newest picture, not a backlog.
 *
 * Kept free of backquotes and dollar-brace so it can live in this template literal as written.
 */
export const VIEW_PAGE: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rtspkit view</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 0; background: #ececec; color: #222; }
  main { max-width: 680px; margin: 16px auto; padding: 12px; background: #f8f8f8; border: 1px solid #bbb; }
  h1 { font-size: 15px; margin: 0 0 8px; font-weight: 600; word-break: break-all; }
  #screen { position: relative; background: #000; min-height: 240px; display: flex; align-items: center; justify-content: center; }
  #video { display: block; max-width: 100%; image-rendering: auto; }
  #note { position: absolute; left: 0; right: 0; top: 45%; text-align: center; color: #ddd; padding: 0 12px; }
  #note:empty { display: none; }
  .buttons { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; margin: 10px 0; }
  button { font: inherit; font-weight: 600; padding: 8px 0; border: 1px solid #888; border-radius: 3px; background: #e4e4e4; cursor: pointer; }
  button:disabled { color: #999; cursor: default; background: #eee; }
  #state { font-weight: 700; font-family: ui-monospace, monospace; }
  .INIT { color: #555; } .READY { color: #a66a00; } .PLAYING { color: #0a7a20; }
  table { border-collapse: collapse; width: 100%; font-family: ui-monospace, monospace; font-size: 13px; }
  td { padding: 2px 6px; border-bottom: 1px solid #e0e0e0; } td:first-child { color: #666; width: 40%; }
  #error { color: #b00020; min-height: 1.2em; margin-top: 6px; }
</style>
</head>
<body>
<main>
  <h1 id="url">rtspkit view</h1>
  <div id="screen"><canvas id="video" width="320" height="240"></canvas><div id="note">Press SETUP, then PLAY.</div></div>
  <div class="buttons">
    <button id="setup" data-action="setup">SETUP</button>
    <button id="play" data-action="play">PLAY</button>
    <button id="pause" data-action="pause">PAUSE</button>
    <button id="teardown" data-action="teardown">TEARDOWN</button>
  </div>
  <div>State: <span id="state" class="INIT">INIT</span></div>
  <table>
    <tr><td>track</td><td id="track">-</td></tr>
    <tr><td>pictures shown</td><td id="frames">0</td></tr>
    <tr><td>shown fps</td><td id="fps">0.0</td></tr>
    <tr><td>frames received</td><td id="received">0</td></tr>
    <tr><td>bytes received</td><td id="bytes">0</td></tr>
    <tr><td>received fps</td><td id="rfps">0</td></tr>
    <tr><td>packets lost</td><td id="loss">0</td></tr>
    <tr><td>jitter</td><td id="jitter">0.0 ms</td></tr>
  </table>
  <div id="error" role="alert"></div>
</main>
<script>
'use strict'
var WIRE_HEADER = 12, KIND_JPEG = 1, KIND_AVC_CONFIG = 2, KIND_AVC_SAMPLE = 3, FLAG_KEYFRAME = 1
var POLL_MS = 500, RETRY_MS = 1000, MAX_DECODE_QUEUE = 8
function $(id) { return document.getElementById(id) }
var canvas = $('video'), ctx = canvas.getContext('2d')
var last = null, busy = false, gen = 0, shown = 0, shownTimes = []
var jpegBusy = false, jpegWaiting = null
var decoder = null, decoderConfig = null, waitKey = true, h264Note = ''

function draw(image, width, height) {
  if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height }
  ctx.drawImage(image, 0, 0)
  shown++
  shownTimes.push(performance.now())
  $('frames').textContent = String(shown)
}

function shownFps() {
  var now = performance.now()
  while (shownTimes.length && now - shownTimes[0] > 1000) shownTimes.shift()
  return shownTimes.length
}

function showJpeg(data) {
  if (jpegBusy) { jpegWaiting = data; return }
  jpegBusy = true
  createImageBitmap(new Blob([data], { type: 'image/jpeg' })).then(function (bmp) {
    draw(bmp, bmp.width, bmp.height)
    bmp.close()
  }, function (e) { showError('a JPEG frame did not decode: ' + e.message) }).then(function () {
    jpegBusy = false
    var next = jpegWaiting
    jpegWaiting = null
    if (next) showJpeg(next)
  })
}

function hex2(n) { return (n < 16 ? '0' : '') + n.toString(16).toUpperCase() }

function configureH264(avcC) {
  if (typeof VideoDecoder === 'undefined') {
    h264Note = 'This browser has no WebCodecs VideoDecoder: H.264 cannot be shown here (stats only).'
    return
  }
  var cfg = { codec: 'avc1.' + hex2(avcC[1]) + hex2(avcC[2]) + hex2(avcC[3]), description: avcC, optimizeForLatency: true }
  decoderConfig = null
  VideoDecoder.isConfigSupported(cfg).then(function (r) {
    if (!r.supported) { h264Note = 'This browser cannot decode H.264 ' + cfg.codec + ' (stats only).'; return }
    if (!decoder || decoder.state === 'closed') {
      decoder = new VideoDecoder({
        output: function (frame) { draw(frame, frame.displayWidth, frame.displayHeight); frame.close() },
        error: function (e) { h264Note = 'H.264 decoding failed: ' + e.message; decoderConfig = null },
      })
    }
    decoder.configure(cfg)
    decoderConfig = cfg
    waitKey = true
    h264Note = ''
  }, function (e) { h264Note = 'H.264 ' + cfg.codec + ' is not supported here: ' + e.message })
}

function showH264(data, keyframe, ptsMs) {
  if (!decoderConfig || decoder.state !== 'configured') return
  if (decoder.decodeQueueSize > MAX_DECODE_QUEUE) waitKey = true
  if (waitKey && !keyframe) return
  waitKey = false
  decoder.decode(new EncodedVideoChunk({ type: keyframe ? 'key' : 'delta', timestamp: ptsMs * 1000, data: data }))
}

function onMessage(kind, keyframe, ptsMs, payload) {
  if (kind === KIND_JPEG) showJpeg(payload)
  else if (kind === KIND_AVC_CONFIG) configureH264(payload.slice())
  else if (kind === KIND_AVC_SAMPLE) showH264(payload, keyframe, ptsMs)
}

async function readVideo() {
  for (;;) {
    try {
      var res = await fetch('/video', { cache: 'no-store' })
      if (!res.ok || !res.body) throw new Error('GET /video: ' + res.status)
      var reader = res.body.getReader()
      var pending = new Uint8Array(0)
      for (;;) {
        var r = await reader.read()
        if (r.done) break
        var joined = new Uint8Array(pending.length + r.value.length)
        joined.set(pending)
        joined.set(r.value, pending.length)
        var view = new DataView(joined.buffer), off = 0
        while (joined.length - off >= WIRE_HEADER) {
          var length = view.getUint32(off + 8)
          if (joined.length - off - WIRE_HEADER < length) break
          var body = joined.subarray(off + WIRE_HEADER, off + WIRE_HEADER + length)
          onMessage(joined[off], (joined[off + 1] & FLAG_KEYFRAME) !== 0, view.getUint32(off + 4), body)
          off += WIRE_HEADER + length
        }
        pending = joined.subarray(off)
      }
    } catch (e) { /* the view server went away: try again */ }
    await new Promise(function (resolve) { setTimeout(resolve, RETRY_MS) })
  }
}

function showError(text) { $('error').textContent = text || '' }

function render(s) {
  last = s
  $('url').textContent = s.url
  document.title = 'rtspkit view: ' + s.url
  $('state').textContent = s.state
  $('state').className = s.state
  var t = s.track
  $('track').textContent = t ? t.encodingName + (t.width ? ' ' + t.width + 'x' + t.height : '') + (s.transport ? ' over ' + s.transport.toUpperCase() : '') : '-'
  var st = s.stats
  $('received').textContent = String(st.frames)
  $('bytes').textContent = st.bytes.toLocaleString('en')
  $('rfps').textContent = String(st.fps)
  $('loss').textContent = st.lost + ' of ' + (st.packets + st.lost) + ' (' + st.lossPercent.toFixed(1) + '%)'
  $('jitter').textContent = st.jitterMs.toFixed(1) + ' ms'
  $('fps').textContent = String(shownFps())
  var note = ''
  if (t && !t.shown) note = t.encodingName + ' video cannot be shown in the browser without transcoding (JPEG and H.264 can); stats only.'
  else if (t && t.codec === 'h264' && h264Note) note = h264Note
  else if (s.state === 'INIT') note = shown ? '' : 'Press SETUP, then PLAY.'
  else if (s.state === 'READY' && !shown) note = 'Ready: press PLAY.'
  $('note').textContent = note
  showError(s.error)
  setButtons()
}

function setButtons() {
  var state = last ? last.state : 'INIT'
  $('setup').disabled = busy || state !== 'INIT'
  $('play').disabled = busy || state !== 'READY'
  $('pause').disabled = busy || state !== 'PLAYING'
  $('teardown').disabled = busy || state === 'INIT'
}

async function act(action) {
  busy = true
  gen++ // a poll answered before this action must not overwrite its result
  setButtons()
  try {
    var res = await fetch('/' + action, { method: 'POST' })
    render(await res.json())
  } catch (e) {
    showError(action.toUpperCase() + ' failed: ' + e.message)
  } finally {
    busy = false
    gen++
    setButtons()
  }
}

async function poll() {
  for (;;) {
    var g = gen
    try {
      var s = await (await fetch('/state', { cache: 'no-store' })).json()
      if (!busy && g === gen) render(s)
    } catch (e) { showError('the view server does not answer') }
    await new Promise(function (resolve) { setTimeout(resolve, POLL_MS) })
  }
}

document.querySelectorAll('button[data-action]').forEach(function (b) {
  b.addEventListener('click', function () { act(b.dataset.action) })
})
setButtons()
poll()
readVideo()
</script>
</body>
</html>
`
