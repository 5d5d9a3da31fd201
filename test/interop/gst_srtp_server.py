"""gst-rtsp-server over TLS offering SRTP (RTP/SAVP, keys by MIKEY), H.264 test video at rtsps://127.0.0.1:PORT/test.

usage: gst_srtp_server.py PORT CERT_PEM KEY_PEM [--tcp-only]
Prints READY once listening, BIND_FAILED (exit 2) when the port is taken.
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("cert")
    p.add_argument("key")
    p.add_argument("--tcp-only", action="store_true")
    a = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    factory.set_shared(True)
    factory.set_profiles(GstRtsp.RTSPProfile.SAVP)
    if a.tcp_only:
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)

    with open(a.cert) as c, open(a.key) as k:
        pem = c.read() + k.read()
    auth = GstRtspServer.RTSPAuth()
    auth.set_tls_certificate(Gio.TlsCertificate.new_from_pem(pem, -1))
    # Anyone may play: a default token with a role the factory lets in.
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "anonymous")
    auth.set_default_token(token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role_from_structure(
        Gst.Structure.from_string("anonymous, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0]
    )
    factory.set_permissions(permissions)

    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print("BIND_FAILED", flush=True)
        sys.exit(2)
    print("READY", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
