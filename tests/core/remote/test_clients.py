"""The S3 clients' own request hooks (core/remote/clients.py)."""

from types import SimpleNamespace

from hoist.core.remote.clients import (
    BODY_BLOCK,
    SMALL_BODY,
    Destination,
    S3Clients,
    _no_wait_for_small_bodies,
)
from hoist.engine.progress import ProgressBody


def _headers(operation: str, length: int) -> dict:
    params = {"headers": {"Expect": "100-continue", "Content-Length": str(length)}}
    _no_wait_for_small_bodies(SimpleNamespace(name=operation), params)
    return params["headers"]


def test_a_small_put_does_not_wait_for_100_continue():
    assert "Expect" not in _headers("PutObject", 100 * 1024)


def test_a_large_put_and_every_part_still_ask_first():
    assert _headers("PutObject", SMALL_BODY)["Expect"] == "100-continue"
    assert _headers("UploadPart", 1024)["Expect"] == "100-continue"


def test_a_clients_connections_send_bodies_in_big_blocks(s3_server, bucket, make_file):
    """A part's body leaves 256 KiB at a time, not http.client's 16 KiB (a read, a progress
    report and a send each): seen in the reads of the body as it is sent."""
    clients = S3Clients()
    remote = clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url))
    path = make_file("part.bin", 2 * BODY_BLOCK + 5)
    upload_id = remote.create_multipart("k", "")
    reads = []
    body = ProgressBody(str(path), 0, path.stat().st_size, reads.append, lambda: False)
    remote.upload_part("k", upload_id, 1, body, path.stat().st_size, None, None)
    assert reads == [BODY_BLOCK, BODY_BLOCK, 5]
