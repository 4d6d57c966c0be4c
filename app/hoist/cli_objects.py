"""`hoist upload`'s object flags (spelled as the AWS CLI spells them) and SSE-C keys.

``add_object_options`` puts the flags on a parser; ``object_settings`` makes them one
:class:`ObjectSettings`. An SSE-C key is read from ``--sse-c-key-file`` or
$HOIST_SSE_C_KEY, never from the command line (where `ps` and shell history see it),
and is kept by nobody: `hoist resume` asks for it again and refuses another key.
"""

import argparse
import os

from hoist.core.remote.checksums import unavailable
from hoist.core.remote.objects import (
    ACLS,
    CHECKSUMS,
    SSE_CHOICES,
    CustomerKey,
    ObjectSettings,
    SettingError,
    parse_pairs,
)

KEY_VARIABLE = "HOIST_SSE_C_KEY"


def _pairs(what: str):
    def parse(text):
        try:
            return parse_pairs(text, what)
        except SettingError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def add_key_option(parser, use: str = "encrypt with") -> None:
    """``use``: what the command does with the key ("decrypt with" for downloads)."""
    parser.add_argument("--sse-c-key-file", metavar="PATH",
                        help=f"{use} this SSE-C key: 32 bytes, raw or base64 (also "
                             f"${KEY_VARIABLE}, base64); Hoist keeps only its MD5")


def add_object_options(parser) -> None:
    """The flags that say what the uploaded objects look like."""
    group = parser.add_argument_group(
        "what the object looks like", "fixed when each upload is made; `hoist resume` keeps them")
    group.add_argument("--content-type", metavar="TYPE",
                       help="for every file (default: from each file's name, by Hoist's table)")
    group.add_argument("--no-guess-mime-type", dest="guess_mime_type", action="store_false",
                       help="send no Content-Type unless --content-type gives one")
    group.add_argument("--cache-control", metavar="VALUE", help="e.g. 'max-age=3600'")
    group.add_argument("--content-disposition", metavar="VALUE", help="e.g. attachment")
    group.add_argument("--content-encoding", metavar="VALUE",
                       help="e.g. gzip, for files stored compressed")
    group.add_argument("--content-language", metavar="VALUE", help="e.g. en-GB")
    group.add_argument("--metadata", metavar="K=V[,K2=V2]", type=_pairs("metadata"),
                       action="append", help="user metadata (x-amz-meta-*); may be repeated")
    group.add_argument("--tag", metavar="K=V[,K2=V2]", type=_pairs("tag"), action="append",
                       help="object tags, at most 10; may be repeated")
    group.add_argument("--storage-class", metavar="CLASS",
                       help="e.g. STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR")
    group.add_argument("--sse", choices=SSE_CHOICES, help="server-side encryption")
    group.add_argument("--sse-kms-key-id", metavar="KEY", help="the KMS key of --sse aws:kms")
    group.add_argument("--bucket-key", dest="bucket_key_enabled", action="store_true",
                       help="an S3 Bucket Key for --sse aws:kms")
    add_key_option(group)
    group.add_argument("--acl", choices=ACLS, help="a canned ACL")
    group.add_argument("--checksum-algorithm", choices=CHECKSUMS, type=str.upper,
                       help="checked by the store on every part (default CRC32, dropped for "
                            "stores that refuse it; a chosen one never is)")


def customer_key(args) -> CustomerKey | None:
    """The SSE-C key of this run: --sse-c-key-file, else $HOIST_SSE_C_KEY; None if neither."""
    path = getattr(args, "sse_c_key_file", None)
    where = f"--sse-c-key-file {path}" if path else f"${KEY_VARIABLE}"
    if path:
        try:
            with open(path, "rb") as f:
                data = f.read(1024)
        except OSError as e:
            raise SettingError(f"{where}: {e.strerror}") from None
    else:
        data = os.environ.get(KEY_VARIABLE, "").strip().encode()
        if not data:
            return None
    try:
        return CustomerKey.from_bytes(data)
    except SettingError as e:
        raise SettingError(f"{where}: {e}") from None


def object_settings(args, key: CustomerKey | None) -> ObjectSettings:
    """The flags as ObjectSettings; SettingError for a combination S3 would refuse."""
    metadata, tags = {}, {}
    for pairs in args.metadata or ():
        metadata.update(pairs)
    for pairs in args.tag or ():
        tags.update(pairs)
    algorithm = args.checksum_algorithm or ""
    if unavailable(algorithm):
        raise SettingError(f"--checksum-algorithm {algorithm}: {unavailable(algorithm)}")
    return ObjectSettings(
        content_type=args.content_type or "", guess_mime_type=args.guess_mime_type,
        cache_control=args.cache_control or "",
        content_disposition=args.content_disposition or "",
        content_encoding=args.content_encoding or "",
        content_language=args.content_language or "", metadata=metadata, tags=tags,
        storage_class=(args.storage_class or "").upper(),
        sse=args.sse or ("aws:kms" if args.sse_kms_key_id else ""),
        sse_kms_key_id=args.sse_kms_key_id or "", bucket_key_enabled=args.bucket_key_enabled,
        sse_c_key_md5=key.md5 if key else "", acl=args.acl or "",
        checksum_algorithm=algorithm).check()


def keys_for(records, key: CustomerKey | None) -> None:
    """Before a resume sends anything: every SSE-C upload among ``records`` has its key.
    SettingError names the uploads whose key is missing or is another one."""
    for record in records:
        wanted = record.objects.sse_c_key_md5
        if not wanted:
            continue
        if key is None:
            raise SettingError(
                f"upload {record.id} (s3://{record.bucket}/{record.key}) is encrypted with an "
                f"SSE-C key (MD5 {wanted}), which Hoist does not keep: give it again with "
                f"--sse-c-key-file PATH or ${KEY_VARIABLE}.")
        if key.md5 != wanted:
            raise SettingError(
                f"the SSE-C key given (MD5 {key.md5}) is not the one upload {record.id} "
                f"(s3://{record.bucket}/{record.key}) was started with (MD5 {wanted}): give "
                "that key, or resume the other uploads by id.")
