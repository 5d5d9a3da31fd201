"""An RTSP reader that plays over TCP and then never reads, with the smallest receive buffer.

Usage: stalled_tcp_reader.py PORT URL. Prints the session id once playing, then sleeps.
"""
import re
import socket
import sys
import time

port, url = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
s.connect(("127.0.0.1", port))
buf = b""


def ask(req):
    global buf
    s.sendall(req.encode())
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = re.search(rb"Content-Length: *(\d+)", head, re.I)
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        rest += s.recv(4096)
    buf = rest[n:]
    return head.decode()


ask(f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n")
h = ask(f"SETUP {url}/trackID=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n")
sid = re.search(r"Session: *([^;\r\n]+)", h).group(1)
ask(f"PLAY {url} RTSP/1.0\r\nCSeq: 3\r\nSession: {sid}\r\n\r\n")
print(sid, flush=True)
time.sleep(120)
