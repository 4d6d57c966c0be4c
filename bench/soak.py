"""Soak: one Hoist window (offscreen) fed a stream of files for a long time through a bad network.

The window is started once; every few seconds a new file (1-40 MiB) is handed
to it by a second `hoist FILE` launch, as a user would. The proxy resets a
connection every 9 MiB of request body and, every ``outage_every`` seconds,
accepts connections and resets them for ``outage`` seconds. Every ~10 s the
window process's RSS, open fds and threads are sampled from /proc. Each
finished file is checked byte for byte against the server, then deleted on
both sides so the run's footprint stays flat.
"""

import hashlib
import json
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from hoist.core.settings.datadir import STORE_NAME
from support.faultproxy import FaultProxy

MiB = 1024 * 1024
SAMPLE_EVERY = 10.0
DRAIN = 180.0               # seconds after the last file for the queue to empty
PART = 5 * MiB
THRESHOLD = 8 * MiB
_BACK = re.compile(r"^(\S+ \S+) .*answers again after ([\d.]+) s without network")


def sample(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
    return {"rss": rss, "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())),
            "threads": len(list(Path(f"/proc/{pid}/task").iterdir()))}


def tasks(data: Path) -> dict:
    """source path -> state, read-only from the window's store."""
    try:
        with sqlite3.connect(f"file:{data / STORE_NAME}?mode=ro", uri=True, timeout=1) as db:
            return dict(db.execute("SELECT source_path, state FROM tasks"))
    except sqlite3.OperationalError:
        return {}


def waited_for_network(log: Path) -> float:
    """Seconds the endpoint was down, as the engine logged when it came back (the union of
    the outages: several endpoints' waits at once count once)."""
    spans = []
    for name in sorted(log.parent.glob(log.name + "*")):
        for line in name.read_text(errors="replace").splitlines():
            if m := _BACK.match(line):
                back = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
                spans.append((back - float(m.group(2)), back))
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        total += max(0.0, b - max(a, end))
        end = max(end, b)
    return total


def wait_for_window(data: Path, window: subprocess.Popen, timeout: float = 60) -> None:
    """Until the window listens for hand-offs (its local socket exists): a hand-off before
    that would start a second window instead."""
    from hoist.ui.single_instance import server_name
    socket = Path(tempfile.gettempdir()) / server_name(data)
    deadline = time.monotonic() + timeout
    while not socket.exists():
        if window.poll() is not None or time.monotonic() > deadline:
            window.kill()
            raise SystemExit(f"the window did not start (exit {window.wait()}): see window.err")
        time.sleep(0.1)


def _arm_resets(proxy: FaultProxy):
    if hasattr(proxy, "reset_every"):
        return proxy.reset_every(9 * MiB)
    # main's proxy has no reset_every yet: about one reset per 9 MiB of 5 MiB parts
    return proxy.reset_mid_body(0.5, match="UploadPart", share=PART / (9 * MiB))


def _outage(proxy: FaultProxy, seconds: float) -> None:
    try:
        proxy.down(seconds, reset=True)
    except TypeError:               # main's proxy: refuse connections instead
        proxy.down(seconds)


class Soak:
    def __init__(self, server, s3, env_for, workdir: Path, seed: int):
        self.server, self.s3, self.workdir = server, s3, workdir
        self.rng = random.Random(seed)
        self.bucket = f"soak-{seed}-{self.rng.randrange(1 << 30)}"
        s3.create_bucket(Bucket=self.bucket)
        self.proxy = FaultProxy(server.endpoint_url, seed=seed)
        self.data = workdir / "soak-data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.files = workdir / "soak-files"
        self.files.mkdir(exist_ok=True)
        (self.data / "accounts.json").write_text(json.dumps({"default": "soak", "accounts": [
            {"name": "soak", "endpoint_url": self.proxy.endpoint_url, "region": "us-east-1",
             "path_style": True, "bucket": self.bucket}]}))
        (self.data / "preferences.json").write_text(json.dumps(
            {"files_at_once": 2, "parts_per_file": 3, "part_size": PART,
             "bandwidth_limit": 6 * MiB, "ask_before_quit": False}))
        self.env = dict(env_for(self.data), QT_QPA_PLATFORM="offscreen")
        self.digests: dict[str, bytes] = {}
        self.sizes: dict[str, int] = {}
        self.verified = self.mismatched = 0
        self.failed: set[str] = set()
        self.handoff_failures = 0
        self.samples: list[tuple[float, dict]] = []

    def _hoist(self, *args, stderr=subprocess.DEVNULL) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "hoist", *map(str, args)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=stderr)

    def hand(self, n: int) -> None:
        size = self.rng.randint(1 * MiB, 40 * MiB)
        path = self.files / f"file-{n:04d}.bin"
        data = self.rng.randbytes(size)
        path.write_bytes(data)
        self.digests[str(path)], self.sizes[str(path)] = hashlib.sha256(data).digest(), size
        proc = self._hoist(path)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.returncode != 0:
            self.handoff_failures += 1

    def collect(self) -> None:
        """Verify and delete every file the window finished since the last look."""
        for source, state in tasks(self.data).items():
            if source not in self.digests:
                continue
            if state == "failed":
                self.failed.add(source)
            if state != "completed":
                continue
            key = Path(source).name
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            if hashlib.sha256(body).digest() == self.digests.pop(source):
                self.verified += 1
            else:
                self.mismatched += 1
            self.failed.discard(source)
            self.s3.delete_object(Bucket=self.bucket, Key=key)
            Path(source).unlink()

    def run(self, minutes: float, every: float, outage: float, file_every: float) -> dict:
        # a file, not a pipe: a long-lived process must never block on a full pipe
        window = self._hoist(stderr=(self.workdir / "window.err").open("w"))
        wait_for_window(self.data, window)
        began = time.monotonic()
        next_file, next_outage, next_sample, n, outages = began, began + every, began, 0, 0
        resets = _arm_resets(self.proxy)
        try:
            end = began + minutes * 60
            while time.monotonic() < end or (self.digests and time.monotonic() < end + DRAIN
                                              and len(self.failed) < len(self.digests)):
                now = time.monotonic()
                if window.poll() is not None:
                    raise SystemExit(f"the window exited ({window.returncode}): see window.err")
                if now >= next_sample:
                    self.samples.append((now - began, sample(window.pid)))
                    next_sample += SAMPLE_EVERY
                if now >= next_outage and now < end:
                    _outage(self.proxy, outage)
                    outages += 1
                    next_outage += every
                if now >= next_file and now < end and not self.proxy.is_down:
                    n += 1
                    self.hand(n)
                    next_file = time.monotonic() + file_every
                self.collect()
                time.sleep(0.5)
            self.samples.append((time.monotonic() - began, sample(window.pid)))
        finally:
            window.terminate()
            try:
                window.wait(timeout=60)
            except subprocess.TimeoutExpired:
                window.kill()
            self.proxy.stop()
        # files under the 8 MiB multipart threshold go as one PutObject
        parts = sum(-(-s // PART) for s in self.sizes.values() if s >= THRESHOLD)
        puts = sum(1 for s in self.sizes.values() if s < THRESHOLD)
        seen = self.proxy.count("UploadPart") - parts + self.proxy.count("PutObject") - puts
        return {"files": n, "verified": self.verified, "mismatched": self.mismatched,
                "unfinished": len(self.digests), "failed": len(self.failed),
                "handoff_failures": self.handoff_failures, "outages": outages,
                "outage_s": outages * outage, "resent_parts": seen,
                "resets": resets.fired if hasattr(resets, "fired") else 0,
                "waited": waited_for_network(self.data / "hoist.log"),
                "elapsed": time.monotonic() - began, "samples": self.samples,
                "mib": sum(self.sizes.values()) / MiB}


def _pick(samples):
    peak = {k: max(s[k] for _, s in samples) for k in ("rss", "fds", "threads")}
    return samples[0][1], samples[len(samples) // 2][1], samples[-1][1], peak


def run(server, s3, env_for, workdir: Path, minutes: float, every: float, outage: float,
        seed: int, file_every: float = 12.0) -> tuple[bool, list[str], str]:
    """(all checks passed, result lines, markdown row)."""
    res = Soak(server, s3, env_for, workdir, seed).run(minutes, every, outage, file_every)
    first, middle, last, peak = _pick(res["samples"])
    # growth: the second half of the run against its middle, after warm-up
    growth = [k for k, slack in (("rss", 50.0), ("fds", 10), ("threads", 10))
              if last[k] > middle[k] * 1.2 + slack]
    ok = (res["verified"] == res["files"] and not res["mismatched"] and not growth)

    def show(s):
        return f"{s['rss']:.0f} MiB / {s['fds']} fds / {s['threads']} threads"
    lines = [f"soak: {minutes:g} min, {res['files']} files ({res['mib']:.0f} MiB), "
             f"{res['verified']} verified byte for byte, {res['mismatched']} mismatched, "
             f"{res['failed']} failed, {res['unfinished']} unfinished, "
             f"{res['handoff_failures']} hand-offs refused",
             f"soak: {res['outages']} outages ({res['outage_s']:.0f} s), {res['resets']} resets; "
             f"re-sent {res['resent_parts']} parts (≤ {res['resent_parts'] * 5} MiB); "
             f"waited for the network {res['waited']:.0f} s (from hoist.log)",
             f"soak: start {show(first)}; middle {show(middle)}; end {show(last)}; "
             f"peak {show(peak)}; growth: {', '.join(growth) or 'none'}",
             f"soak: {'PASS' if ok else 'FAIL'}"]
    gap = f"{every / 60:g} min" if every % 60 == 0 else f"{every:.0f} s"
    row = (f"| {minutes:g}-minute soak: one window fed {res['files']} files of 1-40 MiB, a reset "
           f"every 9 MiB, a {outage:.0f} s outage every {gap} "
           f"(waited {res['waited']:.0f} s); RSS/fds/threads start {show(first)}, "
           f"end {show(last)}, peak {show(peak)} | {res['files']} | {res['verified']} | "
           f"{res['verified']} | {res['resent_parts']} in all; {res['failed']} failed |")
    return ok, lines, row
