"""Only the package list, which pyproject.toml cannot find by itself: every package under app/,
found at build time so no new subpackage is forgotten, plus hoist.resources (the top-level
resources/ folder with the icons). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=[*find_packages("app"), "hoist.resources"])
