"""Accounts → Incomplete uploads…, against moto's server over HTTP: list, filter, resume, abort."""

from datetime import datetime, timedelta, timezone

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB
from hoist.core.remote.incomplete import IncompleteUpload
from hoist.core.remote.s3 import S3Clients
from hoist.core.settings.accounts import Account
from hoist.ui.dialogs.incomplete import (
    AGE,
    OWNER,
    PARTS,
    STORED,
    IncompleteModel,
    IncompleteUploadsDialog,
)


@pytest.fixture
def account(s3_server, bucket):
    return Account(name="Local moto", endpoint_url=s3_server.endpoint_url, region="us-east-1",
                   path_style=True, bucket=bucket, prefix="", profile=None, access_key_id=None,
                   verify_tls=True)


@pytest.fixture
def manager(qtbot, data_dir):
    from hoist.core.checkpoint.store import CheckpointStore
    from hoist.core.settings.config import TransferConfig
    from hoist.engine.manager import UploadManager
    data_dir.mkdir(parents=True, exist_ok=True)
    store = CheckpointStore.open(data_dir / "store.sqlite3")
    engine = UploadManager(store, S3Clients(), TransferConfig(part_size=5 * MiB,
                                                              multipart_threshold=5 * MiB))
    yield engine
    engine.shutdown()
    store.close()


def start_upload(s3, bucket, key, parts: list[bytes]) -> str:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    for number, body in enumerate(parts, 1):
        s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)
    return upload_id


def open_dialog(qtbot, account, manager):
    dialog = IncompleteUploadsDialog([account], S3Clients(), manager, account.name)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog._job is None and not dialog.busy.isVisible(), timeout=20_000)
    return dialog


def test_lists_uploads_with_parts_bytes_and_age(qtbot, s3, bucket, account, manager):
    start_upload(s3, bucket, "videos/a.mov", [b"a" * (5 * MiB), b"b" * 1000])
    start_upload(s3, bucket, "photos/b.jpg", [])
    dialog = open_dialog(qtbot, account, manager)
    rows = {u.key: u for u in dialog.model.rows}
    assert set(rows) == {"videos/a.mov", "photos/b.jpg"}
    assert (rows["videos/a.mov"].parts, rows["videos/a.mov"].stored) == (2, 5 * MiB + 1000)
    assert rows["photos/b.jpg"].parts == 0 and rows["videos/a.mov"].owner is None
    row = dialog.model.rows.index(rows["videos/a.mov"])
    text = lambda column: dialog.model.index(row, column).data()      # noqa: E731
    assert (text(PARTS), text(STORED), text(OWNER)) == ("2", "5.0 MiB", "—")
    assert dialog.summary.text() == "2 upload(s), 5.0 MiB stored"
    assert not dialog.resume_button.isEnabled() and not dialog.abort_button.isEnabled()
    dialog.prefix.setText("photos/")
    dialog.refresh()
    qtbot.waitUntil(lambda: [u.key for u in dialog.model.rows] == ["photos/b.jpg"], timeout=20_000)


def test_empty_bucket_says_so(qtbot, account, manager):
    dialog = open_dialog(qtbot, account, manager)
    assert dialog.stack.currentWidget() is dialog.placeholder
    assert dialog.placeholder.text() == f"No incomplete uploads under s3://{account.bucket}/."


def test_abort_selected_asks_once_and_discards_the_parts(qtbot, s3, bucket, account, manager):
    for key in ("one.bin", "two.bin"):
        start_upload(s3, bucket, key, [b"x" * 1000])
    dialog = open_dialog(qtbot, account, manager)
    asked = []
    dialog.confirm = lambda text: asked.append(text) or True
    dialog.view.selectAll()
    assert dialog.abort_button.isEnabled() and not dialog.resume_button.isEnabled()
    dialog.abort_button.click()
    qtbot.waitUntil(lambda: dialog._job is None and dialog.stack.currentWidget() is dialog.placeholder,
                    timeout=20_000)
    assert len(asked) == 1 and asked[0].startswith("Abort 2 incomplete upload(s)?")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_resume_here_adopts_the_upload_from_a_local_file(qtbot, s3, s3_server, bucket, account,
                                                         manager, make_file, download_sha256,
                                                         sha256_file):
    path = make_file("adopt.bin", 12 * MiB)
    data = path.read_bytes()
    upload_id = start_upload(s3, bucket, "backup/adopt.bin", [data[:5 * MiB]])
    dialog = open_dialog(qtbot, account, manager)
    dialog.view.selectRow(0)
    dialog.choose_source = lambda upload: str(path)
    dialog.resume_button.click()
    qtbot.waitUntil(lambda: any(t.state is TaskState.COMPLETED for t in manager.tasks()),
                    timeout=60_000)
    [task] = manager.tasks()
    assert task.key == "backup/adopt.bin"
    assert download_sha256(bucket, "backup/adopt.bin") == sha256_file(path)
    # part 1 was already there and matched the file: only parts 2 and 3 were sent
    assert s3_server.count("UploadPart", bucket=bucket) == 1 + 2
    assert s3_server.count("CreateMultipartUpload", bucket=bucket) == 1
    assert manager.store.get_task(task.id).upload_id == upload_id


def test_age_filter_and_unknown_values():
    now = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
    fresh = IncompleteUpload("new", "u1", now - timedelta(minutes=5), 1, 10, None)
    stale = IncompleteUpload("old", "u2", now - timedelta(days=3), None, None, 7)
    model = IncompleteModel()
    model.now = lambda: now
    model.set_uploads([stale, fresh])
    assert model.rowCount() == 2
    model.set_min_age(86_400)
    assert [u.key for u in model.rows] == ["old"]
    assert model.index(0, PARTS).data() == "unknown" and model.index(0, STORED).data() == "unknown"
    assert model.index(0, OWNER).data() == "Upload #7"
    assert model.index(0, AGE).data() == "3 d"


def test_an_account_without_permission_gets_a_clear_message(qtbot, s3_server, account, manager):
    s3_server.fail_next("ListMultipartUploads", 403, "AccessDenied")
    dialog = open_dialog(qtbot, account, manager)
    assert dialog.stack.currentWidget() is dialog.placeholder
    assert "s3:ListBucketMultipartUploads" in dialog.placeholder.text()
