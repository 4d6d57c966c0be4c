"""`--preset` sets part size and parts in flight; an explicit flag still wins."""


from hoist.core.policy.planner import MiB
from support.cli import hoist
from support.partgate import PartGate


def test_poor_network_sends_small_parts_two_at_a_time(cli_env, s3_server, bucket, make_file,
                                                      download_sha256, sha256_file):
    path = make_file("flaky.bin", 12 * MiB)
    with PartGate(s3_server, want=2, hold=2.0) as gate:
        result = hoist(cli_env, "upload", path, "--bucket", bucket, "--preset", "poor-network")
    assert result.returncode == 0, result.stderr
    assert gate.parts() == [5 * MiB, 5 * MiB, 2 * MiB] and gate.peak == 2
    assert download_sha256(bucket, "flaky.bin") == sha256_file(path)


def test_an_explicit_part_size_beats_the_preset(cli_env, s3_server, bucket, make_file):
    path = make_file("mine.bin", 12 * MiB)
    with PartGate(s3_server, want=1, hold=0.1) as gate:
        result = hoist(cli_env, "upload", path, "--bucket", bucket, "--preset", "poor-network",
                       "--part-size", "6MiB")
    assert result.returncode == 0, result.stderr
    assert gate.parts() == [6 * MiB, 6 * MiB]


def test_an_unknown_preset_is_refused(cli_env, bucket, make_file):
    result = hoist(cli_env, "upload", make_file("x.bin", 10), "--bucket", bucket,
                   "--preset", "turbo")
    assert result.returncode == 2 and "invalid choice: 'turbo'" in result.stderr
