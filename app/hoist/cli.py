"""The `hoist` command: the window when run bare, or a headless engine with sub-commands.

    hoist upload PATH... s3://BUCKET/PREFIX/   (or --to s3://…, or --bucket B [--prefix P])
                 [--endpoint-url URL] [--region REGION] [--profile NAME] [--ca-bundle PATH]
                 [--part-size SIZE]
                 [--concurrency N] [--files N] [--bwlimit RATE] [--quiet] [--adopt]
                 [--exclude GLOB] [--include GLOB] [--dry-run] [--force] [--checksum]
                 [object flags: see cli_objects.py]
    hoist resume [ID...] [--sse-c-key-file PATH]     hoist list [--json]     hoist cancel ID...
    hoist cleanup --bucket BUCKET [--older-than DURATION] [--dry-run]
    hoist share s3://BUCKET/KEY [--expires-in DURATION] [--endpoint-url URL] [--profile NAME]
    hoist watch DIR... --bucket BUCKET [--prefix P] [--settle SECONDS] [--delete]
                [--exclude GLOB] [--include GLOB] [endpoint options]   (until SIGTERM: exit 0)
    hoist completion bash    hoist --version

Exit status: 0 all completed; 1 some failed or were cancelled; 2 bad usage or
input; 130 interrupted (every task checkpointed and paused; also when the disk
holding the checkpoints is full).
"""

import json
import logging
import os
import sys
from dataclasses import replace

from hoist.cli_objects import customer_key, keys_for
from hoist.cli_parser import build_parser
from hoist.core.checkpoint.states import TaskState, shown_state
from hoist.core.checkpoint.store import CheckpointStore, StoreError, StoreFull
from hoist.core.local.sources import InputError
from hoist.core.local.units import format_size
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.objects import SettingError
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.datadir import STORE_NAME, data_dir, setup_logging
from hoist.engine.hosting.qtcore import qtcore_for

log = logging.getLogger("hoist.cli")
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad usage or bad input: one line on stderr, exit status 2."""


def _follow_schedule(args, manager):
    """Apply --bwlimit-schedule to the manager for as long as the run lasts (None if not given)."""
    if not getattr(args, "bwlimit_schedule", None):
        return None
    from hoist.engine.bandwidth import ScheduledLimit
    limit = ScheduledLimit(args.bwlimit_schedule, manager.set_bandwidth_limit, parent=manager)
    if not args.quiet:
        print(f"Bandwidth schedule: {limit.text}")
        limit.changed.connect(lambda _rate, text: print(f"Bandwidth schedule: {text}"))
    return limit


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["_engine"]:       # the window's engine process, in the desktop bundle
        from hoist.engine.hosting.worker import main as engine_main
        return engine_main(argv[1:])
    if argv[:1] == ["_demo"]:         # the window's demo server process, in the desktop bundle
        from hoist.demo import serve
        return serve()
    paths = [a for a in argv if not a.startswith("-")]
    if paths and paths[0] not in (*COMMANDS, "completion") and os.path.exists(paths[0]):   # `hoist FILE...`
        argv = [a for a in argv if a.startswith("-")]
    else:
        paths = []
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "completion":          # no data directory, no log: just text
        from hoist.completion import bash_completion
        print(bash_completion(parser), end="")
        return EXIT_OK
    if args.command is None:
        from hoist.ui.main import run_window  # Qt widgets only when a window is wanted
        return run_window(demo=args.demo, paths=paths, verbose=args.verbose)
    directory = data_dir()
    setup_logging(directory, args.verbose)
    qtcore_for(args.command)          # before anything imports Qt: see engine/hosting/qtcore.py
    try:
        return COMMANDS[args.command](args, directory)
    except StoreFull as e:      # what is committed stays; `hoist resume` continues once there is room
        print(f"hoist: {e.command_line()}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, InputError, StoreError, SettingError) as e:
        print(f"hoist: {e}", file=sys.stderr)
        return EXIT_USAGE


def open_store(directory, readonly=False) -> CheckpointStore:
    store = CheckpointStore.open(directory / STORE_NAME, readonly=readonly)
    if getattr(store, "recovered_from", None):
        print(f"hoist: the checkpoint database was damaged; it was kept as {store.recovered_from} "
              "and a new one was started. Uploads recorded only there cannot be resumed.",
              file=sys.stderr)
    return store


def _destination(args):
    from hoist.core.remote.s3 import Destination
    account = f"profile:{args.profile}" if args.profile else "default"
    return Destination(bucket=args.bucket, endpoint_url=args.endpoint_url or None,
                       region=args.region, profile=args.profile, account=account,
                       ca_bundle=args.ca_bundle)


def _check_bucket(bucket, destination, first_request=None):
    """Refuse early what can never work; an outage or a narrow policy is the engine's business.
    ``first_request`` (default: a listing of one key) is what meets it; its answer is returned."""
    try:
        return (first_request or bucket.check_access)()
    except S3Error as e:
        if e.kind is ErrorKind.FATAL and e.code not in ("AccessDenied", "403", "Forbidden"):
            raise UsageError(e.message) from None
        if e.kind in (ErrorKind.NETWORK, ErrorKind.EXPIRED):    # expired already: renew first
            raise UsageError(e.message) from None
        log.warning("bucket check for %s: %s (continuing)", destination.bucket, e.message)


def _engine(store, config):
    from PySide6.QtCore import QCoreApplication

    from hoist.core.remote.s3 import S3Clients
    from hoist.engine.manager import UploadManager
    app = QCoreApplication.instance() or QCoreApplication(["hoist"])
    clients = S3Clients(max_pool_connections=config.max_parts_in_flight + config.files_at_once
                        + config.small_files_at_once + 2, cache_dir=store.path.parent)
    return app, clients, UploadManager(store, clients, config)


def _config(args) -> TransferConfig:
    """The preset's settings (automatic parts by default), then every flag given, which wins."""
    from hoist.core.settings.presets import PRESETS
    config = PRESETS[args.preset].apply(TransferConfig())
    if getattr(args, "part_size", None):
        config = replace(config, part_size=args.part_size)
    if getattr(args, "concurrency", None):
        config = replace(config, parts_total=args.concurrency,
                         parts_per_file=min(args.concurrency, 64))
    if getattr(args, "files", None):
        config = replace(config, files_at_once=args.files)
    if getattr(args, "bwlimit", None):
        config = replace(config, bandwidth_limit=args.bwlimit)
    if getattr(args, "no_wait_for_credentials", False):
        config = replace(config, wait_for_credentials=False)
    if config.part_size:            # a file smaller than one part goes as one PutObject
        config = replace(config, multipart_threshold=min(config.part_size,
                                                         config.multipart_threshold))
    return config.clamped()


