"""The `hoist` command's grammar: its sub-commands, their options, help and examples.

``build_parser()`` is all that hoist.cli (which runs the commands) and the shell
completion need; option values are checked here, so a bad ``--part-size`` or
timetable is a usage error (exit status 2) before anything starts.
"""

import argparse
import os

from hoist import __version__
from hoist.cli_objects import add_key_option, add_object_options
from hoist.core.local.units import parse_duration, parse_rate, parse_size


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than zero: {text!r}")
        return value
    return parse


# Examples at the end of each command's --help; RawDescriptionHelpFormatter keeps their lines.
EXAMPLES = {
    "hoist": """examples:
  hoist                                   open the window
  hoist --demo                            open the window with a local demo server
  hoist upload ~/videos s3://media/        upload a folder, resumably
  hoist resume                            continue whatever was interrupted
  hoist COMMAND --help                    options and examples of one command""",
    "upload": """examples:
  hoist upload big.iso s3://backups/
  hoist upload ~/photos s3://media/2026/             the same as --bucket media --prefix 2026/
  hoist upload big.iso --bucket backups
  hoist upload ~/photos --bucket media --prefix 2026/ --bwlimit 20MiB/s
  hoist upload db.tar --bucket b --endpoint-url http://nas:9000 --part-size 64MiB --concurrency 8
  hoist upload big.iso --bucket backups --adopt      continue another tool's upload of the key
  hoist upload db.tar --bucket b --endpoint-url https://nas:9000 --ca-bundle ~/nas-ca.pem
  hoist upload ~/photos --bucket media --force       send even the files already there
  hoist upload ~/site --bucket web --exclude '**.tmp' --exclude 'cache/**' --dry-run
  hoist upload site/ --bucket www --cache-control max-age=300 --acl public-read
  hoist upload db.tar --bucket b --storage-class GLACIER_IR --tag team=data --sse AES256
  hoist upload secret.tar --bucket b --sse-c-key-file ~/.keys/b.key""",
    "download": """examples:
  hoist download s3://backups/big.iso ~/Downloads/
  hoist download s3://media/2026/ ~/photos/          every object under the prefix
  hoist download s3://media/2026/ ~/photos/ --exclude '**.tmp' --dry-run
  hoist download s3://b/db.tar . --endpoint-url http://nas:9000 --bwlimit 20MiB/s
  hoist download s3://b/report.pdf ./ --version-id 3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY
  hoist download s3://b/big.iso . --force            replace a file that is there already""",
    "resume": """examples:
  hoist resume            every unfinished upload
  hoist resume 12 14      only these (ids from `hoist list`)
  HOIST_SSE_C_KEY=$(cat key.b64) hoist resume      uploads encrypted with an SSE-C key""",
    "list": """examples:
  hoist list
  hoist list --json | jq '.[] | select(.state == "failed")'""",
    "stats": """examples:
  hoist stats
  hoist stats --json | jq .retries""",
    "cancel": """examples:
  hoist cancel 12         abort upload 12 on the server and forget it""",
    "cleanup": """examples:
  hoist cleanup --bucket media --dry-run          what would be aborted
  hoist cleanup --bucket media --older-than 7d    abort week-old orphans
  hoist cleanup --local --dry-run                 partial downloads no download owns
  hoist cleanup --local ~/Downloads               remove those, looking there too""",
    "share": """examples:
  hoist share s3://media/2026/talk.mp4                  a link that works for 1 hour
  hoist share s3://media/talk.mp4 --expires-in 7d       the longest S3 allows
  hoist share s3://b/report.pdf --endpoint-url http://nas:9000 | xclip""",
    "watch": """examples:
  hoist watch ~/tether --bucket photos --prefix 2026/     new photos go up once complete
  hoist watch /srv/dumps --bucket backups --settle 30 --delete
  hoist watch /renders --bucket farm --exclude '**/*.exr.lock' --endpoint-url http://nas:9000
Runs until SIGTERM or SIGINT (Ctrl-C), then exits 0 with everything checkpointed. While
the window is open on the same data directory, the watches are handed to it instead.""",
    "completion": """examples:
  hoist completion bash > ~/.local/share/bash-completion/completions/hoist
  source <(hoist completion bash)                 for this shell only""",
}


