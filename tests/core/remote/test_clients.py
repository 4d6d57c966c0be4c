"""The S3 clients' own request hooks (core/remote/clients.py)."""

from types import SimpleNamespace

from hoist.core.remote.clients import SMALL_BODY, _no_wait_for_small_bodies


def _headers(operation: str, length: int) -> dict:
    params = {"headers": {"Expect": "100-continue", "Content-Length": str(length)}}
    _no_wait_for_small_bodies(SimpleNamespace(name=operation), params)
    return params["headers"]


def test_a_small_put_does_not_wait_for_100_continue():
    assert "Expect" not in _headers("PutObject", 100 * 1024)


def test_a_large_put_and_every_part_still_ask_first():
    assert _headers("PutObject", SMALL_BODY)["Expect"] == "100-continue"
    assert _headers("UploadPart", 1024)["Expect"] == "100-continue"
