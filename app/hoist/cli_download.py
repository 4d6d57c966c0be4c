"""`hoist download`, and what `cancel`, `list`, `stats` and `cleanup --local` do for downloads.

``hoist download s3://BUCKET/KEY DEST`` fetches one object into the folder DEST (made if
missing) under its own name; ``s3://BUCKET/PREFIX/ DEST`` every object under the prefix,
at its path below it. The
engine runs them (UploadManager.add_downloads): ranged GETs pinned to the object's
ETag, each range synced before it counts, the file proved before it takes its name.
Keys that cannot land safely are refused one by one while the others go on; the exit
status is then 1, as it is when any download failed.
"""

import sys
from pathlib import Path

from hoist.cli import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    _check_bucket,
    _config,
    _destination,
    _engine,
    _follow_schedule,
    open_store,
)
from hoist.cli_objects import customer_key
from hoist.core.download.partial import discard, find_strays, partial_path
from hoist.core.remote.errors import S3Error
from hoist.core.remote.naming import parse_s3_uri
from hoist.core.remote.objects import ObjectSettings
from hoist.core.settings.datadir import STORE_NAME


def _source(args) -> tuple[str, str]:
    """(bucket, key or prefix) from the s3:// address; a prefix ends in "/" ("" the bucket)."""
    try:
        bucket, key = parse_s3_uri(args.source)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.source.endswith("/") and key and not key.endswith("/"):
        key += "/"
    if args.version_id and (not key or key.endswith("/")):
        raise UsageError("--version-id names a version of one object: give s3://BUCKET/KEY, "
                         "not a prefix.")
    return bucket, key


def _head_first(bucket, key: str, sse_key) -> dict | None:
    """The object's HeadObject answer, or None when it cannot be had (missing, refused, no
    network): the listing then checks the bucket and says why, as it always did."""
    try:
        return bucket.head_object(key, None, sse_key)
    except S3Error:
        return None


def cmd_download(args, directory) -> int:
    from hoist.headless import HeadlessRun
    bucket, key = _source(args)
    folder = Path(args.dest).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{args.dest} is a file: give the folder to download into (it is made "
                         "if it is missing); each object keeps its own name.")
    args.bucket = bucket
    config = _config(args)
    sse_key = customer_key(args)
    destination = _destination(args)
    store = open_store(directory)
    app, clients, manager = _engine(store, config)
    if sse_key is not None:
        clients.customer_keys[sse_key.md5] = sse_key

    def add(heads=None):
        return manager.add_downloads(
            destination, bucket, [key], str(folder), version_id=args.version_id,
            force=args.force, existing="overwrite" if args.force else "skip",
            range_size=args.part_size, filters=args.filters, dry_run=args.dry_run,
            objects=ObjectSettings(sse_c_key_md5=sse_key.md5) if sse_key else None,
            heads=heads)

    # Every request before the first GET is a round trip the link stands idle
    # (docs/architecture.md, "Downloads over a shaped link"). One object: its HeadObject is
    # the bucket's check, the lookup of its size, and the answer its download pins.
    head = _head_first(clients.bucket(destination), key, sse_key) if (
        key and not key.endswith("/") and not args.version_id) else None
    if head is not None:
        added = add({key: head})
    else:   # a prefix, a version, or a HEAD that failed: the listing is the bucket's check
        added = _check_bucket(clients.bucket(destination), destination,
                              None if args.version_id else add)
        if added is None:       # checked apart, or refused and warned about: add as before
            added = add()
    for _key, message in added.refused:
        print(f"hoist: {message}", file=sys.stderr)
    unchanged = [s for s in added.skipped if s[2] == "unchanged"]
    for skipped_key, path, why in added.skipped:
        if why != "unchanged":
            print(f"hoist: {path}: {why}; skipped s3://{bucket}/{skipped_key}", file=sys.stderr)
    if args.dry_run:
        manager.shutdown()
        store.close()
        for planned_key, path, size in added.planned:
            print(f"download  s3://{bucket}/{planned_key} → {path}")
        for skipped_key, path, why in added.skipped:
            print(f"skip ({why})  s3://{bucket}/{skipped_key} → {path}")
        print(f"Dry run: {len(added.planned)} to download, {len(added.skipped)} skipped, "
              f"{len(added.refused)} refused; nothing was downloaded.")
        return EXIT_FAILED if added.refused else EXIT_OK
    _follow_schedule(args, manager)
    status = HeadlessRun(app, manager, list(added), quiet=args.quiet,
                         skipped=len(unchanged)).exec()
    manager.shutdown()
    store.close()
    return EXIT_FAILED if added.refused and status == EXIT_OK else status


def cancel_download(record) -> str:
    """`hoist cancel` of a download: its partial file goes; nothing on the server is touched."""
    discard(partial_path(Path(record.source_path)))
    return f"s3://{record.bucket}/{record.key} → {record.source_path} (partial file deleted)"


def cmd_cleanup_local(args, directory) -> int:
    """`hoist cleanup --local [PATH...]`: the .hoist-partial files no download owns, under the
    folders of every download the store knows and the paths given; removed unless --dry-run."""
    folders, owned = set(), set()
    if (directory / STORE_NAME).exists():
        store = open_store(directory, readonly=True)
        folders, targets = store.download_folders(), store.download_targets()
        store.close()
        owned = {partial_path(Path(t)) for t in targets}
    roots = [Path(p) for p in folders] + [Path(p).expanduser() for p in args.paths]
    if not roots:
        print("No download folders are known, and no PATH was given: nothing to look at.")
        return EXIT_OK
    strays = find_strays(roots, owned)
    verb = "Would remove" if args.dry_run else "Removed"
    status = EXIT_OK
    for stray in strays:
        if not args.dry_run:
            try:
                discard(stray)
            except OSError as error:
                print(f"hoist: could not remove {stray}: {error.strerror}", file=sys.stderr)
                status = EXIT_FAILED
                continue
        print(f"{verb} {stray}")
    print(f"{verb} {len(strays)} partial file(s) no download owns"
          + (f"; those of {len(owned)} unfinished download(s) stay." if owned else "."))
    return status
