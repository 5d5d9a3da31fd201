/**
 * The dashboard's live player, as script text for the page (see dashboard-page.ts): each H.264 card
 * (and H.265 where the browser decodes it) plays its path in a muted <video>.
 *
 * First over WebRTC with a minimal WHEP client (draft-ietf-wish-whep): a recvonly RTCPeerConnection,
 * its offer (ICE candidates gathered, no trickle) POSTed as application/sdp to `PATH/whep?preview=1`
 * on the WebRTC server — `preview=1` makes the server open the session as a preview, counted nowhere —
 * the answer set as remote description, and the Location it returned DELETEd when the card goes or
 * the page unloads. When that fails (no WebRTC server, no answer, ICE failure, no picture within a
 * few seconds), over Low-Latency HLS with hls.js, which the API serves itself at /hls.min.js
 * (`PATH/index.m3u8?preview=1`). A picture that stops moving starts the whole thing over.
 *
 * The WebRTC and HLS servers are on other ports, so every request here is cross-origin: those
 * servers answer CORS preflights, and must expose the Location header for the DELETE to be sent.
 * A server URL with the wildcard host (0.0.0.0, [::]) means every interface: the page then uses the
 * host it was loaded from (and so for a loopback host when the page was not loaded over loopback).
 *
 * Kept free of backquotes, dollar-brace and backslashes so it can live in this template literal.
 */
