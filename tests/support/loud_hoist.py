"""`hoist` with every logger turned up to DEBUG before it starts, as a user's environment or a
debugging session might: botocore then prints each request's headers, signature and token.

Run as ``python tests/support/loud_hoist.py ARGS...``; Hoist's own log set-up must keep
all of that out of its logs and its output.
"""

import logging
import sys

import boto3

logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)      # everything, to stderr
boto3.set_stream_logger("botocore", logging.DEBUG)               # botocore's own recipe
for name in ("botocore.endpoint", "botocore.auth", "botocore.hooks", "urllib3"):
    logging.getLogger(name).setLevel(logging.DEBUG)

from hoist.cli import main  # noqa: E402 -- after the loggers, as a sitecustomize would be

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