def _preset_option(parser) -> None:
    from hoist.core.settings.presets import DEFAULT, PRESETS
    lines = "; ".join(f"{p.name}: {p.describe()}" for p in PRESETS.values())
    parser.add_argument("--preset", choices=list(PRESETS), default=DEFAULT,
                        help=f"a named set of transfer settings; any flag given still wins "
                             f"(default {DEFAULT}). {lines}")


def _credentials_option(parser, transfers: str = "uploads") -> None:
    """``transfers``: what the command runs ("uploads", "downloads", "transfers")."""
    parser.add_argument("--no-wait-for-credentials", action="store_true",
                        help=f"when the credentials expire mid-transfer (a role, an SSO "
                             f"session), fail the {transfers} instead of waiting until they are "
                             f"renewed")


class _Rule(argparse.Action):
    """--exclude and --include go into one list, in the order given (the last match wins)."""

    def __call__(self, parser, namespace, value, option_string=None):
        rules = list(getattr(namespace, self.dest, None) or [])
        rules.append((option_string.lstrip("-"), value))
        setattr(namespace, self.dest, rules)


def _ca_bundle(text):
    from hoist.core.remote.tls import bundle_problem
    path = os.path.abspath(os.path.expanduser(text))     # resumed later from anywhere
    problem = bundle_problem(path)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return path


