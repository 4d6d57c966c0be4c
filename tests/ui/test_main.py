"""`hoist --demo` as a real process: the window starts, takes a file from a second launch,
uploads it to the embedded server, and exits cleanly on SIGTERM with the store checkpointed."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hoist.core.datadir import STORE_NAME
from hoist.core.states import TaskState

ROOT = Path(__file__).resolve().parents[2]


def store_tasks(data_dir):
    from hoist.core.store import CheckpointStore
    if not (data_dir / STORE_NAME).exists():
        return []
    store = CheckpointStore.open(data_dir / STORE_NAME, readonly=True)
    try:
        return store.tasks()
    finally:
        store.close()


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
    monkeypatch.setitem(sys.modules, "moto.server", None)     # import moto.server fails
    with pytest.raises(DemoUnavailable) as caught:
        DemoServer().start()
    assert "pip install 'hoist[demo]'" in str(caught.value)
    assert "Accounts" in str(caught.value)
