"""Listing a bucket's folder one page at a time, for the Bucket pane (ui/bucket/).

A page is one ListObjectsV2 request with the delimiter "/": a folder's sub-folders
come back as common prefixes and its objects with their size, date, storage class
and ETag, never the keys beneath, so a folder of a million keys opens with one
request. An account that may not list (no ``s3:ListBucket``) is told so in words
it can act on.
"""

from dataclasses import dataclass
from datetime import datetime

from hoist.core.remote.errors import ErrorKind, S3Error

PAGE = 1000                       # keys a ListObjectsV2 page (and a DeleteObjects request)
ARCHIVED = ("GLACIER", "DEEP_ARCHIVE")     # classes that must be restored before a GET
DENIED = ("AccessDenied", "403", "Forbidden", "AllAccessDisabled")


@dataclass(frozen=True)
class Entry:
    """One row of a folder: a sub-folder (``key`` ends with "/") or an object."""

    key: str
    size: int = 0
    modified: datetime | None = None
    storage_class: str = ""
    etag: str = ""

    @property
    def is_folder(self) -> bool:
        return self.key.endswith("/")

    @property
    def name(self) -> str:
        """The last part of the key (a folder's with its "/")."""
        stem = self.key[:-1] if self.is_folder else self.key
        return stem.rpartition("/")[2] + ("/" if self.is_folder else "")

    @property
    def archived(self) -> bool:
        return self.storage_class in ARCHIVED


@dataclass(frozen=True)
class Page:
    """One listing page under ``prefix``: folders first, then objects, as S3 orders them
    among themselves; ``token`` continues it (None after the last page)."""

    prefix: str
    entries: list[Entry]
    token: str | None


def list_page(bucket, prefix: str, token: str | None = None, page: int = PAGE) -> Page:
    """One page of the folder ``prefix`` of ``bucket`` (core.s3.Bucket); raises S3Error,
    an account without s3:ListBucket as ``AccessDenied`` with a message that says so."""
    params = {"Prefix": prefix, "Delimiter": "/", "MaxKeys": page}
    if token:
        params["ContinuationToken"] = token
    try:
        reply = bucket.request("ListObjectsV2", prefix or None, **params)
    except S3Error as error:
        if error.code in DENIED:
            raise S3Error(ErrorKind.FATAL, "AccessDenied", list_denied(bucket.name)) from None
        raise
    folders = [Entry(item["Prefix"]) for item in reply.get("CommonPrefixes", [])
               if item.get("Prefix") and item["Prefix"] != prefix]
    objects = [Entry(item["Key"], item.get("Size", 0), item.get("LastModified"),
                     item.get("StorageClass", "STANDARD"), item.get("ETag", ""))
               for item in reply.get("Contents", []) if item["Key"] != prefix]
    token = reply.get("NextContinuationToken") if reply.get("IsTruncated") else None
    return Page(prefix, folders + objects, token)


def list_denied(bucket_name: str) -> str:
    return (f"This account may not list bucket {bucket_name} (s3:ListBucket): ask the bucket's "
            f"owner to allow s3:ListBucket on arn:aws:s3:::{bucket_name}, or choose another "
            "account under Upload to. Uploads may still work without it.")


def walk(bucket, prefix: str):
    """Every object under ``prefix`` at any depth (no delimiter), a page at a time."""
    token = None
    while True:
        params = {"Prefix": prefix, "MaxKeys": PAGE}
        if token:
            params["ContinuationToken"] = token
        reply = bucket.request("ListObjectsV2", prefix or None, **params)
        yield [Entry(item["Key"], item.get("Size", 0), item.get("LastModified"),
                     item.get("StorageClass", "STANDARD"), item.get("ETag", ""))
               for item in reply.get("Contents", [])]
        token = reply.get("NextContinuationToken")
        if not reply.get("IsTruncated") or not token:
            return


def expand(bucket, keys) -> list[Entry]:
    """``keys`` as objects: a key ending "/" stands for every object under it (listed)."""
    found, seen = [], set()
    for key in keys:
        entries = ([entry for page in walk(bucket, key) for entry in page]
                   if key.endswith("/") else [Entry(key)])
        for entry in entries:
            if entry.key not in seen:
                seen.add(entry.key)
                found.append(entry)
    return found
