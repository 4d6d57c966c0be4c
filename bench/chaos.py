"""Chaos: kill -9 a `hoist upload` at random moments, continue it each time, check what is left.

A clean run is timed first (spawn to exit, D seconds). Each attempt is then
killed after a delay drawn uniformly from [0, D) -- so kills land in start-up,
CreateMultipartUpload, the parts, Complete and verification alike -- and the
same `hoist upload` is run again, which continues the checkpointed task. An
attempt that finishes before its kill completes the upload; the next kill then
starts a fresh upload of the same file in a new bucket (a "round"), until N
kills have been dealt. Continuing is `hoist upload` until the task is in the
store, `hoist resume` after (with the default parts in flight). Every round
must end with one byte-identical object, no multipart upload left on the
server, and at most as many re-sent parts as were in flight at its kills.
"""

import hashlib
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from hoist.core.settings.config import TransferConfig
from hoist.core.settings.datadir import STORE_NAME
from support.cli import parts_done, start

MiB = 1024 * 1024
SIZE = 70 * MiB                 # 14 parts of 5 MiB
PART = 5 * MiB
CONCURRENCY = 3
IN_FLIGHT = max(CONCURRENCY, TransferConfig().max_parts_in_flight)   # upload's, or resume's automatic cap
BWLIMIT = "20MiB/s"             # the parts phase, not interpreter start-up, fills most of D


@dataclass
class Round:
    bucket: str
    data: Path
    kills: int = 0
    bound: int = 0              # parts in flight at the kills, measured
    phases: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)


def task_state(data: Path) -> str | None:
    path = data / STORE_NAME
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT state FROM tasks ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _phase(server, bucket: str, since: int) -> str:
    """Where a kill landed, from the requests the server saw for the bucket."""
    ops = [r.op for r in server.requests[since:] if r.bucket == bucket]
    everything = [r.op for r in server.requests if r.bucket == bucket]
    if "CreateMultipartUpload" not in everything:
        return "before Create"
    if "CompleteMultipartUpload" in ops or "HeadObject" in ops[-1:]:
        return "Complete/verify"
    if not ops:
        return "start-up"
    return "parts" if "UploadPart" in ops else "Create/reconcile"


class Chaos:
    def __init__(self, server, s3, env_for, workdir: Path, seed: int):
        self.server, self.s3, self.env_for = server, s3, env_for
        self.workdir, self.rng = workdir, random.Random(seed)
        self.path = workdir / "chaos.bin"
        self.path.write_bytes(random.Random(seed).randbytes(SIZE))
        self.digest = hashlib.sha256(self.path.read_bytes()).digest()
        self.count = 0

    def args(self, bucket: str, data: Path | None = None) -> tuple:
        # Once the task is in the store, `hoist resume` continues it. (The same `hoist upload`
        # again does not: it finds the task left "uploading" by the kill and waits on it forever.)
        if data is not None and task_state(data) is not None:
            return ("resume", "--quiet")
        return ("upload", self.path, "--bucket", bucket, "--part-size", "5MiB",
                "--concurrency", str(CONCURRENCY), "--bwlimit", BWLIMIT, "--quiet")

    def new_round(self) -> Round:
        self.count += 1
        bucket = f"chaos-{self.count}-{self.rng.randrange(1 << 30)}"
        self.s3.create_bucket(Bucket=bucket)
        return Round(bucket, self.workdir / f"data-{self.count}")

    def clean_duration(self) -> float:
        r = self.new_round()
        began = time.monotonic()
        proc = start(self.env_for(r.data), *self.args(r.bucket))
        _, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise SystemExit(f"the clean chaos run failed ({proc.returncode}): {err.strip()}")
        return time.monotonic() - began

    def attempt(self, r: Round, delay: float | None) -> bool:
        """One `hoist upload`, killed after ``delay`` s (None: never); True once it completed."""
        since = len(self.server.requests)
        sent_before = self.server.count("UploadPart", bucket=r.bucket)
        done_before = parts_done(r.data)
        proc = start(self.env_for(r.data), *self.args(r.bucket, r.data))
        try:
            proc.wait(timeout=delay if delay is not None else 300)
        except Exception:  # noqa: BLE001 -- subprocess.TimeoutExpired: the kill moment came
            proc.kill()
            proc.wait()
            time.sleep(0.2)      # a request head already on the wire reaches the server
            r.kills += 1
            phase = _phase(self.server, r.bucket, since)
            r.phases[phase] = r.phases.get(phase, 0) + 1
            started = self.server.count("UploadPart", bucket=r.bucket) - sent_before
            committed = parts_done(r.data) - done_before
            r.bound += max(started - committed, 0)
            return task_state(r.data) == "completed"
        _, err = proc.communicate()
        if proc.returncode != 0:
            r.failures.append(f"exit {proc.returncode}: {err.strip()[-200:]}")
        return proc.returncode == 0 or task_state(r.data) == "completed"

    def check(self, r: Round) -> dict:
        listing = self.s3.list_objects_v2(Bucket=r.bucket).get("Contents", [])
        uploads = self.s3.list_multipart_uploads(Bucket=r.bucket).get("Uploads", [])
        identical = False
        parts = 0
        if len(listing) == 1:
            reply = self.s3.get_object(Bucket=r.bucket, Key=listing[0]["Key"])
            identical = hashlib.sha256(reply["Body"].read()).digest() == self.digest
            parts = int(reply["ETag"].strip('"').rsplit("-", 1)[1])
        resent = self.server.count("UploadPart", bucket=r.bucket) - parts
        return {"objects": len(listing), "orphans": len(uploads), "identical": identical,
                "resent": resent, "bound": r.bound, "kills": r.kills,
                "within": resent <= r.bound, "failures": r.failures}


