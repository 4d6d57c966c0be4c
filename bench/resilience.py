#!/usr/bin/env python3
"""Resilience table: each failure scenario run several times against real `hoist` processes.

    .venv/bin/python bench/resilience.py            # about three minutes
    .venv/bin/python bench/resilience.py --runs 5 --outage 30
    .venv/bin/python bench/resilience.py --chaos 50 --seed 1       # kill -9 at 50 random moments
    .venv/bin/python bench/resilience.py --soak 30 --seed 1        # a 30-minute soak of one window

--chaos and --soak run only themselves (see bench/chaos.py and bench/soak.py)
and exit 1 if a check fails.

Every run uploads a fresh file to moto's server on loopback through the same
helpers the tests use, breaks something, lets `hoist resume` (or hoist
itself) finish, and checks the object byte for byte. "Re-sent" counts
UploadPart requests beyond one per part: the price of the failure.
"""

import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "app"), str(ROOT / "tests"), str(ROOT / "bench")]

import boto3  # noqa: E402

from support.cli import hoist, start, wait_for_parts  # noqa: E402
from support.faultproxy import FaultProxy  # noqa: E402
from support.s3server import RecordingS3Server  # noqa: E402

MiB = 1024 * 1024
PARTS = 6


class Run:
    """One scenario run: a data dir, a bucket, a file of PARTS parts, and the env for hoist."""

    count = 0

    def __init__(self, server, s3, endpoint):
        Run.count += 1
        self.server, self.s3 = server, s3
        self.dir = Path(tempfile.mkdtemp(prefix="hoist-resilience-"))
        self.bucket = f"resilience-{os.getpid()}-{Run.count}"
        s3.create_bucket(Bucket=self.bucket)
        self.path = self.dir / "payload.bin"
        self.path.write_bytes(random.Random(Run.count).randbytes(PARTS * 5 * MiB))
        self.data = self.dir / "data"
        self.env = dict(os.environ, HOIST_DATA_DIR=str(self.data), AWS_ENDPOINT_URL=endpoint,
                        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                        AWS_DEFAULT_REGION="us-east-1")

    def upload_args(self, *extra):
        return ("upload", self.path, "--bucket", self.bucket, "--part-size", "5MiB",
                "--concurrency", "2", "--quiet", *extra)

    def outcome(self, exit_ok: bool) -> tuple[bool, bool, int]:
        try:
            reply = self.s3.get_object(Bucket=self.bucket, Key=self.path.name)
        except Exception:  # noqa: BLE001 -- a missing object is a failed run, not a crash
            return False, False, 0
        identical = (hashlib.sha256(reply["Body"].read()).digest()
                     == hashlib.sha256(self.path.read_bytes()).digest())
        parts = int(reply["ETag"].strip('"').rsplit("-", 1)[1])     # "md5-N": N parts
        resent = self.server.count("UploadPart", bucket=self.bucket) - parts
        return exit_ok, identical, resent


def kill_at(op, after):
    def scenario(run):
        release = run.server.stall_next(op, after_server=after)
        proc = start(run.env, *run.upload_args())
        deadline = time.monotonic() + 30
        while not run.server.holding.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.kill()
        proc.wait()
        release.set()
        return hoist(run.env, "resume", "--quiet").returncode == 0
    return scenario


def kill_mid_parts(run):
    proc = start(run.env, *run.upload_args("--bwlimit", "10MiB/s"))
    wait_for_parts(run.data, 2, proc)
    proc.kill()
    proc.wait()
    return hoist(run.env, "resume", "--quiet").returncode == 0


def sigint_then_resume(run):
    proc = start(run.env, *run.upload_args("--bwlimit", "10MiB/s"))
    wait_for_parts(run.data, 2, proc)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    return proc.returncode == 130 and hoist(run.env, "resume", "--quiet").returncode == 0


def outage(seconds):
    def scenario(run):
        relay = FaultProxy(run.server.endpoint_url)
        env = dict(run.env, AWS_ENDPOINT_URL=relay.endpoint_url)
        try:
            proc = start(env, *run.upload_args("--bwlimit", "10MiB/s"))
            wait_for_parts(run.data, 2, proc)
            relay.down()
            time.sleep(seconds)
            relay.restore()
            proc.communicate(timeout=seconds + 120)
            return proc.returncode == 0
        finally:
            relay.stop()
    return scenario


def outage_that_resets(seconds):
    """Resets every 9 MiB of part bodies, then an outage that accepts and resets connections."""
    def scenario(run):
        relay = FaultProxy(run.server.endpoint_url, seed=Run.count)
        relay.reset_every(9 * MiB, match="UploadPart")
        env = dict(run.env, AWS_ENDPOINT_URL=relay.endpoint_url)
        try:
            proc = start(env, *run.upload_args("--bwlimit", "10MiB/s"))
            wait_for_parts(run.data, 2, proc)
            relay.down(seconds, reset=True)
            proc.communicate(timeout=seconds + 180)
            return proc.returncode == 0 and relay.injected("reset_on_accept") > 0
        finally:
            relay.stop()
    return scenario


