"""`hoist upload` loads only what an upload uses (issue #24: start-up and memory).

Each module the command line imports costs every run its import time and its memory, so
the window's modules, the demo server, boto3's resources and s3transfer, the Bucket pane's
calls, watching and the download side must stay out of an upload. A child Python runs
`hoist upload` of a small file against the test server, in process, and names every module
it loaded; a test fails naming the module that crept in. It also names every module whose
source lines were kept in memory (PySide's import hook reads each one:
hoist/engine/hosting/qtcore.py), and so does the window's engine process.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# prefixes of modules an upload must not load (a name, or a name and its submodules)
NOT_FOR_UPLOADS = (
    "PySide6.QtWidgets", "PySide6.QtGui", "PySide6.QtNetwork",   # QtCore only
    "hoist.ui", "hoist.demo", "moto", "qasync", "asyncio",       # the window and its demo
    "boto3", "s3transfer", "multiprocessing",                    # botocore's session suffices
    "keyring",                                                   # no account of the keyring
    "watchdog", "hoist.engine.watching.watcher",                 # `hoist watch` only
    "hoist.engine.download.task", "hoist.core.remote.browse",    # downloads, the Bucket pane
    "pydoc",
)

CHILD = r"""
import json, linecache, sys
from hoist.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules),
                  "source_kept": sorted(linecache.cache)}))
"""


def loaded_by(args: list[str], env: dict) -> tuple[int, list[str], list[str]]:
    """Run ``hoist ARGS`` in a child Python; its exit status, every module it loaded, and
    every file whose lines linecache kept."""
    env = dict(env, PYTHONPATH=os.pathsep.join([str(APP), env.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["status"], answer["modules"], answer["source_kept"]


def unwanted(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in NOT_FOR_UPLOADS)]


def test_an_upload_loads_nothing_of_the_window_downloads_or_boto3(cli_env, bucket, make_file):
    source = make_file("small.bin", 10_000)
    status, modules, source_kept = loaded_by(
        ["upload", str(source), "--bucket", bucket, "--quiet"], cli_env)
    assert status == 0
    assert "PySide6.QtCore" in modules and "botocore.client" in modules   # it did upload
    assert unwanted(modules) == []
    # with PySide's import hook left in place, every module imported after QtCore is here
    assert [f for f in source_kept if "botocore" in f or "urllib3" in f or "hoist" in f] == []


def test_the_rule_names_what_it_forbids():
    assert unwanted(["PySide6.QtCore", "hoist.ui.main", "boto3", "hoist.uix", "keyring.backends"]) \
        == ["hoist.ui.main", "boto3", "keyring.backends"]


def test_the_windows_engine_process_imports_without_pysides_hook():
    """The worker (python -m hoist.engine.hosting.worker) keeps no source of what it imports."""
    child = ("import builtins, linecache, runpy, sys\n"
             "sys.argv = ['worker', '--help']\n"
             "try:\n"
             "    runpy.run_module('hoist.engine.hosting.worker', run_name='__main__')\n"
             "except SystemExit:\n"
             "    pass\n"
             "import botocore.session\n"
             "kept = [f for f in linecache.cache if 'botocore' in f or 'hoist' in f]\n"
             "print(builtins.__import__.__name__, len(kept))\n")
    env = dict(os.environ, PYTHONPATH=str(APP))
    result = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.split()[-2:] == ["__import__", "0"], result.stdout + result.stderr


def test_no_module_star_imports_from_qt():
    """hoist/engine/hosting/qtcore.py puts Python's own import back, and PySide resolves the
    classes it makes lazily for `from PySide6.X import *` only through its own: name what
    you import."""
    starred = [path.name for path in APP.rglob("*.py")
               if re.search(r"^\s*from PySide6\S* import \*", path.read_text(), re.M)]
    assert starred == []
