"""Allows ``python -m hoist``, the same as the ``hoist`` command."""

import sys

from hoist.cli import main

sys.exit(main())
