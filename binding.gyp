{
  "targets": [
    {
      "target_name": "rtspkit_udp",
      "sources": ["native/udp-sendmmsg.c"],
      "cflags": ["-Wall", "-Wextra"]
    }
  ]
}
