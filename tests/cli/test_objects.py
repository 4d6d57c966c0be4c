"""What the object looks like: `hoist upload` sets Content-Type and the other object settings,
on moto and on SeaweedFS, and keeps them exactly across a kill -9 and `hoist resume`."""

import pytest

from hoist.core.policy.planner import MiB
from support.cli import hoist
from test_stores import store_env

pytestmark = pytest.mark.slow


def test_content_type_from_the_file_name(any_store, data_dir, make_file):
    names = {"index.html": "text/html", "photo.jpg": "image/jpeg", "data.csv": "text/csv",
             "backup.tar.gz": "application/gzip", "big.mp4": "video/mp4",
             "noext": "application/octet-stream"}
    paths = [make_file(name, 6 * MiB if name == "big.mp4" else 100) for name in names]
    result = hoist(store_env(any_store, data_dir), "upload", *paths, "--bucket", any_store.bucket,
                   "--part-size", "5MiB", timeout=120)
    assert result.returncode == 0, result.stderr
    for name, content_type in names.items():
        head = any_store.client.head_object(Bucket=any_store.bucket, Key=name)
        assert head["ContentType"] == content_type, name
        assert "ContentEncoding" not in head, name
