#!/usr/bin/python3
"""A GStreamer player for bench/lag.ts: prints when each access unit leaves rtspsrc's jitter buffer.

    /usr/bin/python3 bench/gst-lag-reader.py --url rtsp://127.0.0.1:18554/bench --protocols tcp

Pipeline: rtspsrc (default latency) ! rtph264depay ! H.264 byte-stream, one access unit per buffer
! appsink sync=true. With sync=true the sink hands over each access unit at its running time
plus the pipeline latency, as a display sink would show it. For every access unit it prints one line,

    WALL_SECONDS HASH

WALL_SECONDS is time.time() when the sample reached the appsink; HASH is the first 16 hex digits of the
SHA-1 of the access unit's largest NAL unit (its slice), so bench/lag.ts can find the moment the
same access unit reached a reader that does not buffer. Stops on SIGINT or SIGTERM (sending
TEARDOWN), at end of stream, or on a pipeline error (printed to stderr, exit status 1).

Run with Debian's /usr/bin/python3, which python3-gi is installed for.
"""
import argparse
import hashlib
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

START_CODE = b"\x00\x00\x01"
HASH_HEX_DIGITS = 16

LAUNCH = (
    "rtspsrc location={url} protocols={protocols} ! rtph264depay "
    "! video/x-h264,stream-format=byte-stream,alignment=au "
    "! appsink name=sink sync=true emit-signals=true"
)


def largest_nal(au):
    """The largest NAL unit of an Annex-B access unit, without start codes or trailing zero bytes
    (ITU-T H.264 B.2: they belong to no NAL unit); bench/nal-hash.ts does the same."""
    best = b""
    pos = au.find(START_CODE)
    while pos >= 0:
        start = pos + len(START_CODE)
        nxt = au.find(START_CODE, start)
        nal = au[start : (len(au) if nxt < 0 else nxt)].rstrip(b"\x00")
        if len(nal) > len(best):
            best = nal
        pos = nxt
    return best


def on_sample(sink):
    now = time.time()
    sample = sink.emit("pull-sample")
    buf = sample.get_buffer()
    ok, info = buf.map(Gst.MapFlags.READ)
    if not ok:
        return Gst.FlowReturn.OK
    try:
        digest = hashlib.sha1(largest_nal(bytes(info.data))).hexdigest()[:HASH_HEX_DIGITS]
    finally:
        buf.unmap(info)
    sys.stdout.write(f"{now:.6f} {digest}\n")
    sys.stdout.flush()
    return Gst.FlowReturn.OK


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--protocols", choices=["tcp", "udp"], required=True)
    args = ap.parse_args()

    Gst.init(None)
    pipeline = Gst.parse_launch(LAUNCH.format(url=args.url, protocols=args.protocols))
    pipeline.get_by_name("sink").connect("new-sample", on_sample)
    loop = GLib.MainLoop()
    status = {"code": 0}

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print(f"gst-lag-reader: {err.message} ({debug})", file=sys.stderr)
            status["code"] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return status["code"]


if __name__ == "__main__":
    sys.exit(main())
