"""`hoist upload` again: files on the server as they are here are skipped, from one listing."""

import os
import time

from hoist.core.policy.planner import MiB
from support.cli import hoist, listing

SENDING = ("HeadObject", "PutObject", "UploadPart", "CreateMultipartUpload")


def counts(s3_server, bucket) -> dict:
    return {op: s3_server.count(op, bucket=bucket) for op in (*SENDING, "ListObjects")}


def test_a_rerun_sends_nothing_and_lists_once(cli_env, bucket, make_file, s3_server):
    files = [make_file(f"album/{n}.txt", 100 + n) for n in range(3)]
    make_file("album/big.bin", 6 * MiB)                  # a multipart object: its ETag has "-2"
    first = hoist(cli_env, "upload", files[0].parent, "--bucket", bucket, "--part-size", "5MiB")
    assert first.returncode == 0, first.stderr
    before = counts(s3_server, bucket)
    again = hoist(cli_env, "upload", files[0].parent, "--bucket", bucket, "--part-size", "5MiB")
    assert again.returncode == 0, again.stderr
    assert "4 file(s) on the server already, unchanged" in again.stdout
    spent = {op: n - before[op] for op, n in counts(s3_server, bucket).items()}
    assert spent == {"HeadObject": 0, "PutObject": 0, "UploadPart": 0,
                     "CreateMultipartUpload": 0, "ListObjects": 1}       # ceil(4 / 1000)

    with open(files[1], "ab") as f:                     # one file changes
        f.write(b"more")
    before = counts(s3_server, bucket)
    third = hoist(cli_env, "upload", files[0].parent, "--bucket", bucket, "--part-size", "5MiB")
    assert third.returncode == 0, third.stderr
    assert "1 of 1 file(s) uploaded" in third.stdout and "3 skipped (unchanged)" in third.stdout
    spent = {op: n - before[op] for op, n in counts(s3_server, bucket).items()}
    assert spent["PutObject"] == 1 and spent["UploadPart"] == 0 and spent["HeadObject"] == 0


def test_forgetting_the_row_keeps_the_record_of_what_was_sent(cli_env, bucket, make_file, s3,
                                                              s3_server):
    path = make_file("kept.txt", 500)
    assert hoist(cli_env, "upload", path, "--bucket", bucket).returncode == 0
    [row] = listing(cli_env)
    assert hoist(cli_env, "cancel", row["id"]).returncode == 0       # the row is gone
    # Someone replaces the object with other bytes of the same size: newer than the file, so
    # the AWS CLI's rule alone would call it unchanged. The record's ETag says otherwise.
    s3.put_object(Bucket=bucket, Key="kept.txt", Body=b"y" * 500)
    before = s3_server.count("PutObject", bucket=bucket)
    result = hoist(cli_env, "upload", path, "--bucket", bucket)
    assert result.returncode == 0 and "1 of 1 file(s) uploaded" in result.stdout, result.stdout
    assert s3_server.count("PutObject", bucket=bucket) == before + 1


def test_force_sends_and_checksum_compares_content(cli_env, bucket, make_file, s3, s3_server):
    path = make_file("same.bin", 9 * MiB)
    s3.upload_file(str(path), bucket, "same.bin")            # another tool's: 8 MiB parts, no record
    later = time.time() + 3600                           # newer than the object: the AWS CLI's
    os.utime(path, (later, later))                       # rule alone would send it
    before = counts(s3_server, bucket)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, "--checksum")
    assert result.returncode == 0, result.stderr
    assert "on the server already, unchanged" in result.stdout
    spent = {op: n - before[op] for op, n in counts(s3_server, bucket).items()}
    assert spent["UploadPart"] == spent["PutObject"] == 0
    assert spent["HeadObject"] == 1                          # part 1's size, for the ETag
    forced = hoist(cli_env, "upload", path, "--bucket", bucket, "--force", "--part-size", "5MiB")
    assert forced.returncode == 0 and "1 of 1 file(s) uploaded" in forced.stdout


def test_filters_and_a_dry_run_that_sends_nothing(cli_env, bucket, make_file, s3, s3_server):
    keep = make_file("site/index.html", 10)
    make_file("site/cache/a.tmp", 10)
    make_file("site/b.tmp", 10)
    there = make_file("site/there.css", 10)
    changed = make_file("site/changed.css", 10)
    s3.upload_file(str(there), bucket, "site/there.css")
    s3.put_object(Bucket=bucket, Key="site/changed.css", Body=b"0123456789")
    later = time.time() + 3600
    os.utime(changed, (later, later))                    # newer than its object
    before = counts(s3_server, bucket)
    result = hoist(cli_env, "upload", keep.parent, "--bucket", bucket, "--dry-run",
                   "--exclude", "**.tmp", "--include", "cache/**", "--exclude", "cache/a.*")
    assert result.returncode == 0, result.stderr
    lines = [line.split("  ", 1)[0].strip() + " " + line.rsplit("/", 1)[1]
             for line in result.stdout.splitlines()[:-1]]
    assert sorted(lines) == ["excluded a.tmp", "excluded b.tmp", "overwrite changed.css",
                             "send index.html", "skip (unchanged) there.css"]
    assert "Dry run: 1 to send, 1 to overwrite, 1 unchanged, 2 excluded" in result.stdout
    spent = {op: n - before[op] for op, n in counts(s3_server, bucket).items()}
    assert spent["PutObject"] == spent["UploadPart"] == spent["CreateMultipartUpload"] == 0
    real = hoist(cli_env, "upload", keep.parent, "--bucket", bucket, "--exclude", "**.tmp")
    assert "2 of 2 file(s) uploaded" in real.stdout and "1 skipped (unchanged), 2 excluded" \
        in real.stdout, real.stdout
