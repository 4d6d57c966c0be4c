"""A folder of thousands of files dropped on the window: listed, checked by listing, and queued
in chunks whose rows appear one after another while the window keeps answering."""

import gc

import pytest
from PySide6.QtCore import QTimer
from test_window import Harness, account, harness, small_config  # noqa: F401 -- fixtures

from hoist.core.checkpoint.states import TaskState
from hoist.ui import intake

FILES = 2 * intake.CHUNK + 500           # three chunks


def make_folder(tmp_path, count):
    folder = tmp_path / "photos"
    for n in range(count):
        sub = folder / f"album-{n // 1000}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"IMG_{n:05}.jpg").write_bytes(b"x" * 10)
    return folder


def test_a_big_drop_is_queued_in_chunks_while_the_window_answers(harness, tmp_path, s3, bucket,
                                                                 s3_server):
    folder = make_folder(tmp_path, FILES)
    there = ["photos/album-0/IMG_00007.jpg", "photos/album-3/IMG_03999.jpg"]
    for key in there:
        s3.put_object(Bucket=bucket, Key=key, Body=b"old")
    asked = []

    def ask(key, remaining):
        asked.append(key)
        return "skip", False
    harness.window.ask_existing = ask
    inserts, ticks, started = [], [], []
    harness.model.rowsInserted.connect(lambda _parent, first, last: inserts.append(
        (first, last, len(ticks))))
    harness.model.rowsInserted.connect(lambda *_: started.append(
        sum(i.state.is_active for i in harness.model.infos())))
    beat = QTimer(interval=0)                # runs each time the event loop turns
    beat.timeout.connect(lambda: ticks.append(1))
    beat.start()
    s3_server.reset()
    harness.drop_and_wait(folder, rows=FILES - len(there))
    beat.stop()
    assert asked == there                                     # exactly the keys on the server
    assert s3_server.count("HeadObject", bucket=bucket) == 0  # found by listing the folder
    assert s3_server.count("ListObjects", bucket=bucket) == 1
    # the rows came in chunks, and the event loop turned between them
    assert [last - first + 1 for first, last, _t in inserts] == [
        intake.CHUNK, intake.CHUNK, FILES - len(there) - 2 * intake.CHUNK]
    assert inserts[-1][2] > inserts[0][2]
    assert started == [0, 0, 0]     # the files start once the last chunk is in, not before
    keys = {i.key for i in harness.model.infos()}
    assert len(keys) == FILES - len(there) and not keys & set(there)
    assert gc.isenabled()           # held off during the drop (core/checkpoint/longlived.py), then back on



# slow: the total speed counts what the last 3 s gained, so 'and then none' takes 3 s
@pytest.mark.slow
def test_a_folder_of_tiny_files_shows_its_speed_and_then_none(harness, tmp_path):
    """Files of a few bytes finish between two engine ticks and never have a speed of their
    own; the status bar still says how fast they go up, then "0 B/s" once nothing moves."""
    folder = make_folder(tmp_path, 300)
    shown = []
    speed = harness.window.status.speed_label
    beat = QTimer(interval=20)
    beat.timeout.connect(lambda: shown.append(speed.text()))
    beat.start()
    harness.drop_and_wait(folder, rows=300)
    harness.qtbot.waitUntil(
        lambda: harness.model.summary().count(TaskState.COMPLETED) == 300, timeout=60_000)
    assert any(text not in ("", "↑ 0 B/s") for text in shown)
    harness.qtbot.waitUntil(lambda: speed.text() == "↑ 0 B/s", timeout=10_000)
    beat.stop()
