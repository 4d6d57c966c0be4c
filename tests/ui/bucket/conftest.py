"""One window, its engine process and two buckets, shared by the Bucket pane's tests.

Starting a window and its engine process costs about a second; the pane's tests
share one (module-scoped), each going back to the account and folder it needs.
"Big" is a bucket of 100,000 keys at its root, made once straight in moto's
backend (support/moto_fill.py); "Small" is a fresh bucket for each test.
"""

import itertools
import os

import boto3
import pytest

from hoist.core.policy.planner import MiB
from hoist.core.settings.config import TransferConfig
from support.moto_fill import fill

BIG_KEYS = 100_000
_numbers = itertools.count(1)
TEST_SECRET = "testing-secret-XYZZY-do-not-leak"


class BucketWindow:
    """The shared window; ``use(account)`` shows the Bucket tab for that account."""

    def __init__(self, session, s3, big: str, endpoint: str, book):
        self.session, self.s3, self.big, self.endpoint, self.book = session, s3, big, endpoint, book
        self.window = session.window
        self.pane = self.window.bucket_pane
        self.model = self.pane.model
        self.big_keys = BIG_KEYS
        self.questions: list[tuple[str, str]] = []
        self.answer = True
        self.window.confirm = self._confirm

    def _confirm(self, title, text, *_buttons):
        self.questions.append((title, text))
        return self.answer

    def add_account(self, name: str, bucket: str) -> None:
        from hoist.core.settings.accounts import Account
        self.book.upsert(Account(name=name, endpoint_url=self.endpoint, region="us-east-1",
                                 path_style=True, bucket=bucket, prefix="", profile=None,
                                 access_key_id=None, verify_tls=True))
        self.window.reload_accounts(name)

    def use(self, name: str) -> None:
        combo = self.window.destination_combo
        self.window.tabs.setCurrentWidget(self.pane)
        combo.setCurrentIndex(combo.findData(name))

    def rows(self) -> list[str]:
        return [e.key for e in self.model.entries()]


@pytest.fixture(scope="module")
def bucket_window(qapp, s3_server, tmp_path_factory):
    data = tmp_path_factory.mktemp("bucket-pane") / "data"
    with pytest.MonkeyPatch.context() as env:       # what isolated_environment sets, for the
        env.setenv("AWS_ACCESS_KEY_ID", "testing")  # engine process started once here
        env.setenv("AWS_SECRET_ACCESS_KEY", TEST_SECRET)
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_CONFIG_FILE", str(data.parent / "no-aws-config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(data.parent / "no-aws-credentials"))
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"):
            env.delenv(name, raising=False)
        s3 = boto3.client("s3", endpoint_url=s3_server.endpoint_url, region_name="us-east-1")
        big = f"big-{os.getpid()}-{next(_numbers)}"
        s3.create_bucket(Bucket=big)
        fill(s3, big, (f"IMG_{n:06}.jpg" for n in range(BIG_KEYS)))
        from hoist.core.settings.accounts import Account, AccountBook
        from hoist.ui.main import Session
        book = AccountBook.load(data / "accounts.json")
        book.upsert(Account(name="Big", endpoint_url=s3_server.endpoint_url, region="us-east-1",
                            path_style=True, bucket=big, prefix="", profile=None,
                            access_key_id=None, verify_tls=True))
        book.save()
        session = Session(data, engine="process", config=TransferConfig(
            part_size=5 * MiB, multipart_threshold=5 * MiB, max_attempts=2))
        session.window.show()
        harness = BucketWindow(session, s3, big, s3_server.endpoint_url, session.book)
        yield harness
        session.close()


@pytest.fixture
def pane(bucket_window, s3_server, qtbot):
    """The shared window, its Bucket tab shown, with no injected failures left over."""
    s3_server.clear_failures()
    bucket_window.questions.clear()
    bucket_window.answer = True
    yield bucket_window
    s3_server.clear_failures()


@pytest.fixture
def small(pane, s3):
    """A fresh bucket with a few objects and folders, chosen under Upload to."""
    name = f"small-{os.getpid()}-{next(_numbers)}"
    s3.create_bucket(Bucket=name)
    for key, body in (("readme.txt", b"hello, bucket"), ("docs/guide.pdf", b"%PDF" * 100),
                      ("docs/inner/deep.txt", b"deep"), ("photos/a.jpg", b"a" * 3000)):
        s3.put_object(Bucket=name, Key=key, Body=body)
    s3.put_object(Bucket=name, Key="cold/archive.bin", Body=b"frozen", StorageClass="GLACIER")
    pane.add_account(f"Small {name}", name)
    pane.use(f"Small {name}")
    return name
