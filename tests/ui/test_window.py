"""The main window against moto's S3 server over HTTP: drops, controls, failures, quit and reopen.

Every test builds the window as `hoist` does (ui.main.Session over the test's
data directory) and drives it through real events: QDropEvent with file URLs,
key clicks, the toolbar's actions. Waiting is on model state, never on time;
the one settle period (pause) only checks that nothing more is sent.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB
from hoist.core.settings.config import TransferConfig

ROOT = Path(__file__).resolve().parents[2]


def small_config(**changes) -> TransferConfig:
    base = dict(part_size=5 * MiB, multipart_threshold=5 * MiB, files_at_once=3,
                parts_per_file=2, parts_total=4, max_attempts=2)
    base.update(changes)
    return TransferConfig(**base)


@pytest.fixture
def account(s3_server, bucket, data_dir):
    from hoist.core.settings.accounts import Account, AccountBook
    acc = Account(name="Local moto", endpoint_url=s3_server.endpoint_url, region="us-east-1",
                  path_style=True, bucket=bucket, prefix="", profile=None, access_key_id=None,
                  verify_tls=True)
    book = AccountBook.load(data_dir / "accounts.json")
    book.upsert(acc)
    book.save()
    return acc


class Harness:
    """A window over the test's data directory, reopened as a restarted app would be."""

    def __init__(self, qtbot, data_dir):
        self.qtbot, self.data_dir = qtbot, data_dir
        self.session = None
        self.questions = []       # (title, text) of every confirmation asked

    def open(self, config=None, engine="process"):
        from hoist.ui.main import Session
        self.session = Session(self.data_dir, config=config or small_config(), engine=engine)
        self.window.confirm = self._confirm
        self.window.show()
        self.qtbot.waitExposed(self.window)
        return self.window

    def _confirm(self, title, text, *_buttons):
        self.questions.append((title, text))
        return True

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None

    @property
    def window(self):
        return self.session.window

    @property
    def model(self):
        return self.window.model

    @property
    def manager(self):
        return self.session.manager

    def drop(self, *paths):
        """A real drag-enter and drop of file URLs onto the window."""
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        at = self.window.rect().center()
        enter = QDragEnterEvent(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(self.window, enter)
        assert enter.isAccepted(), "the window refused the drag"
        drop = QDropEvent(QPointF(at), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(self.window, drop)
        assert drop.isAccepted(), "the window refused the drop"

    def drop_and_wait(self, *paths, rows):
        self.drop(*paths)
        self.qtbot.waitUntil(lambda: self.model.rowCount() == rows and not self.window.intake.busy(),
                             timeout=15_000)

    def task_id(self, name):
        return next(i.id for i in self.model.infos() if i.name == name)

    def info(self, name):
        return next(i for i in self.model.infos() if i.name == name)

    def wait_state(self, name, state, timeout=30_000):
        self.qtbot.waitUntil(lambda: self.info(name).state is state, timeout=timeout)

    def select(self, *names):
        view = self.window.view
        view.clearSelection()
        for name in names:
            view.selectionModel().select(
                self.model.index(self.model.row_of(self.task_id(name)), 0),
                view.selectionModel().SelectionFlag.Select | view.selectionModel().SelectionFlag.Rows)
        view.setFocus()

    def press(self, key):
        from PySide6.QtTest import QTest
        self.window.activateWindow()
        self.window.view.setFocus()
        QTest.keyClick(self.window.view, key)


@pytest.fixture
def harness(qtbot, data_dir, account):
    h = Harness(qtbot, data_dir)
    h.open()
    yield h
    h.close()


def enabled(actions):
    a = actions
    return {name for name in ("pause", "resume", "cancel", "retry", "remove", "copy_uri",
                              "show_in_folder", "pause_all", "resume_all", "clear_completed")
            if getattr(a, name).isEnabled()}


# -- dropping ------------------------------------------------------------------------------

def test_empty_window_says_what_to_do(harness):
    w = harness.window
    assert w.stack.currentWidget() is w.empty
    assert "Drop files or folders here" in w.empty.title.text()
    assert w.empty.files_button.isVisible() and w.empty.folder_button.isVisible()
    assert not w.empty.accounts_button.isVisible()
    assert w.destination_combo.currentText() == "Local moto"
    assert enabled(w.queue_actions) == set()


def test_drop_of_files_and_a_folder_uploads_them(harness, make_file, bucket, download_sha256,
                                                 sha256_file):
    big = make_file("big.bin", 7 * MiB)
    small = make_file("small.txt", 1234)
    tree = [make_file("album/one.jpg", 300_000), make_file("album/deep/two.jpg", 6 * MiB)]
    with harness.qtbot.waitSignal(harness.window.notifier.notify, timeout=60_000,
                                  check_params_cb=lambda *args: args == (
                                      "Uploads finished", "4 files uploaded", False)):
        harness.drop_and_wait(big, small, tree[0].parent, rows=4)
        assert harness.window.stack.currentWidget() is harness.window.view
    assert harness.model.summary().count(TaskState.COMPLETED) == 4
    for path, key in [(big, "big.bin"), (small, "small.txt"), (tree[0], "album/one.jpg"),
                      (tree[1], "album/deep/two.jpg")]:
        assert download_sha256(bucket, key) == sha256_file(path), key
    assert "verified" in harness.info("big.bin").message
    harness.qtbot.waitUntil(lambda: "4 completed" in harness.window.counts_label.text())


def test_dropping_a_queued_file_again_selects_its_row(harness, make_file):
    harness.manager.set_limits(1, 1, 1, 2 * MiB)          # keep it uploading during the test
    path = make_file("twice.bin", 12 * MiB)
    other = make_file("other.bin", 10)
    harness.drop_and_wait(path, rows=1)
    harness.drop_and_wait(other, rows=2)
    harness.window.view.clearSelection()
    harness.drop(path)
    row = harness.model.row_of(harness.task_id("twice.bin"))
    harness.qtbot.waitUntil(lambda: [i.row() for i in
                                     harness.window.view.selectionModel().selectedRows()] == [row])
    assert harness.model.rowCount() == 2
    assert "Already in the queue" in harness.window.statusBar().currentMessage()


def test_existing_object_is_asked_about(harness, make_file, s3, bucket, download_sha256,
                                        sha256_file):
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"old")
    s3.put_object(Bucket=bucket, Key="replace.txt", Body=b"old")
    asked = []
    answers = {"keep.txt": ("skip", False), "replace.txt": ("overwrite", False)}

    def ask(key, remaining):
        asked.append((key, remaining))
        return answers[key]
    harness.window.ask_existing = ask
    keep, replace_ = make_file("keep.txt", 100), make_file("replace.txt", 200)
    new = make_file("new.txt", 300)
    harness.drop_and_wait(keep, replace_, new, rows=2)
    assert asked == [("keep.txt", 1), ("replace.txt", 0)]       # sorted, with what remains
    assert {i.name for i in harness.model.infos()} == {"replace.txt", "new.txt"}
    harness.qtbot.waitUntil(lambda: harness.model.summary().count(TaskState.COMPLETED) == 2,
                            timeout=30_000)
    assert s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"old"
    assert download_sha256(bucket, "replace.txt") == sha256_file(replace_)


def test_apply_to_all_asks_once_for_a_folder(harness, make_file, s3, bucket):
    files = [make_file(f"batch/{n}.txt", 10 + n) for n in range(3)]
    for path in files[:2]:
        s3.put_object(Bucket=bucket, Key=f"batch/{path.name}", Body=b"old")
    asked = []

    def ask(key, remaining):
        asked.append((key, remaining))
        return "skip", True
    harness.window.ask_existing = ask
    harness.drop_and_wait(files[0].parent, rows=1)
    assert asked == [("batch/0.txt", 1)]
    assert [i.key for i in harness.model.infos()] == ["batch/2.txt"]


def test_keep_both_uploads_under_a_free_name(harness, make_file, s3, bucket, download_sha256,
                                             sha256_file):
    import inspect
    if "key" not in inspect.signature(harness.manager.add).parameters:
        pytest.skip("UploadManager.add() takes no key= yet, so a renamed copy cannot be queued")
    s3.put_object(Bucket=bucket, Key="photo.jpg", Body=b"old")
    s3.put_object(Bucket=bucket, Key="photo (1).jpg", Body=b"older")
    harness.window.ask_existing = lambda key, remaining: ("keep_both", False)
    path = make_file("photo.jpg", 2048)
    harness.drop_and_wait(path, rows=1)
    assert harness.model.infos()[0].key == "photo (2).jpg"
    harness.wait_state("photo.jpg", TaskState.COMPLETED)
    assert download_sha256(bucket, "photo (2).jpg") == sha256_file(path)
    assert s3.get_object(Bucket=bucket, Key="photo.jpg")["Body"].read() == b"old"


# -- controls ------------------------------------------------------------------------------

def test_pause_stops_parts_and_resume_finishes(harness, make_file, s3_server, bucket,
                                               download_sha256, sha256_file):
    harness.manager.set_limits(1, 1, 1, 3 * MiB)            # slow enough to pause mid-file
    path = make_file("slow.bin", 17 * MiB)
    harness.drop_and_wait(path, rows=1)
    harness.qtbot.waitUntil(lambda: harness.info("slow.bin").parts_done >= 1, timeout=30_000)
    harness.select("slow.bin")
    harness.press(Qt.Key_Space)
    # the engine runs on its own thread: the pause reaches the row when it has been done there
    harness.qtbot.waitUntil(lambda: harness.info("slow.bin").state is TaskState.PAUSED)
    assert {"resume", "cancel", "remove"} <= enabled(harness.window.queue_actions)
    assert "pause" not in enabled(harness.window.queue_actions)
    harness.qtbot.waitUntil(harness.manager.is_idle, timeout=10_000)
    sent = s3_server.count("UploadPart", bucket=bucket)
    harness.qtbot.wait(500)                                  # settle: nothing more may go out
    assert s3_server.count("UploadPart", bucket=bucket) == sent, "parts were sent while paused"
    assert s3_server.count("AbortMultipartUpload", bucket=bucket) == 0
    harness.manager.set_limits(2, 2, 4, 0)
    harness.press(Qt.Key_Space)
    harness.wait_state("slow.bin", TaskState.COMPLETED)
    assert download_sha256(bucket, "slow.bin") == sha256_file(path)


def test_cancel_asks_once_and_leaves_no_multipart_upload(harness, make_file, s3, s3_server, bucket):
    harness.manager.set_limits(2, 1, 2, 2 * MiB)
    paths = [make_file("c1.bin", 12 * MiB), make_file("c2.bin", 12 * MiB)]
    harness.drop_and_wait(*paths, rows=2)
    harness.qtbot.waitUntil(lambda: harness.info("c1.bin").parts_done >= 1, timeout=30_000)
    harness.select("c1.bin", "c2.bin")
    harness.window.queue_actions.cancel.trigger()
    assert len(harness.questions) == 1 and "2 uploads" in harness.questions[0][0]
    harness.wait_state("c1.bin", TaskState.CANCELLED)
    harness.wait_state("c2.bin", TaskState.CANCELLED)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3_server.count("AbortMultipartUpload", bucket=bucket) >= 1
    assert "KeyCount" in s3.list_objects_v2(Bucket=bucket) and \
        s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert "clear_completed" in enabled(harness.window.queue_actions)


def test_failed_row_retries_from_its_checkpoint(harness, make_file, s3_server, bucket, qtbot,
                                                download_sha256, sha256_file):
    harness.manager.set_limits(1, 1, 1, 6 * MiB)
    path = make_file("flaky.bin", 22 * MiB)                  # 5 parts: 5+5+5+5+2 MiB
    harness.drop_and_wait(path, rows=1)
    qtbot.waitUntil(lambda: harness.info("flaky.bin").parts_done >= 1, timeout=30_000)
    with qtbot.waitSignal(harness.window.notifier.notify, timeout=30_000,
                          check_params_cb=lambda title, text, error: title == "Upload failed"):
        s3_server.fail_next("UploadPart", status=403, code="AccessDenied")
    harness.wait_state("flaky.bin", TaskState.FAILED)
    failed = harness.info("flaky.bin")
    assert failed.parts_total == 5 and 1 <= failed.parts_done < 5
    assert harness.model.index(0, 5).data().startswith("Failed")
    harness.select("flaky.bin")
    assert {"retry", "cancel", "remove"} <= enabled(harness.window.queue_actions)
    assert not {"pause", "resume"} & enabled(harness.window.queue_actions)
    qtbot.waitUntil(harness.manager.is_idle)
    before = s3_server.count("UploadPart", bucket=bucket)
    harness.manager.set_limits(1, 2, 2, 0)
    harness.window.queue_actions.retry.trigger()
    harness.wait_state("flaky.bin", TaskState.COMPLETED)
    assert s3_server.count("UploadPart", bucket=bucket) - before == 5 - failed.parts_done
    assert download_sha256(bucket, "flaky.bin") == sha256_file(path)


def test_actions_are_enabled_only_where_they_apply(harness, make_file, s3_server, bucket):
    actions = harness.window.queue_actions
    harness.drop_and_wait(make_file("done.txt", 10), rows=1)
    harness.wait_state("done.txt", TaskState.COMPLETED)
    s3_server.fail_next("PutObject", status=403, code="AccessDenied")
    harness.drop_and_wait(make_file("denied.txt", 10), rows=2)
    harness.wait_state("denied.txt", TaskState.FAILED)
    harness.manager.set_limits(1, 1, 1, MiB)
    harness.drop_and_wait(make_file("held.bin", 12 * MiB), rows=3)
    harness.qtbot.waitUntil(lambda: harness.info("held.bin").state is TaskState.UPLOADING)
    harness.select("held.bin")
    assert {"pause", "cancel", "remove", "pause_all"} <= enabled(actions)
    assert not {"resume", "retry", "resume_all"} & enabled(actions)
    actions.pause.trigger()
    harness.qtbot.waitUntil(lambda: harness.info("held.bin").state is TaskState.PAUSED)
    harness.window.view.clearSelection()
    assert enabled(actions) == {"resume_all", "clear_completed"}
    cases = {"done.txt": {"remove", "copy_uri", "show_in_folder"},
             "denied.txt": {"retry", "cancel", "remove", "copy_uri", "show_in_folder"},
             "held.bin": {"resume", "cancel", "remove", "copy_uri", "show_in_folder"}}
    for name, expected in cases.items():
        harness.select(name)
        assert enabled(actions) - {"resume_all", "clear_completed"} == expected, name
    harness.select("done.txt", "held.bin")
    actions.copy_uri.trigger()
    assert QGuiApplication.clipboard().text() == f"s3://{bucket}/done.txt\ns3://{bucket}/held.bin"
    actions.clear_completed.trigger()
    harness.qtbot.waitUntil(lambda: harness.model.rowCount() == 2)
    harness.qtbot.waitUntil(lambda: "clear_completed" not in enabled(actions))
    harness.select("held.bin")
    harness.press(Qt.Key_Delete)                      # unfinished: asks, then cancels and removes
    assert harness.questions and harness.questions[-1][0] == "Remove from the list?"
    harness.qtbot.waitUntil(lambda: harness.model.rowCount() == 1, timeout=15_000)


# -- quitting and reopening ----------------------------------------------------------------

def test_quit_mid_upload_then_reopen_shows_paused_row_and_finishes(
        harness, make_file, s3_server, bucket, download_sha256, sha256_file):
    harness.manager.set_limits(1, 1, 1, 3 * MiB)
    path = make_file("long.bin", 17 * MiB)                   # 4 parts
    harness.drop_and_wait(path, rows=1)
    harness.qtbot.waitUntil(lambda: harness.info("long.bin").parts_done >= 1, timeout=30_000)
    assert harness.window.close()
    assert len(harness.questions) == 1 and harness.questions[0][0] == "Quit Hoist?"
    harness.close()

    window = harness.open()
    restored = harness.info("long.bin")
    assert restored.state is TaskState.PAUSED
    assert restored.bytes_done >= 5 * MiB and restored.parts_done >= 1
    assert window.stack.currentWidget() is window.view
    assert "resume_all" in enabled(window.queue_actions)
    sent = s3_server.count("UploadPart", bucket=bucket)
    window.queue_actions.resume_all.trigger()
    harness.wait_state("long.bin", TaskState.COMPLETED)
    assert s3_server.count("UploadPart", bucket=bucket) - sent == 4 - restored.parts_done
    assert download_sha256(bucket, "long.bin") == sha256_file(path)


def test_an_engine_that_crashes_is_restarted_and_the_window_says_so(
        harness, make_file, download_sha256, sha256_file, bucket):
    import signal
    harness.manager.set_limits(1, 1, 1, 3 * MiB)
    path = make_file("crash.bin", 17 * MiB)                  # 4 parts
    harness.drop_and_wait(path, rows=1)
    harness.qtbot.waitUntil(lambda: harness.info("crash.bin").parts_done >= 1, timeout=30_000)
    os.kill(harness.manager.pid, signal.SIGKILL)           # the engine process, not the window
    bar = harness.window.statusBar()
    harness.qtbot.waitUntil(lambda: "restarted" in bar.currentMessage(), timeout=30_000)
    assert "killed by signal 9" in bar.currentMessage()
    harness.manager.set_limits(1, 1, 1, 0)                 # the crash is done: no need to crawl
    harness.wait_state("crash.bin", TaskState.COMPLETED)   # it went on by itself
    assert download_sha256(bucket, "crash.bin") == sha256_file(path)
    assert harness.model.rowCount() == 1


def test_no_keyring_is_said_only_once_a_typed_key_is_kept_for_the_session(qtbot, data_dir,
                                                                          monkeypatch):
    """The demo (like an AWS profile) keeps no secret, so no notice; a key typed under
    Accounts… is kept for the session only, and then the window says so."""
    import keyring
    from keyring.backends import fail
    from PySide6.QtWidgets import QDialog

    from hoist.ui.dialogs.accounts import AccountDialog
    from hoist.ui.main import Session
    keyring.set_keyring(fail.Keyring())        # conftest puts its own back afterwards
    session = Session(data_dir, demo=True, config=small_config())
    try:
        window = session.window
        window.show()
        qtbot.waitExposed(window)
        assert not window.secrets.persistent           # there really is no keyring
        assert not window.keyring_notice.isVisibleTo(window)

        def type_a_key_and_save(dialog):
            dialog._add()
            dialog.name.setText("Work")
            dialog.bucket.setText("media")
            dialog.use_key.setChecked(True)
            dialog.key_id.setText("AKIAEXAMPLE")
            dialog.secret.setText("typed-secret-for-this-session")
            assert dialog.save()
            return QDialog.Accepted
        monkeypatch.setattr(AccountDialog, "exec", type_a_key_and_save)
        window.edit_accounts()
        assert window.keyring_notice.isVisibleTo(window)
        assert "session only" in window.keyring_notice.text()
        assert window.secrets.get("Work", "AKIAEXAMPLE") == "typed-secret-for-this-session"
    finally:
        session.close()


# -- a second launch ------------------------------------------------------------------------

def test_second_launch_hands_its_files_to_the_window(harness, make_file, data_dir):
    from hoist.ui.single_instance import InstanceServer
    server = InstanceServer(data_dir)
    assert server.listen()
    server.paths_received.connect(harness.window.receive_paths)
    path = make_file("handed.txt", 50)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "hoist", str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        harness.qtbot.waitUntil(lambda: harness.model.rowCount() == 1, timeout=30_000)
        assert proc.wait(timeout=30) == 0, proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
        server.close()
    assert harness.info("handed.txt").source_path == str(path)


def test_demo_server_account_uploads_and_keeps_its_secret_in_memory(qtbot, data_dir, make_file,
                                                                     memory_keyring):
    import boto3

    from hoist.demo import DEMO_ACCOUNT, DEMO_BUCKET
    from hoist.ui.main import Session
    session = Session(data_dir, demo=True, config=small_config())
    try:
        window = session.window
        assert window.destination_combo.currentText() == DEMO_ACCOUNT
        path = make_file("hello.txt", 4096)
        window.add_paths([path])
        qtbot.waitUntil(lambda: window.model.rowCount() == 1 and
                        window.model.infos()[0].state is TaskState.COMPLETED, timeout=30_000)
        s3 = boto3.client("s3", endpoint_url=session.demo.endpoint_url, region_name="us-east-1")
        assert s3.get_object(Bucket=DEMO_BUCKET, Key="hello.txt")["Body"].read() == path.read_bytes()
        assert memory_keyring.secrets == {}            # the demo's key never reached the keyring
    finally:
        session.close()
    for file in data_dir.rglob("*"):
        if file.is_file():
            assert b"hoist-demo-secret" not in file.read_bytes(), file
