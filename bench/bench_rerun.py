#!/usr/bin/env python3
"""Benchmark: `hoist upload` of a folder that is already in the bucket (issue #23).

    .venv/bin/python bench/bench_rerun.py                      # 100,000 files, already there
    .venv/bin/python bench/bench_rerun.py --files 10000 --first-upload

A folder of small files (1,000 a sub-folder) is put in a bucket of moto's S3 server,
which runs in this process so that every request can be counted. Without
``--first-upload`` the objects are put straight into moto's store (no HTTP): the
re-run then tells unchanged files by the AWS CLI's rule (same size, object not
older than the file). With it, a first `hoist upload` sends them, and the re-run
uses Hoist's record of what it sent. Then one file is changed and the upload run
a third time. For each run: wall time, the client's CPU (user + system, from
wait4) and the requests the server saw, by operation.
This is a benchmark, not a test: the machine is shared and noisy.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from support.s3server import RecordingS3Server  # noqa: E402

BUCKET = "rerun"
PER_FOLDER = 1000
SIZE = 512            # bytes a file: the cost measured is per file, not per byte


def make_folder(root: Path, count: int) -> list[tuple[Path, str]]:
    """``count`` files under ``root``/photos, with their keys (as `hoist upload` makes them)."""
    files = []
    for i in range(count):
        path = root / "photos" / f"{i // PER_FOLDER:03d}" / f"IMG_{i:06d}.jpg"
        if i % PER_FOLDER == 0:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(i.to_bytes(4, "big") * (SIZE // 4))
        files.append((path, path.relative_to(root).as_posix()))
    return files


def put_directly(files) -> None:
    """Objects into moto's own store, as if uploaded earlier by any tool: no HTTP at all."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for path, key in files:
        backend.put_object(BUCKET, key, path.read_bytes())


def run_hoist(folder: Path, endpoint: str, data: Path) -> tuple[float, float, int]:
    """`hoist upload FOLDER s3://BUCKET/`: wall seconds, client CPU seconds, exit status."""
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, HOIST_DATA_DIR=str(data))
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "hoist", "upload", str(folder),
                             f"s3://{BUCKET}/", "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    print("   ", (out.strip().splitlines() or [""])[-1], err.strip()[-300:], flush=True)
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def measure(label: str, server, folder, data) -> dict:
    server.reset()
    wall, cpu, code = run_hoist(folder, server.endpoint_url, data)
    ops = Counter(r.op for r in server.requests)
    row = {"run": label, "wall": wall, "cpu": cpu, "exit": code, "ops": dict(ops)}
    print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU, exit {code}, requests {dict(ops)}",
          flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--first-upload", action="store_true",
                        help="send them with hoist first (its record of what was sent), "
                             "instead of putting them into the store directly")
    args = parser.parse_args()
    server = RecordingS3Server().start()
    import boto3
    boto3.client("s3", endpoint_url=server.endpoint_url).create_bucket(Bucket=BUCKET)
    with tempfile.TemporaryDirectory(prefix="hoist-rerun-") as tmp:
        tmp = Path(tmp)
        began = time.monotonic()
        files = make_folder(tmp / "src", args.files)
        print(f"{args.files:,} files made in {time.monotonic() - began:.1f} s", flush=True)
        folder, data = tmp / "src" / "photos", tmp / "data"
        rows = []
        if args.first_upload:
            rows.append(measure("first upload", server, folder, data))
        else:
            time.sleep(1.1)          # the objects are newer than the files, as after an upload
            put_directly(files)
        rows.append(measure("re-run, nothing changed", server, folder, data))
        changed = files[len(files) // 2][0]
        changed.write_bytes(b"changed " + changed.read_bytes())
        rows.append(measure("re-run, one file changed", server, folder, data))
    server.stop()
    print(f"\n| run ({args.files:,} files, "
          f"{'first sent by hoist' if args.first_upload else 'already in the bucket'}) "
          "| wall | client CPU | ListObjectsV2 | HeadObject | PutObject + UploadPart |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        ops = row["ops"]
        print(f"| {row['run']} | {row['wall']:.2f} s | {row['cpu']:.2f} s "
              f"| {ops.get('ListObjects', 0):,} | {ops.get('HeadObject', 0):,} "
              f"| {ops.get('PutObject', 0) + ops.get('UploadPart', 0):,} |")
    return 0 if all(row["exit"] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
