/**
 * The page GET /PATH answers: a WHEP player in plain JavaScript (no external script), as MediaMTX
 * serves one. It offers recvonly video and audio, POSTs the offer to /PATH/whep, trickles its
 * candidates with PATCH to the Location it got, and DELETEs the session when the page goes. It
 * starts muted (browsers only autoplay muted video) with a button to unmute, and says what the
 * path's audio is — some audio codecs cannot travel over WebRTC, and such paths play video only.
 *
 * For tests and the dashboard it keeps `window.rtspkitPlayer`: state, frames shown, first-frame time.
 */

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export function playerPage(path: string): string {
  const title = escapeHtml(path)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} - rtspkit WebRTC</title>
<style>
html,body{margin:0;height:100%;background:#111;color:#ddd;font:14px system-ui,sans-serif}
#wrap{position:relative;height:100%;display:flex;flex-direction:column}
video{flex:1;width:100%;min-height:0;background:#000;object-fit:contain}
#bar{display:flex;gap:1em;align-items:center;padding:.4em .8em;background:#1b1b1b}
#bar button{font:inherit;padding:.2em .8em}
#state{opacity:.8}
#audio{opacity:.8;margin-left:auto}
</style>
</head>
<body>
<div id="wrap">
<video id="video" autoplay muted playsinline></video>
<div id="bar"><button id="unmute" type="button">Unmute</button><span id="state">connecting…</span><span id="audio"></span></div>
</div>
<script>
"use strict";
(() => {
  const video = document.getElementById("video");
  const stateEl = document.getElementById("state");
  const audioEl = document.getElementById("audio");
  const unmute = document.getElementById("unmute");
  const base = location.pathname.replace(/\\/+$/, "");
  const player = (window.rtspkitPlayer = { state: "connecting", frames: 0, width: 0, height: 0, firstFrameMs: undefined, answerMs: undefined, connectedMs: undefined, audio: "", error: "" });
  const t0 = performance.now();
  // What the browser received, per kind (for tests and the curious: rtspkitPlayer.receiveStats()).
  player.receiveStats = async () => {
    const out = {};
    if (!pc) return out;
    const report = await pc.getStats();
    const codecs = new Map();
    report.forEach((s) => { if (s.type === "codec") codecs.set(s.id, s.mimeType); });
    report.forEach((s) => {
      if (s.type !== "inbound-rtp") return;
      out[s.kind] = { packets: s.packetsReceived || 0, bytes: s.bytesReceived || 0, codec: codecs.get(s.codecId) || "",
        frames: s.framesDecoded, samples: s.totalSamplesReceived, jitterBufferDelay: s.jitterBufferDelay, emitted: s.jitterBufferEmittedCount };
    });
    return out;
  };
  let resource = null, etag = null, pc = null, retry = null;
  const queued = [];
  const setState = (s, detail) => { player.state = s; stateEl.textContent = detail ? s + ": " + detail : s; };
  unmute.onclick = () => { video.muted = !video.muted; unmute.textContent = video.muted ? "Unmute" : "Mute"; void video.play().catch(() => {}); };
  const countFrames = () => {
    if (!("requestVideoFrameCallback" in HTMLVideoElement.prototype)) return;
    const cb = (_now, meta) => {
      player.frames++;
      player.width = meta.width; player.height = meta.height;
      if (player.firstFrameMs === undefined) { player.firstFrameMs = performance.now() - t0; setState("playing"); }
      video.requestVideoFrameCallback(cb);
    };
    video.requestVideoFrameCallback(cb);
  };
  const fragment = (cands) => {
    const lines = [];
    const sdp = pc.localDescription.sdp;
    const ufrag = /a=ice-ufrag:(\\S+)/.exec(sdp), pwd = /a=ice-pwd:(\\S+)/.exec(sdp);
    if (ufrag) lines.push("a=ice-ufrag:" + ufrag[1]);
    if (pwd) lines.push("a=ice-pwd:" + pwd[1]);
    const byMid = new Map();
    for (const c of cands) { const k = c.sdpMid || "0"; if (!byMid.has(k)) byMid.set(k, []); byMid.get(k).push(c); }
    for (const [mid, cs] of byMid) {
      lines.push("m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:" + mid);
      for (const c of cs) lines.push("a=" + c.candidate);
    }
    return lines.join("\\r\\n") + "\\r\\n";
  };
  const sendCandidates = () => {
    if (!resource || queued.length === 0) return;
    const body = fragment(queued.splice(0));
    const headers = { "Content-Type": "application/trickle-ice-sdpfrag" };
    if (etag) headers["If-Match"] = etag;
    void fetch(resource, { method: "PATCH", headers, body }).catch(() => {});
  };
  const start = async () => {
    pc = new RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; void video.play().catch(() => {}); };
    pc.onicecandidate = (e) => { if (e.candidate && e.candidate.candidate) { queued.push(e.candidate); sendCandidates(); } };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") player.connectedMs = performance.now() - t0;
      if (pc.connectionState === "connected") setState(player.frames > 0 ? "playing" : "connected");
      if (pc.connectionState === "failed") { setState("failed", "the connection was lost"); scheduleRetry(); }
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const res = await fetch(base + "/whep" + location.search, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: offer.sdp });
    if (res.status !== 201) {
      const text = (await res.text()).trim();
      player.error = res.status + " " + text;
      setState("error", res.status + " " + text);
      if (res.status !== 406 && res.status !== 401 && res.status !== 403) scheduleRetry();
      return;
    }
    player.answerMs = performance.now() - t0;
    resource = new URL(res.headers.get("Location"), location.href).href;
    etag = res.headers.get("ETag");
    const audio = res.headers.get("X-Rtspkit-Audio") || "";
    player.audio = audio;
    audioEl.textContent = audio ? "audio: " + audio : "";
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    sendCandidates();
  };
  const stop = () => {
    if (resource) { void fetch(resource, { method: "DELETE", keepalive: true }).catch(() => {}); resource = null; }
    if (pc) { pc.close(); pc = null; }
  };
  const scheduleRetry = () => {
    if (retry) return;
    retry = setTimeout(() => { retry = null; stop(); start().catch(fail); }, 2000);
  };
  const fail = (err) => { player.error = String(err); setState("error", String(err)); scheduleRetry(); };
  window.addEventListener("pagehide", stop);
  countFrames();
  start().catch(fail);
})();
</script>
</body>
</html>
`
}
