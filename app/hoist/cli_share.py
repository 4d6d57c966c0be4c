"""`hoist share s3://bucket/key`: a presigned GET URL, printed and nowhere else.

The URL goes to stdout alone (so it can be piped); what limits it goes to
stderr. Neither the log nor the data directory ever holds it.
"""

import logging
import sys

from hoist.cli import EXIT_OK, UsageError, _destination
from hoist.core.remote.errors import S3Error
from hoist.core.remote.naming import parse_s3_uri

log = logging.getLogger("hoist.cli")


def cmd_share(args, directory) -> int:
    from hoist.core.remote.s3 import S3Clients
    from hoist.core.remote.sharing import share_link
    try:
        args.bucket, key = parse_s3_uri(args.uri)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if not key or key.endswith("/"):
        raise UsageError(f"{args.uri} names no object: give its whole key, s3://bucket/key.")
    bucket = S3Clients(max_pool_connections=2, cache_dir=directory).bucket(_destination(args))
    try:
        if bucket.head(key) is None:
            raise UsageError(f"s3://{bucket.name}/{key} does not exist: check the key "
                             "(`hoist list` shows what was uploaded).")
        link = share_link(bucket, key, args.expires_in)
    except S3Error as error:
        raise UsageError(error.message) from None
    print(link.url)
    for note in link.notes():
        print(f"hoist: {note}", file=sys.stderr)
    log.info("share link made for s3://%s/%s, valid %d s", bucket.name, key, link.seconds)
    return EXIT_OK
