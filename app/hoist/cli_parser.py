"""The `hoist` command's grammar: its sub-commands, their options, help and examples.

``build_parser()`` is all that hoist.cli (which runs the commands) and the shell
completion need; option values are checked here, so a bad ``--part-size`` or
timetable is a usage error (exit status 2) before anything starts.
"""

import argparse
import os

from hoist import __version__
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
  hoist upload ~/videos --bucket media    upload a folder, resumably
  hoist resume                            continue whatever was interrupted
  hoist COMMAND --help                    options and examples of one command""",
    "upload": """examples:
  hoist upload big.iso --bucket backups
  hoist upload ~/photos --bucket media --prefix 2026/ --bwlimit 20MiB/s
  hoist upload db.tar --bucket b --endpoint-url http://nas:9000 --part-size 64MiB --concurrency 8
  hoist upload db.tar --bucket b --endpoint-url https://nas:9000 --ca-bundle ~/nas-ca.pem
  hoist upload big.iso --bucket backups --adopt      continue another tool's upload of the key""",
    "resume": """examples:
  hoist resume            every unfinished upload
  hoist resume 12 14      only these (ids from `hoist list`)""",
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
  hoist cleanup --bucket media --older-than 7d    abort week-old orphans""",
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
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"hoist {__version__}")
    parser.add_argument("--verbose", action="store_true", help="mirror the log to stderr")
    parser.add_argument("--demo", action="store_true",
                        help="open the window with an embedded local S3 server to try Hoist")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # --verbose works before or after the sub-command
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="mirror the log to stderr")

    def endpoint_options(p, bucket_required):
        p.add_argument("--bucket", required=bucket_required, help="destination bucket")
        p.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                       help="S3-compatible endpoint (default: AWS, or $AWS_ENDPOINT_URL)")
        p.add_argument("--region", help="region (default: from the profile or environment)")
        p.add_argument("--profile", help="AWS profile for credentials")
        p.add_argument("--ca-bundle", type=_ca_bundle, metavar="PATH",
                       help="PEM file of the CA certificates to trust for the endpoint (before "
                            "$AWS_CA_BUNDLE, the profile's ca_bundle and the system's); kept "
                            "with each upload, so `hoist resume` uses it too")

    up = sub.add_parser("upload", epilog=EXAMPLES["upload"],
                         formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="upload files and folders, resumably")
    up.add_argument("paths", nargs="+", metavar="PATH")
    endpoint_options(up, bucket_required=True)
    up.add_argument("--prefix", default="", help="prepended to every key (include a trailing /)")
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
    up.add_argument("--adopt", action="store_true",
                    help="continue an incomplete multipart upload of the same key found on the "
                         "server, after checking its parts against the file")

    res = sub.add_parser("resume", epilog=EXAMPLES["resume"],
                          formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="continue unfinished uploads and wait for them")
    res.add_argument("ids", nargs="*", type=int, metavar="ID")
    res.add_argument("--quiet", action="store_true", help="print only the summary")
    _preset_option(res)
    res.add_argument("--bwlimit-schedule", type=_schedule, metavar="TIMETABLE",
                     help="limits by time of day, as for upload")

    ls = sub.add_parser("list", epilog=EXAMPLES["list"],
                         formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="show the uploads in the checkpoint store")
    ls.add_argument("--json", action="store_true", help="machine-readable output")

    st = sub.add_parser("stats", epilog=EXAMPLES["stats"],
                        formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common],
                        help="what the uploads in the store cost: bytes, speed, retries by cause")
    st.add_argument("--json", action="store_true", help="machine-readable output")

    can = sub.add_parser("cancel", epilog=EXAMPLES["cancel"],
                          formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="abort uploads on the server and forget them")
    can.add_argument("ids", nargs="+", type=int, metavar="ID")

    clean = sub.add_parser("cleanup", epilog=EXAMPLES["cleanup"],
                            formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common], help="abort orphaned multipart uploads in a bucket")
    endpoint_options(clean, bucket_required=True)
    clean.add_argument("--older-than", type=parse_duration, default=parse_duration("24h"),
                       help="only uploads started longer ago than this (default 24h)")
    clean.add_argument("--dry-run", action="store_true", help="list, but abort nothing")

    comp = sub.add_parser("completion", epilog=EXAMPLES["completion"],
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          help="print a shell completion script")
    comp.add_argument("shell", choices=["bash"], help="the shell to complete in")
    return parser
