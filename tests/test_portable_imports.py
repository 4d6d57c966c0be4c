"""Every module of hoist imports where POSIX-only modules do not exist (docs/platforms.md).

A child Python blocks ``fcntl``, ``termios``, ``pwd``, ``grp`` and ``resource`` (Unix only)
with a meta path finder, then imports each module of app/hoist in turn. A module that
needs one of them at import time fails the test by name: on Windows it would stop Hoist
before its window appears. A platform's module belongs inside the branch that uses it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource")

CHILD = r"""
import importlib, json, sys, traceback

BLOCKED = set(sys.argv[1].split(","))

class Block:
    '''Refuses the Unix-only modules, as an interpreter without them would.'''
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Block())
for name in BLOCKED:
    sys.modules.pop(name, None)
failures = {}
for module in sys.argv[2:]:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name not in BLOCKED:
            raise
        frames = [f for f in traceback.extract_tb(error.__traceback__) if "hoist" in f.filename]
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        failures[module] = f"{error.name}, imported at {where}"
print(json.dumps(failures))
"""


def hoist_modules() -> list[str]:
    """Every module under app/hoist, by dotted name, but ``hoist.__main__`` (it runs the CLI)."""
    names = []
    for path in sorted((APP / "hoist").rglob("*.py")):
        name = ".".join(path.relative_to(APP).with_suffix("").parts).removesuffix(".__init__")
        if name != "hoist.__main__":
            names.append(name)
    return names


def import_without(blocked, modules) -> dict[str, str]:
    """Import ``modules`` in a child Python where ``blocked`` cannot be imported; the failures."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(APP), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", CHILD, ",".join(blocked), *modules],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_walk_finds_every_floor():
    modules = hoist_modules()
    assert "hoist.cli" in modules and "hoist.core.checkpoint.store" in modules
    assert "hoist.ui.main" in modules and "hoist.engine.hosting.worker" in modules
    assert "hoist.__main__" not in modules


def test_the_block_is_real():
    """The child does refuse a blocked module (else the test below would prove nothing)."""
    failures = import_without(["fcntl"], ["fcntl"])
    assert list(failures) == ["fcntl"] and failures["fcntl"].startswith("fcntl, ")


def test_every_module_imports_without_posix_only_modules():
    failures = import_without(POSIX_ONLY, hoist_modules())
    assert not failures, "needed a POSIX-only module at import time:\n" + "\n".join(
        f"{module} ({why})" for module, why in failures.items())
