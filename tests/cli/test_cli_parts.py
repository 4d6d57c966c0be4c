"""`hoist upload` part size and parts in flight: automatic by default, flags obeyed exactly."""


from hoist.core.policy.adaptive import DEFAULT_PART_SIZE, INITIAL_PARTS
from hoist.core.policy.planner import MiB
from support.cli import hoist
from support.partgate import PartGate


def test_flags_set_part_size_and_parts_in_flight_exactly(cli_env, bucket, make_file, s3_server,
                                                          download_sha256, sha256_file):
    path = make_file("flags.bin", 40 * MiB)
    with PartGate(s3_server, want=3, hold=3) as gate:       # the server would take a third
        result = hoist(cli_env, "upload", path, "--bucket", bucket, "--part-size", "6MiB",
                       "--concurrency", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    assert gate.parts() == [6 * MiB] * 6 + [4 * MiB]
    assert gate.peak == 2
    assert download_sha256(bucket, path.name) == sha256_file(path)


def test_without_flags_parts_are_automatic(cli_env, bucket, make_file, s3_server,
                                           download_sha256, sha256_file):
    path = make_file("auto.bin", 40 * MiB + 1)
    with PartGate(s3_server, want=INITIAL_PARTS) as gate:
        result = hoist(cli_env, "upload", path, "--bucket", bucket, "--quiet")
    assert result.returncode == 0, result.stderr
    # nothing measured before this upload: 8 MiB parts, and the initial parts in flight
    assert gate.parts() == [DEFAULT_PART_SIZE] * 5 + [1]
    assert gate.peak == INITIAL_PARTS
    assert download_sha256(bucket, path.name) == sha256_file(path)
