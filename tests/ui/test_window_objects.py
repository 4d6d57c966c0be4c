"""The window's uploads take the account's object defaults when their tasks are made, an SSE-C
key among them from the keyring (asked for by the engine's process), never from disk."""

import base64

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB
from hoist.core.remote.objects import CustomerKey, customer_key_name
from hoist.core.settings.accounts import AccountBook
from hoist.core.settings.secrets import SecretStore
from test_window import Harness, account  # noqa: F401 -- a fixture

KEY = bytes(range(7, 39))


def test_dropped_files_take_the_account_defaults_and_keep_them(
        qtbot, data_dir, account, make_file, s3, s3_server, bucket, memory_keyring, tmp_path):
    key = CustomerKey(KEY)
    book = AccountBook.load(data_dir / "accounts.json")
    styled = book.get(account.name)
    styled.objects = {"cache_control": "max-age=60", "tags": {"team": "media"},
                      "metadata": {"owner": "ops"}, "sse_c_key_md5": key.md5}
    book.upsert(styled)
    book.save()
    SecretStore().set(account.name, customer_key_name(key.md5), key.as_text())

    harness = Harness(qtbot, data_dir)
    harness.open()
    try:
        photo, big = make_file("pic.jpg", 2000), make_file("film.mp4", 7 * MiB)
        harness.drop_and_wait(photo, big, rows=2)
        # changed once the rows exist: the uploads keep what they were made with
        harness.window.book.get(account.name).objects = {"cache_control": "no-store"}
        for name in ("pic.jpg", "film.mp4"):
            harness.wait_state(name, TaskState.COMPLETED)
    finally:
        harness.close()

    for name, content_type in (("pic.jpg", "image/jpeg"), ("film.mp4", "video/mp4")):
        head = s3.head_object(Bucket=bucket, Key=name, **key.params())
        assert head["ContentType"] == content_type and head["CacheControl"] == "max-age=60"
        # the file's mtime goes with every object (objects.py, with_source_mtime)
        assert head["Metadata"] == {"owner": "ops", "mtime": head["Metadata"]["mtime"]}
        tags = s3.get_object_tagging(Bucket=bucket, Key=name)["TagSet"]
        assert tags == [{"Key": "team", "Value": "media"}]
    for op in ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"):
        sent = s3_server.of(op, bucket=bucket)
        assert sent and all(r.headers.get("x-amz-server-side-encryption-customer-key-md5")
                            == key.md5 for r in sent), op
    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*")
                       if p.is_file() and "src" not in p.parts)
    assert KEY not in on_disk and base64.b64encode(KEY) not in on_disk
