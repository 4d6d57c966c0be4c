"""The window when the disk under the checkpoint store fills up mid-upload.

SQLite reports the full disk itself: the store's database may not grow past its
size (``PRAGMA max_page_count``), on 512-byte pages so that a few checkpoints
must grow it (see tests/engine/test_disk_full.py for a real full file system).
"""

import sqlite3

from test_window import Harness, account, small_config  # noqa: F401 -- account is a fixture

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import DISK_FULL
from hoist.core.policy.planner import MiB
from hoist.core.settings.datadir import STORE_NAME
from hoist.ui.model import STATUS


def _max_pages(store, pages=None):
    db = store._db      # the limit is per connection: it must be the store's own
    with store._lock:
        count = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages or count}")


def test_rows_and_status_bar_say_the_disk_is_full_and_resume_all_finishes(
        qtbot, data_dir, account, make_file, bucket, download_sha256, sha256_file):
    db = sqlite3.connect(data_dir / STORE_NAME)
    db.execute("PRAGMA page_size = 512")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    h = Harness(qtbot, data_dir)
    # The engine on a thread of this process: the full disk is made through the store's own
    # connection. A full store's message crossing to the window from the engine's process
    # is tested in tests/engine/hosting/test_process.py.
    h.open(small_config(files_at_once=3, parts_per_file=1, parts_total=3,
                        bandwidth_limit=30 * MiB), engine="thread")
    try:
        files = [make_file(f"full/{n}.bin", 30 * MiB - n) for n in range(3)]
        h.drop_and_wait(*files, rows=3)
        qtbot.waitUntil(lambda: all(i.parts_done >= 1 for i in h.model.infos()), timeout=30_000)
        _max_pages(h.session.store)
        bar = h.window.statusBar()
        qtbot.waitUntil(lambda: bar.currentMessage() == DISK_FULL, timeout=30_000)
        qtbot.waitUntil(lambda: [i.state for i in h.model.infos()] == [TaskState.PAUSED] * 3,
                        timeout=30_000)
        qtbot.waitUntil(h.manager.is_idle, timeout=30_000)
        rows = [h.model.index(r, STATUS).data() for r in range(3)]
        assert rows == [f"Paused — {DISK_FULL}"] * 3, rows
        assert h.window.queue_actions.resume_all.isEnabled()

        _max_pages(h.session.store, 1 << 30)        # space again
        h.window.queue_actions.resume_all.trigger()
        qtbot.waitUntil(lambda: bar.currentMessage() == "")     # once the engine has resumed
        qtbot.waitUntil(lambda: [i.state for i in h.model.infos()] == [TaskState.COMPLETED] * 3,
                        timeout=60_000)
        for path in files:
            assert download_sha256(bucket, path.name) == sha256_file(path)
    finally:
        h.close()
