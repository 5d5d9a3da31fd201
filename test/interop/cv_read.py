#!/usr/bin/python3
"""Opens an RTSP URL with OpenCV (FFmpeg backend) and reads frames, as a player would.

Usage: cv_read.py URL FRAMES [tcp|udp]
       cv_read.py PIPELINE FRAMES gstreamer   (cv2.CAP_GSTREAMER: a pipeline ending in appsink)
Prints JSON: {"opened": bool, "frames": n, "shape": [h, w, c] | null}.
"""
import json
import os
import sys

url, want = sys.argv[1], int(sys.argv[2])
transport = sys.argv[3] if len(sys.argv) > 3 else "tcp"
os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = f"rtsp_transport;{transport}"
import cv2  # noqa: E402

cap = cv2.VideoCapture(url, cv2.CAP_GSTREAMER if transport == "gstreamer" else cv2.CAP_FFMPEG)
out = {"opened": bool(cap.isOpened()), "frames": 0, "shape": None}
while out["opened"] and out["frames"] < want:
    ok, frame = cap.read()
    if not ok:
        break
    out["frames"] += 1
    out["shape"] = list(frame.shape)
cap.release()
print(json.dumps(out))
