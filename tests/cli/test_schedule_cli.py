"""`--bwlimit-schedule` on the command line: applied, said, and refused when unreadable."""


from support.cli import hoist


def test_upload_follows_a_schedule_and_says_what_is_in_force(cli_env, bucket, make_file,
                                                             download_sha256, sha256_file):
    path = make_file("scheduled.bin", 200_000)
    # every day, all day: the same limit whatever the time the test runs at
    result = hoist(cli_env, "upload", path, "--bucket", bucket,
                   "--bwlimit-schedule", "00:00,4MiB/s")
    assert result.returncode == 0, result.stderr
    assert "Bandwidth schedule: Limited to 4.0 MiB/s" in result.stdout
    assert download_sha256(bucket, "scheduled.bin") == sha256_file(path)


def test_an_unreadable_schedule_is_refused_before_anything_is_sent(cli_env, bucket, make_file,
                                                                   s3_server):
    path = make_file("never.bin", 1000)
    result = hoist(cli_env, "upload", path, "--bucket", bucket,
                   "--bwlimit-schedule", "Mon-9am,2MiB/s")
    assert result.returncode == 2
    assert "not an entry of the form [DAY-]HH:MM,RATE" in result.stderr
    assert s3_server.count("PutObject", bucket=bucket) == 0
