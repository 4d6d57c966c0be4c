"""Allows ``python -m app``, the same as the ``hoist`` command."""

import sys

from app.cli import main

sys.exit(main())
