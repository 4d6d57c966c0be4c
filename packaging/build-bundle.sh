#!/usr/bin/env bash
# Builds the desktop bundle for people without Python: a one-folder PyInstaller build at
# dist/hoist/ whose dist/hoist/hoist is both the window and the command line. Then it checks
# the result the way a user would: --version, the window with its demo server (offscreen),
# an upload from the command line to that server, and a file handed to the window.
#
#   bash packaging/build-bundle.sh            # build and smoke-test (a few minutes)
#   bash packaging/build-bundle.sh --no-smoke # build only
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/build/bundle
venv=$build/venv
smoke=1; [ "${1:-}" = "--no-smoke" ] && smoke=0

# Qt's system libraries, as for the app itself (install.sh installs only what is missing).
bash packaging/install.sh >/dev/null

# A build environment of its own: the locked dependencies (hashes checked), the app installed
# as users get it (not editable), plus PyInstaller. The lock's test tools are installed too but
# never bundled: PyInstaller takes only what hoist imports.
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q --require-hashes -r "$root/requirements.lock"
"$venv/bin/python" -m pip install -q --no-deps "$root"
"$venv/bin/python" -m pip install -q "pyinstaller>=6.0"

rm -rf "$root/dist/hoist"
# The demo server is moto's S3 only; moto loads its backends by name, so name what it needs.
# Qt modules Hoist never imports are left out; so is everything moto needs for other services.
"$venv/bin/pyinstaller" --noconfirm --clean --onedir --name hoist \
    --distpath "$root/dist" --workpath "$build/work" --specpath "$build" \
    --collect-data hoist.resources \
    --collect-submodules watchdog.observers \
    --collect-submodules moto.s3 --collect-submodules moto.moto_server \
    --collect-submodules moto.moto_api --collect-submodules moto.core \
    --collect-data moto.s3 --copy-metadata moto --copy-metadata boto3 --copy-metadata botocore \
    --exclude-module tkinter --exclude-module PySide6.QtQml --exclude-module PySide6.QtQuick \
    --exclude-module PySide6.QtOpenGL --exclude-module PySide6.QtPdf \
    --exclude-module PySide6.QtSql --exclude-module PySide6.QtTest \
    --log-level WARN packaging/hoist_entry.py

# botocore ships the API models of every AWS service (~25 MiB); Hoist calls S3, and STS, SSO
# and sign-in only while resolving a profile's credentials. The endpoint files stay.
internal=$root/dist/hoist/_internal
for service in "$internal"/botocore/data/*/; do
    case $(basename "$service") in s3|sts|sso|sso-oidc|signin) ;; *) rm -rf "$service" ;; esac
done
for service in "$internal"/boto3/data/*/; do
    [ "$(basename "$service")" = s3 ] || rm -rf "$service"
done

# Icons in the sizes desktops look for, drawn from the same SVG the window uses.
icons=$root/dist/hoist/share/icons/hicolor
QT_QPA_PLATFORM=offscreen "$venv/bin/python" - "$icons" <<'PY'
import sys
from pathlib import Path
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtCore import Qt
from PySide6.QtSvg import QSvgRenderer
from importlib.resources import files
app = QGuiApplication([])
svg = files("hoist.resources").joinpath("icons", "hoist.svg").read_bytes()
renderer = QSvgRenderer(svg)
for size in (16, 24, 32, 48, 64, 128, 256, 512):
    image = QImage(size, size, QImage.Format_ARGB32)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out = Path(sys.argv[1]) / f"{size}x{size}" / "apps" / "io.hoist.Hoist.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(out))
scalable = Path(sys.argv[1]) / "scalable" / "apps" / "io.hoist.Hoist.svg"
scalable.parent.mkdir(parents=True, exist_ok=True)
scalable.write_bytes(svg)
PY
install -Dm644 packaging/hoist.desktop "$root/dist/hoist/share/applications/io.hoist.Hoist.desktop"
install -Dm644 packaging/io.hoist.Hoist.metainfo.xml "$root/dist/hoist/share/metainfo/io.hoist.Hoist.metainfo.xml"
echo "Built dist/hoist/hoist ($(du -sh "$root/dist/hoist" | cut -f1))"

[ "$smoke" = 1 ] || exit 0
bash packaging/smoke-bundle.sh "$root/dist/hoist/hoist"
