"""The `hoist` command's exit: a command ends without the interpreter's teardown, its output
and log whole; what is not a command keeps the ordinary exit."""

import os
import subprocess
import sys

# An object whose finalizer speaks only if the interpreter tears its modules down.
PROBE = """
import sys
class Teardown:
    def __del__(self):
        sys.stdout.write("torn down\\n")
keep = Teardown()
sys.argv = ["hoist", *sys.argv[1:]]
from hoist.entry import run
run()
"""


def _hoist(env, *args):
    return subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_command_exits_whole_without_the_teardown(data_dir):
    cli_env = dict(os.environ, HOIST_DATA_DIR=str(data_dir))
    listed = _hoist(cli_env, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "[]"                   # printed whole, nothing after it
    bad = _hoist(cli_env, "cancel", "999")
    assert bad.returncode != 0 and "999" in bad.stderr and "torn down" not in bad.stdout
    assert (data_dir / "hoist.log").exists()
    completion = _hoist(cli_env, "completion", "bash")     # not a command: the ordinary exit
    assert completion.returncode == 0 and completion.stdout.endswith("torn down\n")
