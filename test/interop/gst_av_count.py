#!/usr/bin/python3
"""Plays URI with playbin into fake sinks and counts decoded video frames and audio buffers.

Usage: gst_av_count.py VIDEO_FRAMES AUDIO_BUFFERS TIMEOUT_S URI
Stops once both counts are reached (or on error, EOS, timeout).
Prints JSON: {"video": n, "audio": n, "width": w, "height": h, "error": str|null}.
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

Gst.init(None)
want_video = int(sys.argv[1])
want_audio = int(sys.argv[2])
timeout = float(sys.argv[3])
playbin = Gst.ElementFactory.make("playbin", None)
playbin.set_property("uri", sys.argv[4])
vsink = Gst.ElementFactory.make("fakesink", "vsink")
asink = Gst.ElementFactory.make("fakesink", "asink")
for s in (vsink, asink):
    s.set_property("sync", True)
playbin.set_property("video-sink", vsink)
playbin.set_property("audio-sink", asink)
result = {"video": 0, "audio": 0, "width": None, "height": None, "error": None}
loop = GLib.MainLoop()


def done():
    return result["video"] >= want_video and result["audio"] >= want_audio


def on_video(pad, info):
    result["video"] += 1
    if result["width"] is None:
        caps = pad.get_current_caps()
        if caps:
            st = caps.get_structure(0)
            result["width"] = st.get_value("width")
            result["height"] = st.get_value("height")
    if done():
        GLib.idle_add(loop.quit)
    return Gst.PadProbeReturn.OK


def on_audio(pad, info):
    result["audio"] += 1
    if done():
        GLib.idle_add(loop.quit)
    return Gst.PadProbeReturn.OK


vsink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_video)
asink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_audio)
bus = playbin.get_bus()
bus.add_signal_watch()


def on_message(bus, msg):
    if msg.type == Gst.MessageType.ERROR:
        err, dbg = msg.parse_error()
        result["error"] = f"{err.message} ({dbg})"
        loop.quit()
    elif msg.type == Gst.MessageType.EOS:
        loop.quit()


bus.connect("message", on_message)
GLib.timeout_add(int(timeout * 1000), loop.quit)
playbin.set_state(Gst.State.PLAYING)
loop.run()
playbin.set_state(Gst.State.NULL)
print(json.dumps(result))