export const LIVE_PLAYER_SCRIPT: string = `
var WEBRTC_TIMEOUT_MS = 6000, HLS_TIMEOUT_MS = 20000, ICE_GATHER_MS = 2000, LIVE_RETRY_MS = 10000, STALL_MS = 10000
var MSE_TYPES = { h264: 'video/mp4; codecs="avc1.42E01E"', h265: 'video/mp4; codecs="hvc1.1.6.L93.B0"' }
var hlsScript = null

function noop() {}

function isLoopback(host) { return host === 'localhost' || host === '[::1]' || host.startsWith('127.') }

/**
 * The URL with the page's host in place of a wildcard one (the server listens everywhere), or of a
 * loopback one when the page itself came from elsewhere (a server's own URL names loopback when it
 * listens everywhere); without a trailing slash.
 */
function browserUrl(u) {
  var x = new URL(u)
  if (x.hostname === '0.0.0.0' || x.hostname === '[::]' || (isLoopback(x.hostname) && !isLoopback(location.hostname))) {
    x.hostname = location.hostname
  }
  var h = x.href
  while (h.endsWith('/')) h = h.slice(0, -1)
  return h
}

function webrtcDecodes(codec) {
  if (!window.RTCPeerConnection || !window.RTCRtpReceiver || !RTCRtpReceiver.getCapabilities) return false
  var caps = RTCRtpReceiver.getCapabilities('video'), want = 'video/' + codec
  return !!caps && caps.codecs.some(function (k) { return k.mimeType.toLowerCase() === want })
}

function mseDecodes(codec) {
  var MS = window.ManagedMediaSource || window.MediaSource
  if (MS && MS.isTypeSupported(MSE_TYPES[codec])) return true
  return codec === 'h264' && document.createElement('video').canPlayType('application/vnd.apple.mpegurl') !== ''
}

/** How this browser can play the path live, best first: 'webrtc', 'hls'; none for other codecs. */
function liveMethods(p, codec) {
  var m = []
  if (codec !== 'h264' && codec !== 'h265') return m
  if (p.webrtcUrl && webrtcDecodes(codec)) m.push('webrtc')
  if (p.hlsUrl && mseDecodes(codec)) m.push('hls')
  return m
}

function liveVideo(c) {
  if (c.video) return c.video
  var v = el('video', 'live')
  v.muted = true
  v.autoplay = true
  v.playsInline = true
  v.setAttribute('muted', '')
  v.setAttribute('playsinline', '')
  v.hidden = true
  c.screen.insertBefore(v, c.note)
  c.video = v
  return v
}

/** Resolves at the first decoded picture, rejects after timeoutMs. */
function firstFrame(video, timeoutMs) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error('no picture within ' + timeoutMs / 1000 + ' s')) }, timeoutMs)
    function done() { clearTimeout(timer); resolve() }
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(done)
    else video.addEventListener('playing', done, { once: true })
  })
}

function iceGathered(pc, ms) {
  return new Promise(function (resolve) {
    if (pc.iceGatheringState === 'complete') return resolve()
    var timer = setTimeout(resolve, ms)
    pc.addEventListener('icegatheringstatechange', function () {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve() }
    })
  })
}

async function playWebrtc(c, live, base) {
  var pc = new RTCPeerConnection()
  live.pc = pc
  pc.addTransceiver('video', { direction: 'recvonly' })
  pc.ontrack = function (ev) {
    if (live.stopped) return
    c.video.srcObject = ev.streams[0] || new MediaStream([ev.track])
    c.video.play().catch(noop)
  }
  pc.onconnectionstatechange = function () {
    if (pc.connectionState === 'failed' && c.live === live) liveFailed(c, live, new Error('ICE failed'))
  }
  await pc.setLocalDescription(await pc.createOffer())
  await iceGathered(pc, ICE_GATHER_MS)
  var endpoint = base + '/whep?preview=1'
  var res = await fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp })
  if (res.status !== 201 && res.status !== 200) throw new Error('WHEP answered ' + res.status)
  var where = res.headers.get('Location')
  if (where) live.location = new URL(where, endpoint).href
  if (live.stopped) return endWhep(live) // the card went while the offer was out
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() })
}

function endWhep(live) {
  if (!live.location) return
  var url = live.location
  live.location = ''
  fetch(url, { method: 'DELETE', keepalive: true }).catch(noop)
}

function loadHlsJs() {
  if (!hlsScript) {
    hlsScript = new Promise(function (resolve, reject) {
      var s = document.createElement('script')
      s.src = '/hls.min.js'
      s.onload = function () { resolve(window.Hls) }
      s.onerror = function () { hlsScript = null; reject(new Error('hls.js did not load')) }
      document.head.appendChild(s)
    })
  }
  return hlsScript
}

async function playHls(c, live, base) {
  var src = base + '/index.m3u8?preview=1', video = c.video
  if (window.MediaSource || window.ManagedMediaSource) {
    var Hls = await loadHlsJs()
    if (live.stopped) return
    if (Hls && Hls.isSupported()) {
      var hls = new Hls({ lowLatencyMode: true, backBufferLength: 10 })
      live.hls = hls
      hls.on(Hls.Events.ERROR, function (_event, data) {
        if (data.fatal && c.live === live) liveFailed(c, live, new Error('HLS ' + data.details))
      })
      hls.on(Hls.Events.MANIFEST_PARSED, function () { video.play().catch(noop) })
      hls.loadSource(src)
      hls.attachMedia(video)
      return
    }
  }
  if (video.canPlayType('application/vnd.apple.mpegurl') === '') throw new Error('this browser plays no HLS')
  video.src = src
  video.play().catch(noop)
}

function liveKey(p, codec) { return codec + ' ' + p.webrtcUrl + ' ' + p.hlsUrl }

function startLive(c, p, codec, methods) {
  c.liveMethods = methods
  c.liveIndex = 0
  c.liveErrors = []
  c.liveKey = liveKey(p, codec)
  tryLive(c, p)
}

function tryLive(c, p) {
  var method = c.liveMethods[c.liveIndex]
  var live = { method: method, pc: null, hls: null, location: '', stopped: false, playing: false, lastTime: -1, progressAt: 0, p: p }
  var video = liveVideo(c)
  c.live = live
  c.img.removeAttribute('src')
  video.hidden = false
  c.note.textContent = 'connecting over ' + (method === 'webrtc' ? 'WebRTC' : 'HLS')
  var run = method === 'webrtc' ? playWebrtc(c, live, browserUrl(p.webrtcUrl)) : playHls(c, live, browserUrl(p.hlsUrl))
  run.then(function () { return firstFrame(video, method === 'webrtc' ? WEBRTC_TIMEOUT_MS : HLS_TIMEOUT_MS) }).then(
    function () {
      if (c.live !== live) return
      live.playing = true
      live.progressAt = Date.now()
      c.note.textContent = ''
      c.screen.dataset.live = method
    },
    function (e) { if (c.live === live) liveFailed(c, live, e) },
  )
}

/** One way failed: the next one, or a note and a retry later. */
function liveFailed(c, live, e) {
  stopLive(c)
  c.liveErrors.push((live.method === 'webrtc' ? 'WebRTC' : 'HLS') + ': ' + e.message)
  c.liveIndex++
  if (c.liveIndex < c.liveMethods.length) return tryLive(c, live.p)
  c.note.textContent = 'no live picture (' + c.liveErrors.join('; ') + ')'
  c.liveRetryAt = Date.now() + LIVE_RETRY_MS
}

function stopLive(c) {
  var live = c.live
  if (!live) return
  c.live = null
  live.stopped = true
  if (live.pc) live.pc.close()
  endWhep(live)
  if (live.hls) live.hls.destroy()
  if (c.video) {
    c.video.srcObject = null
    c.video.removeAttribute('src')
    c.video.load()
    c.video.hidden = true
  }
  delete c.screen.dataset.live
}

/** At each poll: start, keep or restart the card's live picture. False when the path cannot play live here. */
function showLive(c, p, codec) {
  var methods = liveMethods(p, codec)
  if (c.live && c.liveKey !== liveKey(p, codec)) stopLive(c)
  if (!methods.length) return false
  var live = c.live
  if (live) {
    if (!live.playing) return true
    if (c.video.currentTime !== live.lastTime) {
      live.lastTime = c.video.currentTime
      live.progressAt = Date.now()
    } else if (Date.now() - live.progressAt > STALL_MS) {
      stopLive(c) // kicked, or the stream went away: start over at the next poll
      c.note.textContent = 'the live picture stopped; reconnecting'
    }
    return true
  }
  if (Date.now() < (c.liveRetryAt || 0)) return true
  startLive(c, p, codec, methods)
  return true
}

window.addEventListener('pagehide', function () { cards.forEach(stopLive) })
`
