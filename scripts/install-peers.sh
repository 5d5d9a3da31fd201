#!/usr/bin/env bash
# Installs the real peers the interop tests decode our streams with (Debian packages), when missing;
# chromium is the browser the `rtspkit view` tests drive (playwright-core, /usr/bin/chromium);
# redis-server backs the cluster tests (test/cluster: a private instance on a free loopback port).
# g++, make and python3 build the optional native UDP sender (scripts/build-native.mjs, run at `npm ci`);
# gcc compiles the bench's C UDP sink (bench/native/udp-sink.c; test/bench/udp-sink.test.ts).
# `--build-tools` installs only those, which .ci/run does before `npm ci`.
# Run by `npm test` (pretest). Needs root (or sudo) only when something is missing.
set -euo pipefail

BUILD_TOOLS=(gcc g++ make python3)

PACKAGES=(
  ffmpeg
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0
  python3-gi python3-gst-1.0 python3-opencv
  chromium iproute2 openssl
  redis-server
  "${BUILD_TOOLS[@]}"
)
[ "${1:-}" = "--build-tools" ] && PACKAGES=("${BUILD_TOOLS[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-peers: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-peers: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
