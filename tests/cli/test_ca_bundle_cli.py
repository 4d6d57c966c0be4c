"""`hoist` over HTTPS to a store whose certificate comes from a private CA (issue #29)."""

from hoist.core.policy.planner import MiB
from support.cli import hoist, start, wait_for_parts


def test_an_unknown_issuer_is_refused_in_plain_words(cli_env, tls, bucket, make_file):
    result = hoist(cli_env, "upload", make_file("a.txt", 10), "--bucket", bucket,
                   "--endpoint-url", tls.good.endpoint_url)
    assert result.returncode == 2
    assert "unknown issuer" in result.stderr and "--ca-bundle" in result.stderr


def test_ca_bundle_comes_before_aws_ca_bundle(cli_env, tls, bucket, make_file, download_sha256,
                                              sha256_file):
    path = make_file("a.bin", 1000)
    env = {**cli_env, "AWS_CA_BUNDLE": str(tls.other_ca.path)}
    result = hoist(env, "upload", path, "--bucket", bucket, "--endpoint-url",
                   tls.good.endpoint_url, "--ca-bundle", tls.ca.path)
    assert result.returncode == 0, result.stderr
    assert download_sha256(bucket, "a.bin") == sha256_file(path)
    result = hoist(env, "cleanup", "--bucket", bucket, "--endpoint-url", tls.good.endpoint_url,
                   "--ca-bundle", tls.ca.path)
    assert result.returncode == 0, result.stderr


def test_a_bundle_that_is_not_there_is_a_usage_error(cli_env, tls, bucket, make_file, tmp_path):
    result = hoist(cli_env, "upload", make_file("a.txt", 10), "--bucket", bucket,
                   "--endpoint-url", tls.good.endpoint_url, "--ca-bundle", tmp_path / "no.pem")
    assert result.returncode == 2 and "does not exist" in result.stderr


def interrupted(cli_env, data_dir, tls, bucket, path):
    """An upload through the CA bundle, killed -9 once a part is checkpointed."""
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--endpoint-url",
                 tls.good.endpoint_url, "--ca-bundle", tls.ca.path, "--part-size", "5MiB",
                 "--concurrency", "1", "--bwlimit", "5MiB/s", "--quiet")
    wait_for_parts(data_dir, 1, proc)
    proc.kill()
    proc.wait()


def test_resume_without_the_flag_uses_the_stored_bundle(cli_env, data_dir, tls, bucket,
                                                         make_file, download_sha256, sha256_file):
    path = make_file("big.bin", 12 * MiB)
    interrupted(cli_env, data_dir, tls, bucket, path)
    result = hoist(cli_env, "resume", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert download_sha256(bucket, "big.bin") == sha256_file(path)


def test_cancel_uses_the_stored_bundle(cli_env, data_dir, tls, bucket, make_file, s3):
    interrupted(cli_env, data_dir, tls, bucket, make_file("big.bin", 12 * MiB))
    result = hoist(cli_env, "cancel", "1")
    assert result.returncode == 0, result.stderr
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
