"""The run summary's cost line and `hoist stats`: retries by cause, re-sent parts, bytes."""

import json

from hoist.core.policy.planner import MiB
from support.cli import hoist


def test_summary_and_stats_count_what_the_server_refused(cli_env, s3_server, bucket, make_file):
    path = make_file("costly.bin", 12 * MiB)
    s3_server.fail_next("UploadPart", 503, "SlowDown", times=2)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                   "--concurrency", "1")
    assert result.returncode == 0, result.stderr
    assert "Cost: 2 retries (throttled 2), 2 parts re-sent." in result.stdout
    stats = json.loads(hoist(cli_env, "stats", "--json").stdout)
    assert stats["uploads"] == {"completed": 1}
    assert stats["retries"] == {"throttled": 2} and stats["parts_resent"] == 2
    assert stats["bytes_sent"] == 12 * MiB and stats["seconds_uploading"] > 0
    assert stats["failures"] == {}
    text = hoist(cli_env, "stats").stdout
    assert "Retries:             2 (throttled 2)" in text and "Bytes sent:          12.0 MiB" in text


def test_a_clean_run_prints_no_cost_line_and_stats_add_up_over_runs(cli_env, bucket, make_file):
    for name in ("one.bin", "two.bin"):
        result = hoist(cli_env, "upload", make_file(name, 100_000), "--bucket", bucket)
        assert result.returncode == 0 and "Cost:" not in result.stdout
    stats = json.loads(hoist(cli_env, "stats", "--json").stdout)
    assert stats["uploads"] == {"completed": 2} and stats["bytes_sent"] == 200_000
    assert stats["retries"] == {} and stats["network_wait"] == 0


def test_stats_on_an_empty_store(cli_env):
    assert hoist(cli_env, "stats").stdout.strip() == "No uploads in the checkpoint store."