def run(server, s3, env_for, workdir: Path, kills: int, seed: int) -> tuple[bool, list[str], str]:
    """Deal ``kills`` kills; (all checks passed, result lines, markdown row)."""
    chaos = Chaos(server, s3, env_for, workdir, seed)
    duration = chaos.clean_duration()
    print(f"chaos: clean run of {SIZE // MiB} MiB took {duration:.1f} s", flush=True)
    results, phases, dealt = [], {}, 0
    while dealt < kills:
        r = chaos.new_round()
        while True:
            delay = chaos.rng.uniform(0, duration) if dealt + r.kills < kills else None
            if chaos.attempt(r, delay):
                break
            if delay is None and r.failures and len(r.failures) > 3:
                break                      # it keeps failing without kills: report, don't spin
        dealt += r.kills
        for k, v in r.phases.items():
            phases[k] = phases.get(k, 0) + v
        results.append(chaos.check(r))
        res = results[-1]
        print(f"chaos round {len(results)}: {res['kills']} kills, objects {res['objects']}, "
              f"orphans {res['orphans']}, identical {res['identical']}, re-sent {res['resent']} "
              f"(in flight at kills {res['bound']})", flush=True)
    ok = all(x["objects"] == 1 and x["orphans"] == 0 and x["identical"] and x["within"]
             and not x["failures"] for x in results)
    resent = sum(x["resent"] for x in results)
    bound = sum(x["bound"] for x in results)
    where = ", ".join(f"{v} {k}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1]))
    lines = [f"chaos: {dealt} kills over {len(results)} uploads ({where}); "
             f"{sum(x['identical'] for x in results)} identical, "
             f"{sum(x['objects'] == 1 for x in results)} with exactly one object, "
             f"{sum(x['orphans'] for x in results)} orphaned uploads; re-sent {resent} parts, "
             f"{bound} were in flight at the kills (concurrency bound {IN_FLIGHT * dealt}): "
             f"{'PASS' if ok else 'FAIL'}"]
    for i, x in enumerate(results, 1):
        if x["failures"] or not x["within"] or x["orphans"] or x["objects"] != 1:
            lines.append(f"  round {i}: {x}")
    row = (f"| kill -9 at {dealt} random moments, each followed by `hoist resume` "
           f"({SIZE // MiB} MiB, {CONCURRENCY} in flight; {len(results)} uploads) | {len(results)} | "
           f"{sum(not x['failures'] for x in results)} | {sum(x['identical'] for x in results)} | "
           f"{resent} in all, {bound} in flight at the kills; no orphan, one object each |")
    return ok, lines, row
