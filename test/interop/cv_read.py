#!/usr/bin/python3
"""Opens an RTSP URL with OpenCV (FFmpeg backend) and reads frames, as a player would.

Usage: cv_read.py URL FRAMES [tcp|udp] [SAVE]
       cv_read.py PIPELINE FRAMES gstreamer [SAVE]   (cv2.CAP_GSTREAMER: a pipeline ending in appsink)
Prints JSON: {"opened": bool, "frames": n, "shape": [h, w, c] | null}.
With SAVE, the last frame read is written there as raw pixels in OpenCV's order (BGR, rows top down).
"""
import json
import os
import sys

url, want = sys.argv[1], int(sys.argv[2])
transport = sys.argv[3] if len(sys.argv) > 3 else "tcp"
save = sys.argv[4] if len(sys.argv) > 4 else None
os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = f"rtsp_transport;{transport}"
import cv2  # noqa: E402

cap = cv2.VideoCapture(url, cv2.CAP_GSTREAMER if transport == "gstreamer" else cv2.CAP_FFMPEG)
out = {"opened": bool(cap.isOpened()), "frames": 0, "shape": None}
last = None
while out["opened"] and out["frames"] < want:
    ok, frame = cap.read()
    if not ok:
        break
    out["frames"] += 1
    out["shape"] = list(frame.shape)
    last = frame
cap.release()
if save and last is not None:
    with open(save, "wb") as f:
        f.write(last.tobytes())
print(json.dumps(out))
