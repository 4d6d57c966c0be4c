"""Answers a download must not take on trust: a store that ignores the Range header."""

from hoist.core.checkpoint.states import TaskState

MiB = 1024 * 1024
OPAQUE = '"0paque-etag"'        # no MD5 and no checksum: the proof can check the size only


def test_a_store_that_ignores_range_is_refused_not_published_proved_by_size(
        engine, put, download, s3_server, tmp_path):
    data = put("whole.bin", 3 * MiB, crc=False)

    def head(status, headers, body):
        return status, [(k, OPAQUE if k.lower() == "etag" else v) for k, v in headers
                        if not k.lower().startswith("x-amz-checksum")], body

    def whole_object(status, headers, body):      # every GET: 200 and the whole object
        kept = [(k, v) for k, v in headers if k.lower() not in ("etag", "content-range")
                and not k.lower().startswith("x-amz-checksum")]
        return "200 OK", kept + [("ETag", OPAQUE)], data

    s3_server.rewrite("HeadObject", head)
    s3_server.rewrite("GetObject", whole_object)
    try:
        [task_id] = download(["whole.bin"])
        engine.wait_idle()
    finally:
        s3_server.rewrite("HeadObject", None)
        s3_server.rewrite("GetObject", None)
    target = tmp_path / "dl" / "whole.bin"
    info = engine.manager.task(task_id)
    assert not (target.exists() and target.read_bytes() != data), (
        f"a file of the wrong bytes took the name: {info.message}")
    assert info.state is TaskState.FAILED and "range" in info.message.lower(), info.message


def test_a_nonsense_source_mtime_in_metadata_falls_back_to_last_modified(
        engine, s3, bucket, download, tmp_path):
    for n, value in enumerate(("inf", "nan", "1e300", "-1e300")):
        s3.put_object(Bucket=bucket, Key=f"m/{n}", Body=b"x" * (n + 1), Metadata={"mtime": value})
    ids = download(["m/"])
    engine.wait_idle()
    for n, task_id in enumerate(ids):
        info = engine.manager.task(task_id)
        assert info.state is TaskState.COMPLETED, info.message
        assert (tmp_path / "dl" / str(n)).read_bytes() == b"x" * (n + 1)
