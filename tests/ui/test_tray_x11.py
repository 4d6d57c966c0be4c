"""The tray icon and its notifications under a real X server with a real tray host.

Offscreen there is no system tray, so this one test runs the window in a child
process on Xvfb with trayer docked: the tray icon must appear, its tooltip must
follow the upload, and the batch notification must be shown (as Qt's balloon).
"""

import json
import os
import subprocess
import sys

import pytest

from support.xdisplay import XDisplay, require_x_tools

# A real X server and a tray host: with the other timing tests, one at a time on one worker.
pytestmark = pytest.mark.xdist_group("timing")


@pytest.fixture
def x_display(tmp_path):
    require_x_tools()
    display = XDisplay(tmp_path).start()
    yield display
    display.stop()


def test_tray_icon_follows_the_upload_and_announces_the_batch(x_display, s3_server, bucket,
                                                              data_dir, make_file):
    from hoist.core.settings.accounts import Account, AccountBook
    data_dir.mkdir(parents=True, exist_ok=True)
    book = AccountBook.load(data_dir / "accounts.json")
    book.upsert(Account(name="Local moto", endpoint_url=s3_server.endpoint_url,
                        region="us-east-1", path_style=True, bucket=bucket, prefix="",
                        profile=None, access_key_id=None, verify_tls=True))
    book.save()
    from hoist.core.settings.preferences import Preferences
    Preferences(bandwidth_limit=200_000).save(data_dir / "preferences.json")  # ~1 s to watch
    path = make_file("tray.bin", 200_000)
    env = dict(os.environ, DISPLAY=x_display.display, QT_QPA_PLATFORM="xcb",
               HOIST_DATA_DIR=str(data_dir))
    child = subprocess.run([sys.executable, "-m", "support.tray_child", str(data_dir), str(path)],
                           cwd=os.path.dirname(os.path.dirname(__file__)), env=env,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    seen = json.loads(child.stdout.strip().splitlines()[-1])
    assert seen["tray"], "no system tray was found on the X display"
    assert "Hoist — nothing uploading or downloading" in seen["tooltips"]
    assert any(t.startswith("Hoist — ") and "1 uploading" in t for t in seen["tooltips"])
    assert any("Uploads finished" in b and "1 file uploaded" in b for b in seen["balloons"]), seen