def silent_answers(run):
    """Two part answers that never come: the read timeout (5 s here) must fire, and be waited out."""
    relay = FaultProxy(run.server.endpoint_url, seed=Run.count)
    stalls = relay.stall_answer(60, match="UploadPart", times=2)
    env = dict(run.env, AWS_ENDPOINT_URL=relay.endpoint_url, HOIST_READ_TIMEOUT="5")
    try:
        ok = hoist(env, *run.upload_args(), timeout=300).returncode == 0
        return ok and stalls.fired == 2
    finally:
        relay.stop()


def full_data_disk(run):
    """The data directory on a 1 MiB tmpfs, filled mid-upload: exit 130, then space, then resume."""
    from support.tinydisk import fill
    disk = run.dir / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(disk)],
                   check=True)
    env = dict(run.env, HOIST_DATA_DIR=str(disk))
    try:
        proc = start(env, *run.upload_args("--bwlimit", "10MiB/s"))
        wait_for_parts(disk, 2, proc)
        filler = fill(disk)
        proc.communicate(timeout=60)
        paused = proc.returncode == 130
        filler.unlink()
        return paused and hoist(env, "resume", "--quiet").returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(disk)])


def flaky(run):
    relay = FaultProxy(run.server.endpoint_url, seed=Run.count)
    relay.reset_mid_body(fraction=0.4, match={"UploadPart"}, share=0.10)
    run.server.fail_next("UploadPart", status=503, code="SlowDown", times=3)
    try:
        return hoist(dict(run.env, AWS_ENDPOINT_URL=relay.endpoint_url), *run.upload_args(),
                     timeout=300).returncode == 0
    finally:
        relay.stop()


def env_for(endpoint):
    def env(data: Path) -> dict:
        return dict(os.environ, HOIST_DATA_DIR=str(data), AWS_ENDPOINT_URL=endpoint,
                    AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                    AWS_DEFAULT_REGION="us-east-1")
    return env


def publish(lines: list[str], name: str) -> None:
    text = "\n".join(lines)
    print("\n" + text)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / name).write_text(text + "\n")


def stress(args, server, s3) -> int:
    """--chaos and/or --soak: (exit status) with their rows in the results table."""
    import chaos
    import soak
    header = ["| scenario | runs | completed | identical | re-sent parts |", "|---|---|---|---|---|"]
    rows, passed = [], True
    workdir = Path(tempfile.mkdtemp(prefix="hoist-stress-"))
    if args.chaos:
        ok, lines, row = chaos.run(server, s3, env_for(server.endpoint_url), workdir,
                                   args.chaos, args.seed)
        print("\n".join(lines), flush=True)
        rows.append(row)
        passed &= ok
    if args.soak:
        ok, lines, row = soak.run(server, s3, env_for(server.endpoint_url), workdir, args.soak,
                                  args.outage_every, args.outage, args.seed)
        print("\n".join(lines), flush=True)
        rows.append(row)
        passed &= ok
    publish(header + rows, "stress.md")
    return 0 if passed else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the network is down")
    parser.add_argument("--chaos", type=int, metavar="N", help="kill -9 one upload at N random moments")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="feed one window for MINUTES")
    parser.add_argument("--outage-every", type=float, default=300.0,
                        help="seconds between the soak's outages")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    server = RecordingS3Server().start()
    s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    if args.chaos or args.soak:
        try:
            sys.exit(stress(args, server, s3))
        finally:
            server.stop()
    scenarios = [
        ("kill -9 before CreateMultipartUpload", kill_at("CreateMultipartUpload", False), args.runs),
        ("kill -9 after Create, before its id is recorded", kill_at("CreateMultipartUpload", True), args.runs),
        ("kill -9 in the middle of the parts", kill_mid_parts, args.runs),
        ("kill -9 after the last part, before Complete", kill_at("CompleteMultipartUpload", False), args.runs),
        ("kill -9 after Complete, before it is recorded", kill_at("CompleteMultipartUpload", True), args.runs),
        ("kill -9 during verification", kill_at("HeadObject", True), args.runs),
        ("Ctrl-C (SIGINT), then hoist resume", sigint_then_resume, args.runs),
        (f"network down for {args.outage:.0f} s mid-file", outage(args.outage), 1),
        ("10% of part uploads reset mid-body + SlowDown bursts", flaky, args.runs),
        (f"resets every 9 MiB + {args.outage:.0f} s outage that accepts and resets connections",
         outage_that_resets(args.outage), args.runs),
        ("two part answers that stay silent (read timeout 5 s)", silent_answers, args.runs),
        ("the data directory's disk fills mid-upload (exit 130), space freed, hoist resume",
         full_data_disk, args.runs),
    ]
    lines = [f"{PARTS}-part files (5 MiB parts, 2 in flight) against moto on loopback.", "",
             "| scenario | runs | completed | identical | re-sent parts |", "|---|---|---|---|---|"]
    try:
        for name, scenario, runs in scenarios:
            results = []
            for _ in range(runs):
                run = Run(server, s3, server.endpoint_url)
                results.append(run.outcome(scenario(run)))
                server.clear_failures()
            done = sum(1 for ok, _, _ in results if ok)
            same = sum(1 for _, identical, _ in results if identical)
            resent = [r for _, _, r in results]
            line = (f"| {name} | {runs} | {done} | {same} | "
                    f"{sum(resent)} in all (at most {max(resent)} a run) |")
            print(line, flush=True)
            lines.append(line)
    finally:
        server.stop()
    publish(lines, "resilience.md")


if __name__ == "__main__":
    main()
