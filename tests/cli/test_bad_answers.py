"""Stores that answer in ways moto does not: no multipart at all, a 200 that carries an
error, a part refused for its size. Each gets one clear line, and nothing is lost."""


from hoist.core.policy.planner import MiB
from support.cli import hoist, listing

ERROR_BODY = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
              '<Message>{message}</Message><RequestId>test</RequestId></Error>').encode()


def upload(cli_env, path, bucket):
    return hoist(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB", timeout=120)


def test_a_store_without_multipart_gets_the_file_in_one_piece(cli_env, s3_server, bucket,
                                                               make_file, download_sha256,
                                                               sha256_file):
    path = make_file("whole.bin", 12 * MiB)
    s3_server.fail_next("CreateMultipartUpload", 501, "NotImplemented", times=100)
    try:
        result = upload(cli_env, path, bucket)
    finally:
        s3_server.clear_failures()
    assert result.returncode == 0, result.stderr
    assert download_sha256(bucket, "whole.bin") == sha256_file(path)
    assert s3_server.count("UploadPart", bucket=bucket) == 0
    # asked once with a checksum and once without (a NotImplemented may be the checksum's), no more
    assert s3_server.count("CreateMultipartUpload", bucket=bucket) <= 2
    [row] = listing(cli_env)
    assert row["state"] == "completed"


def test_a_200_with_an_error_inside_is_an_error_and_is_retried(cli_env, s3_server, bucket,
                                                                make_file, download_sha256,
                                                                sha256_file):
    path = make_file("twohundred.bin", 12 * MiB)
    answers = []

    def once(status, headers, body):
        if answers:
            return status, headers, body
        answers.append(status)
        return "200 OK", headers, ERROR_BODY.replace(b"{code}", b"InternalError").replace(
            b"{message}", b"We encountered an internal error. Please try again.")
    s3_server.rewrite("CompleteMultipartUpload", once)
    try:
        result = upload(cli_env, path, bucket)
    finally:
        s3_server.rewrite("CompleteMultipartUpload", None)
    assert result.returncode == 0, result.stderr
    assert len(answers) == 1
    assert download_sha256(bucket, "twohundred.bin") == sha256_file(path)


def test_a_200_with_a_refusal_inside_fails_with_one_line_and_keeps_the_parts(
        cli_env, s3_server, bucket, make_file):
    path = make_file("refused.bin", 12 * MiB)
    s3_server.rewrite("CompleteMultipartUpload", lambda status, headers, body: (
        "200 OK", headers, ERROR_BODY.replace(b"{code}", b"InvalidPart").replace(
            b"{message}", b"One or more of the specified parts could not be found.")))
    try:
        result = upload(cli_env, path, bucket)
    finally:
        s3_server.rewrite("CompleteMultipartUpload", None)
    assert result.returncode == 1
    failure = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert len(failure) == 1 and "(InvalidPart)" in failure[0], result.stderr
    [row] = listing(cli_env)
    assert row["state"] == "failed" and row["parts_done"] == row["parts_total"] == 3


def test_a_part_refused_as_too_small_says_to_raise_the_part_size(cli_env, s3_server, bucket,
                                                                  make_file):
    path = make_file("small-parts.bin", 12 * MiB)
    s3_server.fail_next("CompleteMultipartUpload", 400, "EntityTooSmall",
                        message="Your proposed upload is smaller than the minimum allowed size")
    result = upload(cli_env, path, bucket)
    assert result.returncode == 1
    assert "too small (EntityTooSmall)" in result.stderr and "--part-size" in result.stderr
