/**
 * The pages of the HLS server: a player (hls.js from the package, served by the HLS server itself, or
 * the browser's own HLS where hls.js has no MediaSource: Safari on iOS), and the page that explains why
 * a path cannot play over HLS.
 */

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const STYLE = `body{margin:0;background:#111;color:#ddd;font:14px system-ui,sans-serif}
main{max-width:1280px;margin:0 auto;padding:12px}
video{width:100%;max-height:80vh;background:#000}
.note{margin:8px 0;padding:8px 12px;background:#332b00;border-left:4px solid #e0b000}
.error{margin:8px 0;padding:8px 12px;background:#3a1111;border-left:4px solid #e04040}
code{color:#9cf}`

export interface PlayerPageInput {
  /** The path, as in the URL. */
  path: string
  /** Absolute URLs (from the server root) of hls.js and the playlist. */
  scriptUrl: string
  playlistUrl: string
  lowLatency: boolean
  /** Shown above the player (audio that cannot play). */
  notes: readonly string[]
}

export function playerPage(p: PlayerPageInput): string {
  const notes = p.notes.map((n) => `<div class="note">${escapeHtml(n)}</div>`).join('')
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(p.path)} - rtspkit HLS</title><style>${STYLE}</style></head>
<body><main>
<h1>/${escapeHtml(p.path)}</h1>
${notes}<div id="error" class="error" hidden></div>
<video id="video" controls autoplay muted playsinline></video>
</main>
<script src="${escapeHtml(p.scriptUrl)}"></script>
<script>
(function () {
  var video = document.getElementById('video')
  var box = document.getElementById('error')
  var src = ${JSON.stringify(p.playlistUrl)}
  function fail(msg) { box.textContent = msg; box.hidden = false }
  if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls({ lowLatencyMode: ${p.lowLatency ? 'true' : 'false'}, backBufferLength: 10 })
    window.rtspkitHls = hls
    hls.on(window.Hls.Events.ERROR, function (_e, data) {
      if (!data.fatal) return
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
        var r = data.response
        fail('cannot load the stream' + (r && r.code ? ' (HTTP ' + r.code + ')' : '') + '; retrying')
        setTimeout(function () { hls.loadSource(src); hls.startLoad() }, 2000)
      } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError()
      } else fail('playback failed: ' + data.details)
    })
    hls.on(window.Hls.Events.FRAG_BUFFERED, function () { box.hidden = true })
    hls.loadSource(src)
    hls.attachMedia(video)
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src
  } else fail('this browser plays neither HLS nor Media Source Extensions')
  video.play().catch(function () {})
})()
</script>
</body></html>
`
}

export interface UnplayablePageInput {
  path: string
  /** Why (the muxer's HlsCodecError message). */
  reason: string
  /** Where to watch it instead. */
  rtspUrl: string | undefined
}

export function unplayablePage(p: UnplayablePageInput): string {
  const rtsp = p.rtspUrl ? `<p>Watch it over RTSP instead: <code>${escapeHtml(p.rtspUrl)}</code> (ffplay, VLC, GStreamer).</p>` : ''
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(p.path)} - not available over HLS</title><style>${STYLE}</style></head>
<body><main>
<h1>/${escapeHtml(p.path)}</h1>
<div class="error">${escapeHtml(p.reason)}</div>
${rtsp}
</main></body></html>
`
}