def cmd_upload(args, directory) -> int:
    from hoist.cli_upload import cmd_upload as upload  # it imports this module's helpers
    return upload(args, directory)


def cmd_resume(args, directory) -> int:
    from hoist.headless import HeadlessRun
    store = open_store(directory)
    app, clients, manager = _engine(store, _config(args))
    manager.restore()
    known = {info.id: info for info in manager.tasks()}
    missing = [i for i in args.ids if i not in known]
    if missing:
        raise UsageError(f"no unfinished upload with id {', '.join(map(str, missing))}: "
                         "see `hoist list`.")
    ids = args.ids or list(known)
    if not ids:
        print("Nothing to resume: every upload in the store is finished.")
        return EXIT_OK
    # an SSE-C upload's key is asked for again; the wrong one is refused before anything is sent
    key = customer_key(args)
    wanted = set(ids)
    keys_for([r for r in store.tasks() if r.id in wanted], key)
    if key is not None:
        clients.customer_keys[key.md5] = key
    for task_id in ids:
        manager.resume(task_id)
    _follow_schedule(args, manager)
    status = HeadlessRun(app, manager, ids, quiet=args.quiet).exec()
    manager.shutdown()
    store.close()
    return status


def _task_dict(record) -> dict:
    return {"id": record.id, "path": record.source_path, "bucket": record.bucket,
            "key": record.key, "endpoint_url": record.endpoint_url, "account": record.account,
            "state": shown_state(record.state, record.direction),
            "bytes_done": record.bytes_done, "size": record.size,
            "parts_done": record.parts_done, "parts_total": record.parts_total,
            "upload_id": record.upload_id, "message": record.message,
            # "download": path is the file it lands in, etag the object's pinned when it began
            "direction": record.direction, "etag": record.remote_etag,
            "version_id": record.version_id,
            # how a completed upload was checked: "CRC32", "MD5", "size"; null if unrecorded
            "verified": record.verified or None,
            # what the object looks like, as fixed when the task was made (an SSE-C key's MD5,
            # never the key); checksum_algorithm is the one it is sent with
            "object": {**record.objects.as_dict(), "checksum_algorithm": record.checksum_algorithm}}


