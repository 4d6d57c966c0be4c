"""The floors of app/hoist/ (docs/architecture.md, "The folders"): imports point ui → engine → core.

Read from the source with ast, so an import inside a function counts as much as one at the top.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "app" / "hoist"
MAX_MODULES, MAX_LINES = 16, 400

# floor of a module -> the hoist modules it may import (by prefix), and the Qt modules it may use
RULES = {
    "hoist.core": (("hoist.core",), ()),
    "hoist.engine": (("hoist.core", "hoist.engine"), ("PySide6.QtCore",)),
    "hoist.ui": (("hoist.core", "hoist.engine", "hoist.ui", "hoist.demo"),
                 ("PySide6",)),
}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        yield name.removesuffix(".__init__"), path


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            # `from hoist.ui import window_layout` imports hoist.ui.window_layout
            yield from (f"{node.module}.{alias.name}" for alias in node.names
                        if node.module.startswith("hoist"))


def _floor(name: str) -> str | None:
    return next((floor for floor in RULES if name == floor or name.startswith(floor + ".")), None)


@pytest.mark.parametrize("name,path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_stay_on_their_floor_or_below(name, path):
    floor = _floor(name)
    if floor is None:
        return                                  # the top: cli, headless, demo may import anything
    allowed_hoist, allowed_qt = RULES[floor]
    for imported in _imports(path):
        if imported.startswith("hoist.") or imported == "hoist":
            assert imported == "hoist" or imported.startswith(allowed_hoist), \
                f"{name} imports {imported}: that runs back up a floor"
        if imported.startswith("PySide6"):
            assert imported == "PySide6" or imported.startswith(allowed_qt), \
                f"{name} imports {imported}: not on the {floor} floor"


def test_no_folder_is_crowded_and_no_module_is_long():
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MAX_MODULES, f"{folder} holds {len(modules)} modules"
        for module in modules:
            lines = len(module.read_text().splitlines())
            assert lines <= MAX_LINES, f"{module} is {lines} lines"
