"""`hoist share`: a presigned URL that plain urllib can fetch, and that no file keeps."""

import datetime
import urllib.parse
import urllib.request

from hoist.core.remote.sharing import MAX_SECONDS, lifetime
from support.cli import hoist


def test_the_link_downloads_the_object_and_is_kept_nowhere(cli_env, bucket, s3, data_dir):
    s3.put_object(Bucket=bucket, Key="docs/report.pdf", Body=b"%PDF- the bytes")
    result = hoist(cli_env, "share", f"s3://{bucket}/docs/report.pdf", "--expires-in", "2h")
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["7200"]
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"%PDF- the bytes"
    # the tests' credentials carry a session token: the link dies with them, and says so
    assert "temporary credentials" in result.stderr
    signature = query["X-Amz-Signature"][0]
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert signature.encode() not in path.read_bytes(), path


def test_a_week_at_most_and_a_missing_object_is_refused(cli_env, bucket, s3):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    result = hoist(cli_env, "share", f"s3://{bucket}/a.txt", "--expires-in", "30d")
    assert result.returncode == 0, result.stderr
    assert "X-Amz-Expires=604800" in result.stdout and "at most 7 days" in result.stderr
    missing = hoist(cli_env, "share", f"s3://{bucket}/nope.txt")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_a_link_never_outlives_the_credentials_that_sign_it():
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    assert lifetime(3600, None, now) == (3600, "")
    assert lifetime(30 * 86400, None, now) == (MAX_SECONDS, "S3 signs links for at most 7 days")
    seconds, cut = lifetime(86400, now + datetime.timedelta(minutes=20), now)
    assert seconds == 1200 and "credentials that sign it expire" in cut
