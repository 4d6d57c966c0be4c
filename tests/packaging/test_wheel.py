"""The wheel as a user installs it: one package named hoist, icons inside, no top-level `app`.

The wheel is built from this checkout and installed, not editable, into a fresh
virtual environment. Its dependencies (Qt, boto3, moto) are lent from the test
environment through a .pth line instead of being downloaded again, which keeps
the test fast; hoist itself comes only from the wheel.
"""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from hoist import __version__

ROOT = Path(__file__).resolve().parents[2]
# One worker builds the wheel and its venv once (session fixtures: a worker may tear down a
# module's fixtures between two of its tests) for all of these tests; two workers building in
# the same checkout at once would trip over each other's build/.
pytestmark = pytest.mark.xdist_group("wheel")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(out), str(ROOT)], check=True, timeout=300,
                   cwd=out, env=_clean_env())
    (built,) = out.glob("hoist-*.whl")
    return built


@pytest.fixture(scope="session")
def venv(tmp_path_factory, wheel) -> Path:
    where = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    subprocess.run([where / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=120, env=_clean_env())
    purelib = Path(subprocess.run([where / "bin" / "python", "-c",
                                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    lent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "zz_lent_dependencies.pth").write_text("\n".join(sorted(lent)) + "\n")
    return where


def _clean_env() -> dict:
    """No PYTHONPATH: a checkout on the path would hide what the wheel installed."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)
    return env


def _python(venv: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([venv / "bin" / "python", "-c", code], capture_output=True, text=True,
                          timeout=120, env=_clean_env(), cwd=venv)


def test_wheel_holds_one_hoist_package_with_its_icons(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"hoist", f"hoist-{__version__}.dist-info"}
    icons = {Path(n).name for n in names if n.startswith("hoist/resources/icons/")}
    assert {"hoist.svg", "pause.svg", "resume.svg", "tray.svg"} <= icons


def test_installed_wheel_runs_and_imports_as_hoist_only(venv):
    done = subprocess.run([venv / "bin" / "hoist", "--version"], capture_output=True, text=True,
                          timeout=120, env=_clean_env(), cwd=venv)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"hoist {__version__}"
    where = _python(venv, "import hoist; print(hoist.__file__)")
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv)
    assert "ModuleNotFoundError" in _python(venv, "import app").stderr


def test_installed_wheel_imports_every_module_of_the_checkout(venv):
    """Every module under app/hoist/ is in the wheel and imports from it: no subpackage forgotten."""
    source = ROOT / "app"
    expected = sorted(".".join(path.relative_to(source).with_suffix("").parts).removesuffix(".__init__")
                      for path in source.joinpath("hoist").rglob("*.py")
                      if path.name != "__main__.py")       # __main__ runs the program when imported
    code = """
import importlib, pkgutil, sys
import hoist
names = ["hoist"] + [m.name for m in pkgutil.walk_packages(hoist.__path__, "hoist.")
                     if not m.name.endswith("__main__")]
for name in names:
    module = importlib.import_module(name)
    assert module.__file__.startswith(sys.prefix), (name, module.__file__)
print("\\n".join(sorted(names)))
"""
    done = _python(venv, code)
    assert done.returncode == 0, done.stderr
    imported = [name for name in done.stdout.split() if name != "hoist.resources"]
    assert imported == expected


def test_installed_wheel_draws_its_own_icons(venv):
    code = """
from PySide6.QtWidgets import QApplication
app = QApplication([])
from hoist.ui import icons
path = icons.ICON_DIR / "pause.svg"
assert path.is_file(), path
icon = icons.icon("pause")
image = icon.pixmap(32, 32).toImage()
# the SVG is slate ink on a transparent ground: some pixels must carry its colour
inked = sum(1 for x in range(32) for y in range(32)
            if image.pixelColor(x, y).alpha() > 200 and image.pixelColor(x, y).name() == "#3b4a5a")
print(path, inked)
"""
    done = _python(venv, code)
    assert done.returncode == 0, done.stderr
    path, inked = done.stdout.split()
    assert Path(path).is_relative_to(venv)
    assert int(inked) > 20, "the icon was not drawn from the packaged SVG"
