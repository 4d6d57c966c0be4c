"""Entry point of the desktop bundle: one executable for the window and the command line."""

import sys

from hoist.cli import main

if __name__ == "__main__":
    sys.exit(main())
