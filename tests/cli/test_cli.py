"""`hoist` as a user runs it: a real subprocess talking HTTP to moto's server."""

import signal
import sqlite3

from hoist.core.policy.planner import MiB
from hoist.core.settings.datadir import STORE_NAME
from support.cli import hoist, interrupted_upload, listing, start, wait_for_parts


def test_upload_files_and_list(cli_env, bucket, make_file, download_sha256, sha256_file):
    small, big = make_file("small.txt", 1000), make_file("big.bin", 11 * MiB)
    result = hoist(cli_env, "upload", small, big, "--bucket", bucket, "--prefix", "in/",
                   "--part-size", "5MiB")
    assert result.returncode == 0, result.stderr
    assert "2 of 2 file(s) uploaded" in result.stdout
    assert download_sha256(bucket, "in/small.txt") == sha256_file(small)
    assert download_sha256(bucket, "in/big.bin") == sha256_file(big)
    rows = listing(cli_env)
    assert {r["key"] for r in rows} == {"in/small.txt", "in/big.bin"}
    for row in rows:
        assert {"id", "path", "bucket", "key", "state", "bytes_done", "size", "parts_done",
                "parts_total", "message"} <= row.keys()
        assert row["state"] == "completed" and row["bytes_done"] == row["size"]


def test_kill_9_then_resume_sends_only_missing_parts(cli_env, data_dir, bucket, make_file,
                                                     s3_server, download_sha256, sha256_file):
    path = make_file("crash.bin", 40 * MiB)                      # 8 parts of 5 MiB
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "2", "--bwlimit", "8MiB/s", "--quiet")
    wait_for_parts(data_dir, 3, proc)
    proc.kill()                                                  # SIGKILL: no clean-up at all
    proc.wait()
    sent_before_kill = s3_server.count("UploadPart", bucket=bucket)
    result = hoist(cli_env, "resume", "--quiet")
    assert result.returncode == 0, result.stderr
    assert download_sha256(bucket, "crash.bin") == sha256_file(path)
    total = s3_server.count("UploadPart", bucket=bucket)
    assert total <= 8 + 2, f"{total} UploadPart requests for 8 parts with 2 in flight at the kill"
    assert sent_before_kill < total
    assert s3_server.count("CreateMultipartUpload", bucket=bucket) == 1


def test_sigint_pauses_with_exit_130_then_resume_completes(cli_env, data_dir, bucket, make_file,
                                                           download_sha256, sha256_file):
    path = make_file("interrupted.bin", 30 * MiB)
    status, err = interrupted_upload(cli_env, data_dir, path, bucket)
    assert status == 130, err
    assert "hoist resume" in err
    [row] = listing(cli_env)
    assert row["state"] == "paused" and 0 < row["parts_done"] < row["parts_total"]
    result = hoist(cli_env, "resume", str(row["id"]))
    assert result.returncode == 0, result.stderr
    assert download_sha256(bucket, "interrupted.bin") == sha256_file(path)


def test_sigterm_also_checkpoints(cli_env, data_dir, bucket, make_file):
    status, _ = interrupted_upload(cli_env, data_dir, make_file("term.bin", 30 * MiB), bucket,
                                  sig=signal.SIGTERM)
    assert status == 130
    assert listing(cli_env)[0]["state"] == "paused"


def test_missing_file_exit_2_and_other_files_still_upload(cli_env, bucket, make_file, tmp_path,
                                                          download_sha256, sha256_file):
    good = make_file("good.txt", 10)
    result = hoist(cli_env, "upload", tmp_path / "missing.txt", good, "--bucket", bucket)
    assert result.returncode == 2
    assert "missing.txt does not exist" in result.stderr
    assert download_sha256(bucket, "good.txt") == sha256_file(good)


def test_missing_bucket_exit_2_with_one_line(cli_env, make_file):
    result = hoist(cli_env, "upload", make_file("x.txt", 10), "--bucket", "no-such-bucket-here")
    assert result.returncode == 2
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "no-such-bucket-here" in lines[0], result.stderr


