"""The S3 server a bench talks to: moto's or SeaweedFS's, on loopback, in a process of its own.

moto is a one-core Python server that hides differences between clients (it is often the
bottleneck); SeaweedFS (Go, `weed mini`, installed by packaging/install-test-servers.sh) is a
real object store. Either way the server's CPU is not counted as the client's. The bench's
bucket is made on start; ``empty(prefix)`` lists and deletes what a run stored, so the bench
can check it arrived whole.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "bench"
KINDS = ("moto", "seaweedfs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(niceness: int = 0) -> tuple[subprocess.Popen, str]:
    """moto's S3 server in a process of its own; ``niceness`` lowers its CPU priority."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                             "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=(lambda: os.nice(niceness)) if niceness else None)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto's server did not start")


def seaweedfs_installed() -> bool:
    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from seaweedfs import weed_binary
    return weed_binary() is not None


class Server:
    """``kind`` is "moto" or "seaweedfs"; ``url`` its endpoint, ``name`` what the tables say."""

    def __init__(self, kind: str):
        self.kind = kind
        self._weed = self._moto = None
        if kind == "seaweedfs":
            sys.path.insert(0, str(ROOT / "tests" / "support"))
            from seaweedfs import INSTALL_COMMAND, SeaweedS3Server, weed_binary
            binary = weed_binary()
            if not binary:
                raise SystemExit(f"SeaweedFS is not installed: {INSTALL_COMMAND}")
            self._weed = SeaweedS3Server(binary).start()
            found = re.search(r"\b\d+\.\d+(\.\d+)?\b", self._weed.version)
            self.url = self._weed.endpoint_url
            self.name = f"SeaweedFS {found.group(0) if found else ''}".strip()
        elif kind == "moto":
            self._moto, self.url = start_moto()
            from moto import __version__ as moto_version
            self.name = f"moto {moto_version}"
        else:
            raise SystemExit(f"unknown server {kind!r}: one of {', '.join(KINDS)}")
        import boto3
        self.s3 = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                               aws_access_key_id="bench", aws_secret_access_key="bench")
        self.s3.create_bucket(Bucket=BUCKET)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def listing(self, prefix: str) -> list[dict]:
        """Every object under ``prefix``: key and size."""
        found = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            found += [{"Key": o["Key"], "Size": o["Size"]} for o in page.get("Contents", [])]
        return found

    def empty(self, prefix: str) -> list[dict]:
        """Delete everything under ``prefix``; returns what was there (key, size)."""
        found = self.listing(prefix)
        for i in range(0, len(found), 1000):
            self.s3.delete_objects(Bucket=BUCKET, Delete={
                "Objects": [{"Key": o["Key"]} for o in found[i:i + 1000]], "Quiet": True})
        return found

    def stop(self) -> None:
        weed, moto, self._weed, self._moto = self._weed, self._moto, None, None
        if weed:
            weed.stop()
        if moto:
            moto.terminate()
            moto.wait()
