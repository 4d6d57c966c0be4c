"""Where `hoist upload` sends files, said as s3://bucket/prefix/; `share` is a command."""

import subprocess
import sys

from support.cli import hoist, listing


def test_an_s3_address_after_the_files_or_after_to(cli_env, bucket, make_file, s3):
    a, b = make_file("a.txt", 10), make_file("b.txt", 20)
    assert hoist(cli_env, "upload", a, f"s3://{bucket}/in/2026").returncode == 0
    assert hoist(cli_env, "upload", b, "--to", f"s3://{bucket}/out/").returncode == 0
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {"in/2026/a.txt", "out/b.txt"}
    assert {r["key"] for r in listing(cli_env)} == keys


def test_two_destinations_or_none_are_refused(cli_env, bucket, make_file):
    path = make_file("x.txt", 1)
    both = hoist(cli_env, "upload", path, f"s3://{bucket}/", "--bucket", bucket)
    assert both.returncode == 2 and "give one" in both.stderr
    none = hoist(cli_env, "upload", path)
    assert none.returncode == 2 and "say where to upload" in none.stderr


def test_a_folder_named_share_does_not_open_the_window(cli_env, bucket, s3, tmp_path):
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"k")
    (tmp_path / "share").mkdir()                 # `hoist FOLDER` would hand it to the window
    result = subprocess.run([sys.executable, "-m", "hoist", "share", f"s3://{bucket}/k.txt"],
                            env=cli_env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("http")