def test_wrong_credentials_exit_2_and_no_secret_printed(cli_env, bucket, make_file, s3_server):
    s3_server.fail_next("ListObjects", status=403, code="InvalidAccessKeyId", times=1)
    result = hoist(cli_env, "upload", make_file("x.txt", 10), "--bucket", bucket)
    assert result.returncode == 2, result.stderr
    assert "access key" in result.stderr.lower()
    assert cli_env["AWS_SECRET_ACCESS_KEY"] not in result.stderr + result.stdout


def test_bad_usage_exit_2(cli_env, make_file):
    assert hoist(cli_env, "upload", make_file("x", 1)).returncode == 2              # no --bucket
    assert hoist(cli_env, "upload", make_file("y", 1), "--bucket", "b",
                 "--part-size", "lots").returncode == 2
    assert hoist(cli_env, "upload", make_file("z", 1), "--bucket", "b",
                 "--concurrency", "0").returncode == 2
    assert hoist(cli_env, "resume", "999").returncode == 2


def test_corrupt_database_is_kept_aside_and_a_new_store_starts(cli_env, data_dir, bucket,
                                                               make_file):
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / STORE_NAME).write_bytes(b"this is not a database" * 100)
    result = hoist(cli_env, "upload", make_file("after.txt", 10), "--bucket", bucket)
    assert result.returncode == 0, result.stderr
    assert "damaged" in result.stderr
    assert any(p.name.startswith(STORE_NAME + ".corrupt") for p in data_dir.iterdir())


def test_cancel_aborts_on_server_and_forgets(cli_env, data_dir, bucket, make_file, s3):
    interrupted_upload(cli_env, data_dir, make_file("tocancel.bin", 30 * MiB), bucket)
    [row] = listing(cli_env)
    result = hoist(cli_env, "cancel", row["id"])
    assert result.returncode == 0, result.stderr
    assert listing(cli_env) == []
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_cleanup_aborts_orphans_but_keeps_resumable_uploads(cli_env, data_dir, bucket, make_file, s3):
    orphan = s3.create_multipart_upload(Bucket=bucket, Key="orphan.bin")["UploadId"]
    interrupted_upload(cli_env, data_dir, make_file("mine.bin", 30 * MiB), bucket)

    dry = hoist(cli_env, "cleanup", "--bucket", bucket, "--older-than", "0s", "--dry-run")
    assert dry.returncode == 0 and "Would abort s3://%s/orphan.bin" % bucket in dry.stdout
    assert len(s3.list_multipart_uploads(Bucket=bucket)["Uploads"]) == 2
    real = hoist(cli_env, "cleanup", "--bucket", bucket, "--older-than", "0s")
    assert real.returncode == 0, real.stderr
    left = [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    assert orphan not in left and len(left) == 1
    assert hoist(cli_env, "resume").returncode == 0


def test_log_records_events_without_secrets(cli_env, data_dir, bucket, make_file, s3_server):
    s3_server.fail_next("UploadPart", status=503, code="SlowDown", times=1)
    result = hoist(cli_env, "upload", make_file("logged.bin", 6 * MiB), "--bucket", bucket,
                   "--part-size", "5MiB", "--verbose")
    assert result.returncode == 0, result.stderr
    log_text = (data_dir / "hoist.log").read_text()
    assert "queued" in log_text and "completed" in log_text and "retry 1" in log_text
    assert "retry 1" in result.stderr                   # --verbose mirrors the log
    for text in (log_text, result.stdout, result.stderr):
        assert cli_env["AWS_SECRET_ACCESS_KEY"] not in text


def test_second_writer_is_refused_while_list_still_reads(cli_env, data_dir, bucket, make_file):
    path = make_file("busy.bin", 30 * MiB)
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "1", "--bwlimit", "5MiB/s")
    try:
        wait_for_parts(data_dir, 1, proc)
        second = hoist(cli_env, "upload", make_file("other.txt", 10), "--bucket", bucket)
        assert second.returncode == 2
        assert f"pid {proc.pid}" in second.stderr and "Another Hoist process" in second.stderr
        assert listing(cli_env)[0]["state"] == "uploading"       # readers need no lock
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