def _schedule(text):
    from hoist.core.policy.schedule import Schedule, ScheduleError
    try:
        return Schedule.parse(text)
    except ScheduleError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hoist", description="Resumable uploads to Amazon S3 and S3-compatible stores. "
        "Run without a command to open the window.", epilog=EXAMPLES["hoist"],
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"hoist {__version__}")
    parser.add_argument("--verbose", action="store_true", help="mirror the log to stderr")
    parser.add_argument("--demo", action="store_true",
                        help="open the window with an embedded local S3 server to try Hoist")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # allow_abbrev=False everywhere: beside --sse, --sse-c-key-file and --sse-kms-key-id (and
    # the --content-* flags), a prefix that works today would mean another flag tomorrow
    def command(name, **options):
        return sub.add_parser(name, allow_abbrev=False, **options)

    # --verbose works before or after the sub-command
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="mirror the log to stderr")

    def endpoint_options(p, bucket_required, bucket=True, kept="kept with each upload, so "
                         "`hoist resume` uses it too"):
        """``kept``: what becomes of --ca-bundle ("" when nothing keeps it)."""
        if bucket:          # `share` and `download` name their bucket in an s3:// address
            p.add_argument("--bucket", required=bucket_required, help="destination bucket")
        p.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                       help="S3-compatible endpoint (default: AWS, or $AWS_ENDPOINT_URL)")
        p.add_argument("--region", help="region (default: from the profile or environment)")
        p.add_argument("--profile", help="AWS profile for credentials")
        p.add_argument("--ca-bundle", type=_ca_bundle, metavar="PATH",
                       help="PEM file of the CA certificates to trust for the endpoint (before "
                            "$AWS_CA_BUNDLE, the profile's ca_bundle and the system's)"
                            + (f"; {kept}" if kept else ""))

    up = command("upload", epilog=EXAMPLES["upload"], usage="%(prog)s PATH... "
                 "(s3://BUCKET/PREFIX/ | --to s3://BUCKET/PREFIX/ | --bucket BUCKET) [options]",
                 formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common],
                 help="upload files and folders, resumably")
    up.add_argument("paths", nargs="+", metavar="PATH",
                    help="files and folders; the last may be the destination, s3://BUCKET/PREFIX/")
    endpoint_options(up, bucket_required=False)
    up.add_argument("--prefix", default="", help="prepended to every key (include a trailing /)")
    up.add_argument("--to", metavar="s3://BUCKET/PREFIX/",
                    help="where to upload, instead of --bucket and --prefix (a prefix without a "
                         "trailing / is taken as a folder)")
    up.add_argument("--part-size", type=_positive(parse_size),
                    help="e.g. 8MiB (5MiB–5GiB); default: automatic, from the file size and "
                         "the measured link")
    up.add_argument("--concurrency", type=_positive(int),
                    help="parts in flight in total; default: automatic, grown while the "
                         "measured throughput rises")
    up.add_argument("--files", type=_positive(int), help="big files (multipart uploads) at once; files smaller than a part go "
                    "in one request each, up to --concurrency (16 if automatic) at once")
    up.add_argument("--bwlimit", type=_positive(parse_rate), help="e.g. 20MiB/s")
    _preset_option(up)
    up.add_argument("--bwlimit-schedule", type=_schedule, metavar="TIMETABLE",
                    help="limits by time of day, replacing --bwlimit, e.g. "
                         "'Mon-Fri-09:00,2MiB/s Mon-Fri-18:00,off' (rclone's timetable syntax)")
    up.add_argument("--quiet", action="store_true", help="print only the summary")
    _credentials_option(up)
    up.add_argument("--force", action="store_true",
                    help="send every file, even those on the server already, unchanged")
    up.add_argument("--checksum", action="store_true",
                    help="tell unchanged files by their content (reads each file found on the "
                         "server) instead of Hoist's record of what it sent, or size and time")
    for flag, what in (("--exclude", "leave out"), ("--include", "take back")):
        up.add_argument(flag, action=_Rule, dest="filters", default=[], metavar="GLOB",
                        help=f"{what} files whose path below the folder given matches GLOB; "
                             "* stays in a folder, ** crosses folders; repeatable, and the "
                             "last matching --exclude or --include wins")
    up.add_argument("--dry-run", action="store_true",
                    help="print what each file would be (send, skip (unchanged), overwrite, "
                         "excluded) and send nothing")
    up.add_argument("--adopt", action="store_true",
                    help="continue an incomplete multipart upload of the same key found on the "
                         "server, after checking its parts against the file")
    add_object_options(up)

    down = command("download", epilog=EXAMPLES["download"],
                   usage="%(prog)s s3://BUCKET/KEY|s3://BUCKET/PREFIX/ DEST [options]",
                   formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common],
                   help="download objects, resumably, proved before they take their names")
    down.add_argument("source", metavar="s3://BUCKET/KEY",
                      help="one object, or with a trailing / every object under the prefix")
    down.add_argument("dest", metavar="DEST", help="the folder to download into (made if missing)")
    endpoint_options(down, bucket_required=False, bucket=False,
                     kept="kept with each download, so `hoist resume` uses it too")
    down.add_argument("--part-size", type=_positive(parse_size), metavar="SIZE",
                      help="bytes a ranged GET, e.g. 8MiB (default: the preset's part size)")
    down.add_argument("--concurrency", type=_positive(int), help="ranges in flight in total")
    down.add_argument("--files", type=_positive(int), help="objects at once")
    down.add_argument("--bwlimit", type=_positive(parse_rate), help="e.g. 20MiB/s")
    _preset_option(down)
    down.add_argument("--bwlimit-schedule", type=_schedule, metavar="TIMETABLE",
                      help="limits by time of day, as for `hoist upload`")
    down.add_argument("--quiet", action="store_true", help="print only the summary")
    _credentials_option(down, "downloads")
    down.add_argument("--force", action="store_true",
                      help="overwrite files that are there already, even unchanged ones")
    down.add_argument("--version-id", metavar="ID",
                      help="that version of the object (default: the current one)")
    for flag, what in (("--exclude", "leave out"), ("--include", "take back")):
        down.add_argument(flag, action=_Rule, dest="filters", default=[], metavar="GLOB",
                          help=f"{what} keys whose path below the prefix matches GLOB, as for "
                               "`hoist upload`")
    down.add_argument("--dry-run", action="store_true",
                      help="print what each key would be (download, skip, refused) and "
                           "download nothing")
    add_key_option(down, "decrypt with")

    res = command("resume", epilog=EXAMPLES["resume"],
                          formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="continue unfinished uploads and wait for them")
    res.add_argument("ids", nargs="*", type=int, metavar="ID")
    res.add_argument("--quiet", action="store_true", help="print only the summary")
    _credentials_option(res, "uploads and downloads")
    _preset_option(res)
    res.add_argument("--bwlimit-schedule", type=_schedule, metavar="TIMETABLE",
                     help="limits by time of day, as for `hoist upload`")
    add_key_option(res, "encrypt (uploads) or decrypt (downloads) with")

    ls = command("list", epilog=EXAMPLES["list"],
                         formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="show the uploads in the checkpoint store")
    ls.add_argument("--json", action="store_true", help="machine-readable output")

    st = command("stats", epilog=EXAMPLES["stats"],
                        formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common],
                        help="what the uploads in the store cost: bytes, speed, retries by cause")
    st.add_argument("--json", action="store_true", help="machine-readable output")

    can = command("cancel", epilog=EXAMPLES["cancel"],
                          formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="abort uploads on the server and forget them")
    can.add_argument("ids", nargs="+", type=int, metavar="ID")

    clean = command("cleanup", epilog=EXAMPLES["cleanup"],
                            formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="abort orphaned multipart uploads in a bucket; with --local, remove partial downloads no download owns")
    endpoint_options(clean, bucket_required=False)
    clean.add_argument("--local", action="store_true",
                       help="remove the .hoist-partial files that no download owns, in the "
                            "folders of the downloads Hoist knows and in the PATHs given")
    clean.add_argument("paths", nargs="*", metavar="PATH",
                       help="with --local: more folders to look in")
    clean.add_argument("--older-than", type=parse_duration, default=parse_duration("24h"),
                       help="only uploads started longer ago than this (default 24h)")
    clean.add_argument("--dry-run", action="store_true", help="list, but abort nothing")

    share = command("share", epilog=EXAMPLES["share"],
                           formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common],
                           help="print a link that downloads one object, for a limited time")
    share.add_argument("uri", metavar="s3://BUCKET/KEY", help="the object to share")
    share.add_argument("--expires-in", type=_positive(parse_duration), default=3600.0,
                       metavar="DURATION",
                       help="how long the link works, e.g. 1h, 1d, 7d (default 1h; at most 7d, "
                            "and no longer than the credentials that sign it)")
    endpoint_options(share, bucket_required=False, bucket=False, kept="")

    watch = command("watch", epilog=EXAMPLES["watch"],
                    formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common],
                    help="send new and changed files of folders as they are complete, until "
                         "stopped")
    watch.add_argument("paths", nargs="+", metavar="DIR", help="folders to watch")
    endpoint_options(watch, bucket_required=True,
                     kept="kept with the watch, so a restarted Hoist uses it too")
    watch.add_argument("--prefix", default="",
                       help="prepended to every key (include a trailing /); keys are made as "
                            "for `hoist upload DIR`: PREFIX + the folder's name + the path")
    for flag, what in (("--exclude", "leave out"), ("--include", "take back")):
        watch.add_argument(flag, action=_Rule, dest="filters", default=[], metavar="GLOB",
                           help=f"{what} files whose path below the folder matches GLOB, after "
                                "the defaults (*.part, *.tmp, *.crdownload, *.hoist-partial, "
                                "~$*, .~lock.*, .DS_Store); the last match wins")
    watch.add_argument("--settle", type=_positive(float), default=5.0, metavar="SECONDS",
                       help="send a file once its size and time have not changed for this "
                            "long (default 5)")
    watch.add_argument("--delete", action="store_true",
                       help="also delete on the server what Hoist sent from a file deleted "
                            "here (never while the folder is missing or unmounted); logged")
    watch.add_argument("--bwlimit", type=_positive(parse_rate), help="e.g. 20MiB/s")
    watch.add_argument("--quiet", action="store_true", help="print only problems")
    _preset_option(watch)

    comp = command("completion", epilog=EXAMPLES["completion"],
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          help="print a shell completion script")
    comp.add_argument("shell", choices=["bash"], help="the shell to complete in")
    return parser
