"""Running `hoist` as a user would: a real subprocess, and reading its store from outside."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from hoist.core.settings.datadir import STORE_NAME

# Root reads and writes anything; without these two capabilities it meets permissions
# like anyone else, so permission tests mean the same under CI (root) as on a laptop.
_AS_ORDINARY_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                     "--inh-caps=-dac_override,-dac_read_search"]


def hoist(env, *args, timeout=60, obey_permissions=False):
    prefix = _AS_ORDINARY_USER if obey_permissions and os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "hoist", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def start(env, *args):
    return subprocess.Popen([sys.executable, "-m", "hoist", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def parts_done(data_dir) -> int:
    """Parts the running process has checkpointed, read straight from its SQLite store."""
    path = data_dir / STORE_NAME
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM parts WHERE state = 'done'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def wait_for_parts(data_dir, n, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while parts_done(data_dir) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no parts were checkpointed in time"
        time.sleep(0.05)


def listing(env):
    result = hoist(env, "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def interrupted_upload(env, data_dir, path, bucket, sig=signal.SIGINT):
    """Upload ``path`` slowly, send ``sig`` once a part is checkpointed; (exit status, stderr)."""
    proc = start(env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "1", "--bwlimit", "5MiB/s")
    wait_for_parts(data_dir, 1, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err
