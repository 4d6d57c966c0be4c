#!/usr/bin/env python3
"""Benchmark: client CPU of one PutObject, botocore's pipeline against the direct path.

    .venv/bin/python bench/bench_direct.py                 # 1,000 PUTs of 100 KiB, each path
    .venv/bin/python bench/bench_direct.py --count 2000 --size 1MiB --endpoint http://…

In one process, on one thread: ``Bucket.put_object`` (what the engine calls) of a 100 KiB
body (the engine's ProgressBody over a file) to SeaweedFS on loopback, started here unless
``--endpoint`` names a server. The two paths take turns in rounds of 100 requests, so a
drift in the machine's speed falls on both; ``time.process_time()`` counts this process's
CPU only (the server is another process). Both paths use the same client: the first PUT
teaches the direct path the bucket's base. This is a benchmark, not a test.
"""

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(0, str(ROOT / "tests"))
from hoist.core.local.units import format_size, parse_size  # noqa: E402
from hoist.core.remote.clients import Destination, S3Clients  # noqa: E402
from hoist.core.remote.direct.switch import ATTRIBUTE, direct_requests  # noqa: E402
from hoist.engine.progress import ProgressBody  # noqa: E402

ROUND = 100


def put_round(bucket, on: bool, path: str, size: int, checksum: str, first: int) -> float:
    """``ROUND`` PUTs on one path; the CPU seconds they took."""
    client = bucket.client()
    saved = vars(client).pop(ATTRIBUTE, None) if not on else None   # botocore's path
    try:
        started = time.process_time()
        for n in range(first, first + ROUND):
            body = ProgressBody(path, 0, size, lambda _n: None, lambda: False)
            try:
                bucket.put_object(f"bench/{'direct' if on else 'botocore'}/{n:06d}", body, size,
                                  checksum, None)
            finally:
                body.close()
        return time.process_time() - started
    finally:
        if saved is not None:
            vars(client)[ATTRIBUTE] = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="PUTs on each path")
    parser.add_argument("--size", default="100KiB")
    parser.add_argument("--endpoint", help="an S3 server already running (else SeaweedFS)")
    args = parser.parse_args()
    size = parse_size(args.size)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
    server = None
    endpoint = args.endpoint
    if endpoint is None:
        from support.seaweedfs import SeaweedS3Server, weed_binary
        server = SeaweedS3Server(weed_binary()).start()
        endpoint = server.endpoint_url
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "body.bin")
        data = os.urandom(size)
        Path(path).write_bytes(data)
        checksum = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        bucket = S3Clients().bucket(Destination("bench-direct", endpoint_url=endpoint,
                                                region="us-east-1"))
        try:
            bucket.client().create_bucket(Bucket="bench-direct")
        except Exception:       # noqa: BLE001 -- made by an earlier run
            pass
        direct = direct_requests(bucket.client())
        for on in (False, True):            # warm both: the pool's connection, the base
            put_round(bucket, on, path, size, checksum, 900000 + on * 1000)
        cpu = {False: [], True: []}
        sent_before = direct.sent
        for r in range(args.count // ROUND):
            for on in ((False, True) if r % 2 == 0 else (True, False)):
                cpu[on].append(put_round(bucket, on, path, size, checksum, r * ROUND))
        assert direct.sent - sent_before == (args.count // ROUND) * ROUND, "direct path not taken"
    if server is not None:
        server.stop()
    print(f"{args.count} PUTs of {format_size(size)} each path, {endpoint}")
    for on, name in ((False, "botocore"), (True, "direct")):
        per = [c / ROUND * 1000 for c in cpu[on]]
        print(f"  {name:9s} CPU a request: median {statistics.median(per):.3f} ms "
              f"(rounds {min(per):.3f}–{max(per):.3f}), total {sum(cpu[on]):.2f} s")
    ratio = [b / d for b, d in zip(cpu[False], cpu[True])]
    print(f"  saved a request: {(sum(cpu[False]) - sum(cpu[True])) / args.count * 1000:.3f} ms; "
          f"botocore/direct median of round pairs {statistics.median(ratio):.2f}x")


if __name__ == "__main__":
    main()