def test_newer_schema_is_refused_and_left_untouched(cli_env, data_dir, bucket, make_file):
    assert hoist(cli_env, "upload", make_file("first.txt", 10), "--bucket", bucket).returncode == 0
    with sqlite3.connect(data_dir / STORE_NAME) as db:
        db.execute("INSERT INTO schema_version (version) VALUES (99)")
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = (data_dir / STORE_NAME).read_bytes()
    result = hoist(cli_env, "upload", make_file("second.txt", 10), "--bucket", bucket)
    assert result.returncode == 2
    assert "newer version of Hoist" in result.stderr
    assert (data_dir / STORE_NAME).read_bytes() == before


def _start_foreign_upload(s3, bucket, key, path, parts, corrupt=False):
    """Another tool began this upload: the first ``parts`` 5 MiB parts are on the server."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    data = path.read_bytes()
    for n in range(1, parts + 1):
        body = data[(n - 1) * 5 * MiB: n * 5 * MiB]
        if corrupt and n == 1:
            body = bytes(len(body))
        s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body)
    return upload_id


def test_adopt_continues_a_matching_upload_found_on_the_server(
        cli_env, data_dir, bucket, make_file, s3, s3_server, download_sha256, sha256_file):
    path = make_file("adopt.bin", 18 * MiB)                     # 4 parts of 5 MiB
    upload_id = _start_foreign_upload(s3, bucket, "adopt.bin", path, parts=2)
    before = s3_server.count("UploadPart", bucket=bucket)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB", "--adopt")
    assert result.returncode == 0, result.stderr
    assert "adopted upload" in (data_dir / "hoist.log").read_text()
    assert s3_server.count("UploadPart", bucket=bucket) - before == 2       # only the missing
    assert s3_server.count("CreateMultipartUpload", bucket=bucket) == 1     # the other tool's
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert download_sha256(bucket, "adopt.bin") == sha256_file(path)
    assert upload_id in (data_dir / "hoist.log").read_text()


def test_adopt_refuses_parts_that_do_not_match_and_starts_fresh(
        cli_env, data_dir, bucket, make_file, s3, s3_server, download_sha256, sha256_file):
    path = make_file("mismatch.bin", 18 * MiB)
    foreign = _start_foreign_upload(s3, bucket, "mismatch.bin", path, parts=2, corrupt=True)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB", "--adopt")
    assert result.returncode == 0, result.stderr
    assert "part 1 holds different bytes than the file" in (data_dir / "hoist.log").read_text()
    assert s3_server.count("CreateMultipartUpload", bucket=bucket) == 2
    assert download_sha256(bucket, "mismatch.bin") == sha256_file(path)
    left = [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    assert left == [foreign]              # the other tool's upload is not ours to abort


def test_kill_9_then_the_same_upload_again_continues_it(cli_env, data_dir, bucket, make_file,
                                                        s3_server, download_sha256, sha256_file):
    # the same command again, not `hoist resume`: the task a dead process left "uploading"
    # must be taken up, not waited for forever
    path = make_file("again.bin", 30 * MiB)
    args = ("upload", path, "--bucket", bucket, "--part-size", "5MiB", "--concurrency", "2",
            "--quiet")
    proc = start(cli_env, *args, "--bwlimit", "8MiB/s")
    wait_for_parts(data_dir, 2, proc)
    proc.kill()
    proc.wait()
    result = hoist(cli_env, *args, timeout=90)
    assert result.returncode == 0, result.stderr
    assert download_sha256(bucket, "again.bin") == sha256_file(path)
    assert s3_server.count("CreateMultipartUpload", bucket=bucket) == 1
