"""Entry point of the desktop bundle: one executable for the window and the command line."""

from hoist.entry import run

if __name__ == "__main__":
    run()
