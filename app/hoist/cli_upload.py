"""`hoist upload`: which files go, then the engine's run of them.

Files already on the server as they are here are skipped by default (the rule
is core/remote/unchanged.py; the check is UploadManager.check_sources: one
listing a 1,000 keys and Hoist's record of what it sent, no request per key).
``--checksum`` compares content instead; ``--force`` sends everything.
"""

import sys

from hoist.cli import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    _check_bucket,
    _config,
    _destination,
    _engine,
    _follow_schedule,
    open_store,
)
from hoist.core.local.sources import InputError, expand_sources
from hoist.core.remote.unchanged import UNCHANGED


def cmd_upload(args, directory) -> int:
    from hoist.headless import HeadlessRun
    config = _config(args)
    if args.prefix.startswith("/"):
        raise UsageError(f"--prefix {args.prefix!r} starts with '/': S3 keys are relative, drop it.")
    if ".." in args.prefix.split("/"):
        raise UsageError(f"--prefix {args.prefix!r} contains '..', which S3 keeps literally: remove it.")
    bad_input, files = [], []
    for path in args.paths:
        try:
            files += expand_sources(path, args.prefix)
        except InputError as e:
            bad_input.append(str(e))
            print(f"hoist: {e}", file=sys.stderr)
    if bad_input and not files:
        return EXIT_USAGE
    destination = _destination(args)
    store = open_store(directory)
    app, clients, manager = _engine(store, config)
    # the check's listing is the bucket's check too: no request more for it
    check = (None if args.force or not files
             else lambda: manager.check_sources(files, destination, args.checksum))
    found = _check_bucket(clients.bucket(destination), destination, check) or {}
    sending = [file for file in files if found.get(file[1]) != UNCHANGED]
    ids = manager.add_sources(sending, destination, args.adopt) if sending else []
    _follow_schedule(args, manager)
    status = HeadlessRun(app, manager, ids, quiet=args.quiet,
                         skipped=len(files) - len(sending)).exec()
    manager.shutdown()
    store.close()
    return EXIT_USAGE if bad_input and status == EXIT_OK else status
