#!/usr/bin/env bash
# Installs what the test suites need, idempotently and quietly when all is present:
# npm dependencies (npm ci when package-lock.json changed), and as root the Debian/Fedora
# packages some tests use (protoc checks our .proto files, Chromium runs the web UI tests,
# ZooKeeper's servers back the high-availability tests).
# Without root, the tests that need a missing tool skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/npm-deps.sh

if [ "$(id -u)" = 0 ]; then
  missing=()
  command -v protoc >/dev/null || missing+=(protobuf-compiler)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # ZooKeeper: the server's jar and its libraries (a JRE comes with the package); Debian puts
  # them in /usr/share/java, Fedora in /usr/share/java/zookeeper. Same name on both.
  { [ -f /usr/share/java/zookeeper.jar ] || [ -f /usr/share/java/zookeeper/zookeeper.jar ]; } || missing+=(zookeeper)
  # Docker tests: the daemon, and a static busybox to build a local image from (no registry).
  if command -v apt-get >/dev/null; then
    command -v dockerd >/dev/null || missing+=(docker.io)
    { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || missing+=(busybox-static)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    if command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    elif command -v dnf >/dev/null; then
      # Fedora names: protobuf-compiler, chromium, zookeeper (same), installed quietly.
      dnf install -y -q "${missing[@]}" >/dev/null
    fi
  fi
  # Start dockerd when no daemon answers. Measured on Debian 12 (docker.io 20.10.24, API 1.41):
  # `dockerd --iptables=false` leaves the host's firewall rules alone; BRIDGE port mappings then
  # go through docker-proxy and are reachable on loopback. Default overlay2 storage and cgroupfs.
  if command -v dockerd >/dev/null && ! docker version >/dev/null 2>&1; then
    echo "== starting dockerd (log: test/.cache/dockerd.log)"
    mkdir -p test/.cache
    setsid dockerd --iptables=false >>test/.cache/dockerd.log 2>&1 </dev/null &
    for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
  fi
fi
