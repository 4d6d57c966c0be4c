"""Allows ``python -m hoist``, the same as the ``hoist`` command."""

from hoist.entry import run

run()
