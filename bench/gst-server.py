#!/usr/bin/python3
"""gst-rtsp-server serving one H.264 Annex-B file through a shared media factory.

The reference server for bench/run.ts. Run with Debian's /usr/bin/python3, which is the
interpreter that python3-gi and gir1.2-gst-rtsp-server-1.0 install into:

    /usr/bin/python3 bench/gst-server.py --port 18654 --mount bench --file clip.264

Prints 'listening rtsp://HOST:PORT/MOUNT' once the socket is bound, then serves until
SIGINT or SIGTERM. One pipeline is shared by every client (set_shared), like rtspkit's
one-publisher fan-out, so both servers read, parse and packetize the file once. The file is
served as a live source, as a camera would be: not seekable (a new reader joins the running
stream instead of rewinding it for everyone) and with RTP timestamps that advance per frame.

gst-rtsp-server does not loop a file: the clip must outlast the run (bench/run.ts makes it
long enough).
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

# Raw Annex-B carries no timestamps: h264parse derives them from the frame rate, taken from the
# SPS timing info or, when the SPS has none, from the framerate in the caps set before it. The
# server's sinks sync on the pipeline clock, so the file goes out at its own frame rate
# (bench/run.ts checks the delivered bitrate against the file's).
LAUNCH = (
    "( filesrc location={file} ! video/x-h264,stream-format=byte-stream,framerate={fps}/1 "
    "! h264parse name=parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)


def stamp_pts(_pad, info):
    """h264parse gives raw Annex-B a DTS only; rtph264pay stamps RTP from the PTS, and without one
    every packet would carry the same RTP timestamp (players then cannot time frames: ffmpeg probes
    for its full 5 s analyze duration and rtspsrc's jitter buffer cannot schedule them). Computing
    the true PTS of B-frames would need the picture order counts; decode time at the frame rate is
    what rtspkit's .264 file source sends too, so both servers time the clip the same way."""
    buf = info.get_buffer()
    if buf is not None and buf.pts == Gst.CLOCK_TIME_NONE:
        buf.pts = buf.dts
    return Gst.PadProbeReturn.OK


def not_seekable(_pad, info):
    """Answers the SEEKING query as "not seekable", as a camera's live pipeline would. A file is
    seekable, and gst-rtsp-server then seeks the shared pipeline for every PLAY that carries a Range
    (ffmpeg and the bench's load client send npt=0.000-): each new reader rewound the stream for all
    readers, by about a second here. A fresh SEEKING query already says not seekable (start and end
    -1), so handling it unchanged is the answer."""
    if info.get_query().type == Gst.QueryType.SEEKING:
        return Gst.PadProbeReturn.HANDLED
    return Gst.PadProbeReturn.OK


# --seekable: the file stays seekable, and a PLAY with Range seeks the shared pipeline.
SEEKABLE = False


def on_media_configure(_factory, media):
    bin_ = media.get_element()
    bin_.get_by_name("parse").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, stamp_pts)
    if not SEEKABLE:
        bin_.get_by_name("pay0").get_static_pad("src").add_probe(Gst.PadProbeType.QUERY_UPSTREAM, not_seekable)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mount", default="bench")
    ap.add_argument("--file", required=True)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--print-launch", action="store_true", help="print the launch line and exit")
    ap.add_argument("--seekable", action="store_true", help="leave the file seekable (tools/fuzz/scenarios.ts)")
    args = ap.parse_args()
    global SEEKABLE
    SEEKABLE = args.seekable

    launch = LAUNCH.format(file=args.file, fps=args.fps)
    if args.print_launch:
        print(launch)
        return 0

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    factory.connect("media-configure", on_media_configure)
    server.get_mount_points().add_factory("/" + args.mount, factory)
    if server.attach(None) == 0:
        print(f"gst-server: cannot listen on {args.host}:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"listening rtsp://{args.host}:{server.get_bound_port()}/{args.mount}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
