#!/usr/bin/env bash
# Installs Hoist into ./.venv, with the system libraries Qt needs on Debian/Ubuntu.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt's libraries: xcb for a real window, EGL/GL, fonts and D-Bus for both window and offscreen.
qt_libs="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
         libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
         libxcb-randr0 libxcb-render-util0 libxcb-image0 fonts-dejavu-core"
if command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
    missing=""
    for pkg in $qt_libs; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        echo "Installing Qt's system libraries:$missing"
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
    fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# Exactly the versions in requirements.lock, each checked against its hash (the lock covers
# the demo and test extras; packaging/refresh-lock.sh remakes it); then Hoist itself.
.venv/bin/python -m pip install -q --require-hashes -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
# the second S3 server the tests run against (SeaweedFS), so the README's test command runs them all
bash packaging/install-test-servers.sh
echo "Installed. Start the window with: .venv/bin/hoist --demo"
