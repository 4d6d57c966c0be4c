"""`hoist upload`: which files go, then the engine's run of them.

Files already on the server as they are here are skipped by default (the rule
is core/remote/unchanged.py; the check is UploadManager.check_sources: one
listing a 1,000 keys and Hoist's record of what it sent, no request per key).
``--checksum`` compares content instead; ``--force`` sends everything.
``--exclude``/``--include`` leave files out (core/local/filters.py), and
``--dry-run`` says what each file would be and sends nothing. The destination is
``--bucket`` and ``--prefix``, or one ``s3://bucket/prefix/`` address: last among
the paths (as ``aws s3 cp`` takes it) or after ``--to``.
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
from hoist.cli_objects import customer_key, object_settings
from hoist.core.local.filters import Filters
from hoist.core.local.sources import InputError, expand_sources
from hoist.core.remote.naming import parse_s3_uri
from hoist.core.remote.unchanged import EXCLUDED, OVERWRITE, SEND, UNCHANGED


def _where(args) -> None:
    """Set ``args.bucket`` and ``args.prefix`` from an s3:// destination, if one was given."""
    uri = args.to
    if uri is None and args.paths and args.paths[-1].startswith("s3://"):
        uri = args.paths.pop()
    if uri is None:
        if not args.bucket:
            raise UsageError("say where to upload: s3://BUCKET/PREFIX/ after the files, "
                             "or --bucket BUCKET.")
        return
    if args.bucket or args.prefix:
        raise UsageError(f"{uri} and --bucket/--prefix both say where to upload: give one.")
    try:
        args.bucket, prefix = parse_s3_uri(uri)
    except ValueError as error:
        raise UsageError(str(error)) from None
    # s3://b/photos means the folder photos/ (a prefix that is part of a name needs --prefix)
    args.prefix = prefix + "/" if prefix and not prefix.endswith("/") else prefix
    if not args.paths:
        raise UsageError(f"no files to upload to {uri}: name them before it.")


def cmd_upload(args, directory) -> int:
    from hoist.headless import HeadlessRun
    _where(args)
    config = _config(args)
    if args.prefix.startswith("/"):
        raise UsageError(f"--prefix {args.prefix!r} starts with '/': S3 keys are relative, drop it.")
    if ".." in args.prefix.split("/"):
        raise UsageError(f"--prefix {args.prefix!r} contains '..', which S3 keeps literally: remove it.")
    key = customer_key(args)
    objects = object_settings(args, key)
    bad_input, files, excluded = [], [], []
    rules = Filters(args.filters)
    for path in args.paths:
        try:
            kept, left_out = rules.split(expand_sources(path, args.prefix), path)
        except InputError as e:
            bad_input.append(str(e))
            print(f"hoist: {e}", file=sys.stderr)
            continue
        files += kept
        excluded += left_out
    if bad_input and not files and not excluded:
        return EXIT_USAGE
    destination = _destination(args)
    store = open_store(directory)
    app, clients, manager = _engine(store, config)
    if key is not None:
        clients.customer_keys[key.md5] = key
    # the check's listing is the bucket's check too: no request more for it
    check = (None if (args.force and not args.dry_run) or not files
             else lambda: manager.check_sources(files, destination, args.checksum))
    found = _check_bucket(clients.bucket(destination), destination, check) or {}
    if args.dry_run:
        manager.shutdown()
        store.close()
        return dry_run(files, excluded, found, destination.bucket, args.force)
    sending = [file for file in files if found.get(file[1]) != UNCHANGED]
    ids = manager.add_sources(sending, destination, args.adopt, objects=objects) if sending else []
    _follow_schedule(args, manager)
    status = HeadlessRun(app, manager, ids, quiet=args.quiet,
                         skipped=len(files) - len(sending), excluded=len(excluded)).exec()
    manager.shutdown()
    store.close()
    return EXIT_USAGE if bad_input and status == EXIT_OK else status


def dry_run(files, excluded, found: dict, bucket: str, force: bool) -> int:
    """One line a file: what an upload would do with it. Nothing is sent or queued."""
    counts = dict.fromkeys((SEND, OVERWRITE, UNCHANGED, EXCLUDED), 0)
    width = len(UNCHANGED)
    for path, key, _size in files:
        verdict = found.get(key, SEND)
        if force and verdict == UNCHANGED:
            verdict = OVERWRITE
        counts[verdict] += 1
        print(f"{verdict:<{width}}  {path} → s3://{bucket}/{key}")
    for path, key, _size in excluded:
        counts[EXCLUDED] += 1
        print(f"{EXCLUDED:<{width}}  {path}")
    print(f"Dry run: {counts[SEND]} to send, {counts[OVERWRITE]} to overwrite, "
          f"{counts[UNCHANGED]} unchanged, {counts[EXCLUDED]} excluded; nothing was sent.")
    return EXIT_OK