def cmd_list(args, directory) -> int:
    if not (directory / STORE_NAME).exists():
        records = []
    else:
        store = open_store(directory, readonly=True)
        records = store.tasks()
        store.close()
    if args.json:
        print(json.dumps([_task_dict(r) for r in records], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not records:
        print("No uploads in the checkpoint store.")
        return EXIT_OK
    print(f"{'ID':>5}  {'STATE':<10} {'DONE':>19}  DESTINATION")
    for r in records:
        done = f"{format_size(r.bytes_done)}/{format_size(r.size)}"
        down = r.direction == "download"
        state = shown_state(r.state, r.direction)
        where = f"s3://{r.bucket}/{r.key}" + (f" → {r.source_path}" if down else "")
        print(f"{r.id:>5}  {state:<10} {done:>19}  {'↓' if down else '↑'} {where}")
        if r.message:
            print(f"{'':>5}  {r.message}")
    return EXIT_OK


def stats_summary(records, stats_json: dict) -> dict:
    """Totals over the store: uploads by state, bytes sent, speed, retries by cause, parts
    re-sent, time waiting for the network and for fresh credentials, failures by cause."""
    from collections import Counter

    from hoist.core.checkpoint.stats import TransferStats
    total = TransferStats()
    for text in stats_json.values():
        total.merge(TransferStats.from_json(text))
    failed = Counter(r.error_code or "unknown" for r in records if r.state is TaskState.FAILED)
    return {"uploads": dict(Counter(r.state.value for r in records if r.direction != "download")),
            "downloads": dict(Counter(shown_state(r.state, r.direction) for r in records
                                      if r.direction == "download")),
            "bytes_sent": total.bytes_sent, "bytes_received": total.bytes_received, "seconds_uploading": round(total.seconds, 1),
            "throughput": round(total.throughput()), "retries": dict(total.retries),
            "parts_resent": total.parts_resent, "network_wait": round(total.network_wait, 1),
            "outages": total.outages, "credentials_wait": round(total.credentials_wait, 1),
            "failures": dict(failed)}


def cmd_stats(args, directory) -> int:
    records, stats_json = [], {}
    if (directory / STORE_NAME).exists():
        store = open_store(directory, readonly=True)
        records, stats_json = store.tasks(), store.stats()
        store.close()
    summary = stats_summary(records, stats_json)
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    if not records:
        print("No uploads in the checkpoint store.")
        return EXIT_OK
    from hoist.core.local.units import format_duration, format_rate
    states = ", ".join(f"{n} {state}" for state, n in sorted(summary["uploads"].items()))
    retries = summary["retries"]
    lines = [
        ("Uploads", f"{sum(summary['uploads'].values())} ({states})"),
        ("Downloads", f"{sum(summary['downloads'].values())} (" + ", ".join(
            f"{n} {state}" for state, n in sorted(summary["downloads"].items())) + ")"
         if summary["downloads"] else "none"),
        ("Bytes sent", format_size(summary["bytes_sent"])),
        ("Bytes received", format_size(summary["bytes_received"])),
        ("Time uploading", format_duration(summary["seconds_uploading"])),
        ("Effective speed", format_rate(summary["throughput"]) if summary["throughput"] else "—"),
        ("Retries", (f"{sum(retries.values())} (" + ", ".join(
            f"{c.replace('_', ' ')} {n}" for c, n in sorted(retries.items())) + ")")
         if retries else "none"),
        ("Parts re-sent", str(summary["parts_resent"])),
        ("Waiting for network", f"{format_duration(summary['network_wait'])} in "
                                f"{summary['outages']} outage(s)" if summary["outages"] else "none"),
        ("Expired credentials", f"{format_duration(summary['credentials_wait'])} waiting for "
                                "fresh ones" if summary["credentials_wait"] else "none"),
        ("Failures", ", ".join(f"{c} {n}" for c, n in sorted(summary["failures"].items()))
         or "none"),
    ]
    for label, value in lines:
        print(f"{label + ':':<21}{value}")
    return EXIT_OK


def cmd_cancel(args, directory) -> int:
    from hoist.core.remote.s3 import Destination, S3Clients
    store = open_store(directory)
    clients = S3Clients(max_pool_connections=2, cache_dir=directory)
    status = EXIT_OK
    for task_id in args.ids:
        record = store.get_task(task_id)
        if record is None:
            print(f"hoist: no upload with id {task_id}: see `hoist list`.", file=sys.stderr)
            status = EXIT_USAGE
            continue
        refused = False
        if record.direction == "download":
            from hoist.cli_download import cancel_download
            store.delete_task(task_id)
            print(f"Cancelled {task_id}: {cancel_download(record)}")
            continue
        if record.upload_id and record.state is not TaskState.COMPLETED:
            bucket = clients.bucket(Destination(
                bucket=record.bucket, endpoint_url=record.endpoint_url, region=record.region,
                profile=record.profile, account=record.account, ca_bundle=record.ca_bundle,
                verify_tls=bool(record.verify_tls)))
            try:
                bucket.abort(record.key, record.upload_id)
            except S3Error as e:
                if e.kind is ErrorKind.UNSUPPORTED:
                    # forgotten here, so `hoist cleanup` lists it as an orphan
                    print(f"Cancelled {task_id} · the store would not discard the uploaded "
                          "parts; `hoist cleanup` lists them, and the store's lifecycle rules "
                          "or console can remove them.")
                    refused = True
                elif e.kind is not ErrorKind.NO_SUCH_UPLOAD:
                    print(f"hoist: upload {task_id} was not cancelled: {e.message}", file=sys.stderr)
                    status = EXIT_FAILED
                    continue
        store.delete_task(task_id)
        log.info("task %s: cancelled from the command line", task_id)
        if not refused:
            print(f"Cancelled {task_id}: s3://{record.bucket}/{record.key}")
    store.close()
    return status


def cmd_cleanup(args, directory) -> int:
    import datetime
    if args.local:
        from hoist.cli_download import cmd_cleanup_local
        return cmd_cleanup_local(args, directory)
    if not args.bucket or args.paths:
        raise UsageError("say which bucket's orphaned uploads to abort (--bucket BUCKET), or "
                         "--local for partial downloads (PATHs go with --local only).")

    from hoist.core.remote.s3 import S3Clients
    store = open_store(directory, readonly=True) if (directory / STORE_NAME).exists() else None
    ours = store.upload_ids(args.bucket) if store else set()
    if store:
        store.close()
    bucket = S3Clients(max_pool_connections=2, cache_dir=directory).bucket(_destination(args))
    try:
        uploads = bucket.list_multipart_uploads()
    except S3Error as e:
        raise UsageError(e.message) from None
    now = datetime.datetime.now(datetime.timezone.utc)
    verb = "Would abort" if args.dry_run else "Aborted"
    count = 0
    for upload in uploads:
        age = (now - upload.initiated).total_seconds()
        if upload.upload_id in ours or age < args.older_than:
            continue
        if not args.dry_run:
            try:
                bucket.abort(upload.key, upload.upload_id)
            except S3Error as e:
                print(f"hoist: could not abort s3://{args.bucket}/{upload.key}: {e.message}",
                      file=sys.stderr)
                continue
        count += 1
        print(f"{verb} s3://{args.bucket}/{upload.key} (started {format_age(age)} ago)")
    kept = sum(1 for u in uploads if u.upload_id in ours)
    print(f"{verb} {count} orphaned upload(s)" + (f"; kept {kept} that Hoist can resume." if kept
                                                    else "."))
    return EXIT_OK


def format_age(seconds: float) -> str:
    from hoist.core.local.units import format_duration
    return format_duration(seconds)


def cmd_download(args, directory) -> int:
    from hoist.cli_download import cmd_download as download  # it imports this module's helpers
    return download(args, directory)


def cmd_share(args, directory) -> int:
    from hoist.cli_share import cmd_share as share  # it imports this module's helpers
    return share(args, directory)


def cmd_watch(args, directory) -> int:
    from hoist.cli_watch import cmd_watch as watch  # it imports this module's helpers
    return watch(args, directory)


COMMANDS = {"upload": cmd_upload, "download": cmd_download, "watch": cmd_watch, "resume": cmd_resume,
            "list": cmd_list, "stats": cmd_stats,
            "cancel": cmd_cancel, "cleanup": cmd_cleanup, "share": cmd_share}
