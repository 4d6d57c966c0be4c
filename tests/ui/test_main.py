"""`hoist --demo` as a real process: the window starts, takes a file from a second launch,
uploads it to the embedded server, and exits cleanly on SIGTERM with the store checkpointed."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.settings.datadir import STORE_NAME

ROOT = Path(__file__).resolve().parents[2]


def store_tasks(data_dir):
    from hoist.core.checkpoint.store import CheckpointStore
    if not (data_dir / STORE_NAME).exists():
        return []
    store = CheckpointStore.open(data_dir / STORE_NAME, readonly=True)
    try:
        return store.tasks()
    finally:
        store.close()


# slow: the real program, three processes (window, engine, demo server) started and ended
@pytest.mark.slow
def test_demo_window_process_takes_a_handed_file_and_exits_cleanly(qtbot, data_dir, make_file):
    from hoist.ui.single_instance import hand_off
    path = make_file("from-second-launch.bin", 300_000)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "hoist", "--demo"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None or hand_off(data_dir, [str(path)]),
                        timeout=60_000)
        assert proc.poll() is None, proc.stderr.read().decode()
        qtbot.waitUntil(lambda: [t.state for t in store_tasks(data_dir)] == [TaskState.COMPLETED],
                        timeout=60_000)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [task] = store_tasks(data_dir)
    assert task.account == "Demo (local)" and task.key == "from-second-launch.bin"
    assert task.source_path == str(path)
    for file in data_dir.rglob("*"):
        if file.is_file():
            assert b"hoist-demo-secret" not in file.read_bytes(), file


def test_demo_without_its_optional_dependencies_says_how_to_install_them(monkeypatch):
    from hoist.demo import DemoServer, DemoUnavailable
    monkeypatch.setitem(sys.modules, "moto", None)     # moto is not installed
    with pytest.raises(DemoUnavailable) as caught:
        DemoServer().start()
    assert "pip install 'hoist[demo]'" in str(caught.value)
    assert "Accounts" in str(caught.value)


def test_demo_server_whose_process_cannot_import_moto_says_how_to_install_it(monkeypatch):
    import hoist.demo
    from hoist.demo import DemoServer, DemoUnavailable
    # Found by the window, but broken where the server's process imports it.
    monkeypatch.setattr(hoist.demo, "demo_command", lambda: [
        sys.executable, "-c", "import sys; sys.modules['moto.server'] = None; "
        "from hoist.demo import serve; sys.exit(serve())"])
    with pytest.raises(DemoUnavailable) as caught:
        DemoServer().start()
    assert "moto.server is missing" in str(caught.value)


def test_demo_server_runs_in_its_own_process_and_ends_with_the_window(tmp_path):
    import boto3

    from hoist.demo import DEMO_BUCKET, DemoServer
    server = DemoServer()
    server.start()
    pid = server._process.pid
    try:
        assert pid != os.getpid()
        s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="y")
        s3.put_object(Bucket=DEMO_BUCKET, Key="k", Body=b"demo")
        assert s3.get_object(Bucket=DEMO_BUCKET, Key="k")["Body"].read() == b"demo"
    finally:
        server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)                   # gone and reaped


def exited(pid: int) -> bool:
    """Gone, or a zombie waiting for a reaper (a container's init may not reap orphans)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_demo_server_exits_when_the_window_is_killed(qtbot):
    parent = subprocess.Popen(
        [sys.executable, "-c", "import time; from hoist.demo import DemoServer; s = DemoServer(); "
         "s.start(); print(s._process.pid, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        assert not exited(pid)
        parent.kill()                     # no stop(): its end of the server's stdin closes
        parent.wait()
        qtbot.waitUntil(lambda: exited(pid), timeout=10_000)
    finally:
        parent.kill()
        parent.stdout.close()


# -- other platforms, simulated --------------------------------------------------------------
def test_on_windows_the_window_runs_its_engine_on_a_thread(qtbot, data_dir, monkeypatch):
    from hoist.engine.hosting.threaded import ThreadedManager
    from hoist.ui.main import Session
    from support.fake_msvcrt import FakeMsvcrt
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt := FakeMsvcrt())   # the store's lock
    session = Session(data_dir)
    try:
        assert isinstance(session.manager, ThreadedManager)
        assert session.store is not None and msvcrt.held   # held here, not by a worker
    finally:
        session.close()
    assert not msvcrt.held


def test_on_windows_the_demo_server_opens_no_console_window(monkeypatch):
    import hoist.demo
    from hoist.demo import DemoServer
    started = []

    def popen(command, **kwargs):               # the OS's process creation, simulated
        started.append(kwargs)
        raise OSError("simulated")
    monkeypatch.setattr(subprocess, "CREATE_NO_WINDOW", 0x08000000, raising=False)
    monkeypatch.setattr(hoist.demo.subprocess, "Popen", popen)
    with pytest.raises(OSError, match="simulated"):
        DemoServer().start()
    assert started[0]["creationflags"] == 0x08000000
