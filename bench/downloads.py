"""Downloads for the benches: Hoist, `aws s3 cp`, rclone and s5cmd, each fetching one object.

Used by bench_upload.py (`--download`: loopback, moto or SeaweedFS) and bench_link.py
(`--download`: the shaped links). Every tool runs at its own defaults, as a user would run it.

Two measures:

* ``fetch``: one whole download, timed from outside (wall, CPU of the process tree, peak RSS),
  the file checked against the object's SHA-256 afterwards;
* ``kill_and_resume``: the download killed with SIGKILL once half the object has crossed a
  counting proxy (tests/support/faultproxy), then continued (`hoist resume`; the peers have
  no resume, so they run their command again) — the bytes that crossed twice are the cost.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Peers

BUCKET = "bench"
KEYS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1"}
TOOLS = ("hoist", "aws", "rclone", "s5cmd")


def command(tool: str, key: str, target: Path, url: str, peers: Peers,
            data_dir: str | None = None) -> tuple[list[str], dict]:
    """The command line and environment that download ``s3://bench/key`` to ``target``
    (named after the key: Hoist is given its folder)."""
    env = dict(os.environ, **KEYS)
    uri = f"s3://{BUCKET}/{key}"
    if tool == "hoist":
        return ([sys.executable, "-m", "hoist", "download", uri, str(target.parent),
                 "--endpoint-url", url, "--quiet"], dict(env, HOIST_DATA_DIR=data_dir or ""))
    if tool == "aws":
        config = target.parent / "aws-config-defaults"
        config.write_text("[default]\n")            # the AWS CLI's own defaults
        return ([str(peers.aws), "s3", "cp", uri, str(target), "--endpoint-url", url,
                 "--only-show-errors"], dict(env, AWS_CONFIG_FILE=str(config)))
    if tool == "s5cmd":
        return [str(peers.s5cmd), "--endpoint-url", url, "cp", uri, str(target)], env
    env.pop("AWS_CA_BUNDLE", None)       # rclone cannot load one; plain http needs none
    remote = f":s3,provider=Other,endpoint='{url}',env_auth=true:{BUCKET}/{key}"
    return ["rclone", "copyto", remote, str(target), "--config", "/dev/null", "-q"], env


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 * 2**20):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(tool: str, key: str, expected_sha: str, url: str, peers: Peers, measure) -> dict:
    """One whole download; ``measure`` is bench_upload.measure (wall, cpu, rss)."""
    work = Path(tempfile.mkdtemp(prefix=f"dl-{tool}-"))
    try:
        target = work / key
        cmd, env = command(tool, key, target, url, peers, data_dir=str(work / "data"))
        sample = measure(cmd, env)
        if sha256(target) != expected_sha:
            raise SystemExit(f"{tool} downloaded different bytes")
        return sample
    finally:
        shutil.rmtree(work, ignore_errors=True)


def kill_and_resume(tool: str, key: str, size: int, expected_sha: str, server_url: str,
                    peers: Peers) -> dict:
    """Kill ``tool`` at half the object, continue, and count what crossed twice.

    Returns bytes fetched in all (response bytes through the proxy), the bytes fetched
    again (all - size, less the answers' headers), and for Hoist the bytes in flight at the
    kill: received by then but not in its checkpoint (`hoist list --json`), which is what
    the issue allows it to fetch again.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from support.faultproxy import FaultProxy
    work = Path(tempfile.mkdtemp(prefix=f"dl-kill-{tool}-"))
    data = str(work / "data")
    try:
        with FaultProxy(server_url) as proxy:
            target = work / key
            cmd, env = command(tool, key, target, proxy.endpoint_url, peers, data_dir=data)
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 600
            while proxy.stats.bytes_down < size // 2:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{tool} ended before half the object had come")
                time.sleep(0.005)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            at_kill = proxy.stats.bytes_down
            committed = None
            if tool == "hoist":       # what its checkpoint holds: ranges synced and committed
                listed = subprocess.run([sys.executable, "-m", "hoist", "list", "--json"],
                                        env=env, check=True, capture_output=True, text=True)
                committed = json.loads(listed.stdout)[0]["bytes_done"]
                resume = [sys.executable, "-m", "hoist", "resume", "--quiet"]
                subprocess.run(resume, env=env, check=True, stdout=subprocess.DEVNULL)
            else:
                subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
            total = proxy.stats.bytes_down
            requests = sum(proxy.stats.requests.values())
        if sha256(target) != expected_sha:
            raise SystemExit(f"{tool} resumed into different bytes")
        # each answer carries ~300 bytes of headers: leave them out of "fetched again"
        again = max(0, total - size - requests * 300)
        # in flight at the kill: bytes received but not yet checkpointed (Hoist only)
        in_flight = None if committed is None else at_kill - committed
        return {"at_kill": at_kill, "total": total, "again": again, "in_flight": in_flight}
    finally:
        shutil.rmtree(work, ignore_errors=True)



def run_all(server_url: str, s3, size: int, runs: int, peers: Peers, measure, payload: Path,
            tools=TOOLS, resume: bool = True, say=print) -> dict:
    """Upload ``payload`` once, then download it with each tool ``runs`` times, alternating
    (A B C D A B C D …, so drift hits all alike), and kill-and-resume each once."""
    key = f"download-{size}.bin"
    s3.upload_file(str(payload), BUCKET, key)
    expected = sha256(payload)
    samples = {tool: [] for tool in tools}
    for run in range(runs):
        for tool in tools:
            sample = fetch(tool, key, expected, server_url, peers, measure)
            samples[tool].append(sample)
            say(f"download run {run + 1} {tool:6}: {sample['wall']:6.2f} s wall, "
                f"{sample['cpu']:6.2f} s CPU, {sample['rss'] / 2**20:.0f} MiB peak RSS")
    kills = {}
    if resume:
        for tool in tools:
            kills[tool] = kill_and_resume(tool, key, size, expected, server_url, peers)
            k = kills[tool]
            say(f"kill at half, then continue, {tool:6}: {k['total'] / 2**20:.0f} MiB fetched "
                f"in all, {k['again'] / 2**20:.1f} MiB again")
    return {"samples": samples, "kills": kills}


def table(results: dict, size: int, where: str) -> list[str]:
    """The README's rows: throughput and CPU beside every peer, and the resume cost."""
    import statistics
    gib = size / 2**30
    med = {tool: {k: statistics.median(s[k] for s in v) for k in ("wall", "cpu", "rss")}
           for tool, v in results["samples"].items()}
    best = min(m["wall"] for t, m in med.items() if t != "hoist")
    lines = [f"Download of one {size / 2**20:.0f} MiB object, {where}; medians of "
             f"{len(results['samples']['hoist'])} alternating runs, each tool at its defaults.",
             "",
             "| tool | time (s) | throughput (MiB/s) | best peer / tool | CPU s per GiB | peak RSS (MiB) |",
             "|---|---|---|---|---|---|"]
    for tool, m in med.items():
        lines.append(f"| {tool} | {m['wall']:.2f} | {size / m['wall'] / 2**20:.0f} | "
                     f"{best / m['wall']:.2f}× | {m['cpu'] / gib:.2f} | {m['rss'] / 2**20:.0f} |")
    met = {f"throughput ≥ 1.0× the best peer ({best / med['hoist']['wall']:.2f}×)":
           best / med["hoist"]["wall"] >= 1.0}
    kills = results["kills"]
    if kills:
        lines += ["", "Killed (SIGKILL) once half the object had crossed the proxy, then "
                  "continued: `hoist resume`; the peers cannot resume, so they ran again.", "",
                  "| tool | fetched in all (MiB) | fetched again (MiB) | in flight at the kill (MiB) |",
                  "|---|---|---|---|"]
        for tool, k in kills.items():
            flight = "—" if k["in_flight"] is None else f"{k['in_flight'] / 2**20:.1f}"
            lines.append(f"| {tool} | {k['total'] / 2**20:.0f} | {k['again'] / 2**20:.1f} | "
                         f"{flight} |")
        h = kills.get("hoist")
        if h:      # within 64 KiB: the answers' headers are estimated, not counted
            met[f"bytes fetched again ≤ in flight ({h['again'] / 2**20:.2f} ≤ "
                f"{h['in_flight'] / 2**20:.2f} MiB)"] = h["again"] <= h["in_flight"] + 2**16
    lines += ["", "Targets met: " + "; ".join(f"{k}: {'yes' if v else 'NO'}"
                                            for k, v in met.items())]
    return lines
