"""Odd and hostile input: each gets a clear message and the right exit status, and loses nothing."""

import http.server
import os
import threading

import pytest

from hoist.core.policy.planner import MiB
from hoist.core.settings.datadir import STORE_NAME
from support.cli import hoist, listing, start, wait_for_parts


def test_unreadable_file(cli_env, bucket, make_file, tmp_path):
    path = make_file("secret.bin", 10)
    path.chmod(0o000)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, obey_permissions=True)
    assert result.returncode == 2
    assert "cannot be read (permission denied)" in result.stderr


def test_unreadable_directory(cli_env, bucket, make_file, tmp_path):
    folder = make_file("locked/inside.txt", 10).parent
    folder.chmod(0o000)
    try:
        result = hoist(cli_env, "upload", folder, "--bucket", bucket, obey_permissions=True)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2
    assert "cannot be read (permission denied)" in result.stderr


def test_symlink_loop(cli_env, bucket, tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    result = hoist(cli_env, "upload", loop, "--bucket", bucket)
    assert result.returncode == 2 and "cannot be opened" in result.stderr


def test_fifo_is_refused(cli_env, bucket, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = hoist(cli_env, "upload", fifo, "--bucket", bucket)
    assert result.returncode == 2 and "not a regular file" in result.stderr


def test_device_file_is_refused(cli_env, bucket):
    result = hoist(cli_env, "upload", "/dev/null", "--bucket", bucket)
    assert result.returncode == 2 and "not a regular file" in result.stderr


# A newline in a key is legal in S3 but moto's server cannot serve it, so it is left out here.
@pytest.mark.parametrize("name", ["with space.txt", "quote'and\"double.txt",
                                  "emoji 🚀.txt", "עברית rtl.txt", "0-bytes.txt"])
def test_odd_names_upload_byte_identical(name, cli_env, bucket, make_file, download_sha256,
                                         sha256_file):
    path = make_file(name, 0 if name.startswith("0-") else 1234)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, "--prefix", "odd/")
    assert result.returncode == 0, result.stderr
    assert download_sha256(bucket, "odd/" + name) == sha256_file(path)


def test_name_that_is_not_utf8_is_refused_alone_and_skipped_in_a_folder(cli_env, s3, bucket,
                                                                        make_file):
    folder = make_file("latin1/ok.txt", 10).parent
    bad = os.path.join(os.fsencode(folder), b"caf\xe9.txt")     # Latin-1, as old disks have
    with open(bad, "wb") as f:
        f.write(b"x")
    alone = hoist(cli_env, "upload", os.fsdecode(bad), "--bucket", bucket)
    assert alone.returncode == 2
    assert "caf\\xe9.txt: the name is not valid UTF-8" in alone.stderr and "Rename" in alone.stderr

    result = hoist(cli_env, "upload", folder, "--bucket", bucket, "--prefix", "l1/")
    assert result.returncode == 0, result.stderr
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="l1/").get("Contents", [])]
    assert keys == ["l1/latin1/ok.txt"]


def test_key_longer_than_s3_allows(cli_env, bucket, make_file):
    result = hoist(cli_env, "upload", make_file("short.txt", 1), "--bucket", bucket,
                   "--prefix", "x" * 1100)
    assert result.returncode == 2 and "S3 allows 1,024" in result.stderr


@pytest.mark.parametrize("prefix, says", [("../up/", "contains '..'"), ("/abs/", "starts with '/'")])
def test_suspicious_prefix(prefix, says, cli_env, bucket, make_file):
    result = hoist(cli_env, "upload", make_file("p.txt", 1), "--bucket", bucket, "--prefix", prefix)
    assert result.returncode == 2 and says in result.stderr


def test_invalid_bucket_name(cli_env, make_file):
    result = hoist(cli_env, "upload", make_file("b.txt", 1), "--bucket", "Not_A_Bucket!")
    assert result.returncode == 2
    assert "not a valid bucket name" in result.stderr or "Invalid bucket name" in result.stderr


def test_expired_session_token(cli_env, bucket, make_file, s3_server):
    s3_server.fail_next("ListObjects", status=400, code="ExpiredToken")
    result = hoist(cli_env, "upload", make_file("t.txt", 1), "--bucket", bucket)
    assert result.returncode == 2 and "Credentials expired: refresh the credentials" in result.stderr


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def _html(self):
        body = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = _html

    def log_message(self, *args):
        pass


def test_endpoint_that_is_not_s3(cli_env, make_file):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = hoist(cli_env, "upload", make_file("h.txt", 1), "--bucket", "some-bucket",
                       "--endpoint-url", f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert result.returncode == 2
    assert "does not look like S3" in result.stderr or "S3-compatible" in result.stderr


def test_unreachable_endpoint(cli_env, make_file):
    result = hoist(cli_env, "upload", make_file("u.txt", 1), "--bucket", "some-bucket",
                   "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode == 2 and "Cannot reach" in result.stderr


def test_read_only_data_directory(cli_env, bucket, make_file, tmp_path):
    data = tmp_path / "ro"
    data.mkdir(mode=0o555)
    result = hoist(dict(cli_env, HOIST_DATA_DIR=str(data)), "upload", make_file("r.txt", 1),
                   "--bucket", bucket, obey_permissions=True)
    assert result.returncode == 2 and "cannot write to its data directory" in result.stderr


def test_truncated_database_is_kept_aside(cli_env, data_dir, bucket, make_file):
    assert hoist(cli_env, "upload", make_file("one.txt", 10), "--bucket", bucket).returncode == 0
    db = data_dir / STORE_NAME
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(db) + suffix):
            os.remove(str(db) + suffix)
    with open(db, "r+b") as f:
        f.truncate(db.stat().st_size // 2)
    result = hoist(cli_env, "upload", make_file("two.txt", 10), "--bucket", bucket)
    assert result.returncode == 0, result.stderr
    assert "damaged" in result.stderr
    assert [r["key"] for r in listing(cli_env)] == ["two.txt"]


@pytest.mark.parametrize("option, value", [("--part-size", "1PiB"), ("--part-size", "-5MiB"),
                                           ("--concurrency", "100000000"), ("--files", "abc"),
                                           ("--bwlimit", "fast")])
def test_absurd_numbers(option, value, cli_env, bucket, make_file):
    result = hoist(cli_env, "upload", make_file("n.txt", 1), "--bucket", bucket, option, value)
    assert result.returncode in (0, 2)
    if result.returncode == 2:
        assert option in result.stderr or "not a" in result.stderr


def test_file_deleted_during_upload_fails_clearly(cli_env, data_dir, bucket, make_file):
    path = make_file("vanishing.bin", 30 * MiB)
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "1", "--bwlimit", "5MiB/s")
    wait_for_parts(data_dir, 1, proc)
    path.unlink()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "no longer exists" in err or "cannot be read" in err
    [row] = listing(cli_env)
    assert row["state"] == "failed" and row["parts_done"] >= 1      # the checkpoint is kept


def test_file_that_grows_during_upload_restarts_and_ends_identical(cli_env, data_dir, bucket,
                                                                   make_file, download_sha256,
                                                                   sha256_file):
    path = make_file("growing.log", 15 * MiB)
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "1", "--bwlimit", "8MiB/s")
    wait_for_parts(data_dir, 1, proc)
    with open(path, "ab") as f:
        f.write(os.urandom(3 * MiB))
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    assert download_sha256(bucket, "growing.log") == sha256_file(path)
