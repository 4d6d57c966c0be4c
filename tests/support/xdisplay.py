"""A real X display for the few tests that need one: Xvfb, plus a system tray host (trayer).

Everything else runs offscreen. These tests skip where Xvfb or trayer is not
installed, naming the install command, except under CI (CI=true), where they
must run: packaging/install-test-servers.sh installs both.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

NEEDED = ("Xvfb", "trayer")


def require_x_tools() -> None:
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if not missing:
        return
    why = (f"{' and '.join(missing)} not installed: run `bash packaging/install-test-servers.sh` "
           "(Debian's xvfb and trayer)")
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


class XDisplay:
    """Xvfb on a free display number, with trayer docked as the system tray."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []
        self.display = ""

    def start(self) -> "XDisplay":
        for number in range(90, 140):
            if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
                continue
            xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24",
                                     "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            if self._wait(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), xvfb):
                self.procs.append(xvfb)
                self.display = f":{number}"
                break
            xvfb.kill()
            xvfb.wait()
        else:
            raise RuntimeError("no free X display number for Xvfb")
        tray = subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype",
                                 "pixel", "--width", "120", "--height", "24"],
                                env=dict(os.environ, DISPLAY=self.display),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(tray)
        return self

    @staticmethod
    def _wait(ready, proc, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return True
            if proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
