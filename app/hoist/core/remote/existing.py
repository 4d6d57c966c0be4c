"""Which of a drop's keys already exist on the server: listed by the page, not asked one by one.

A folder of 100,000 photos would cost 100,000 HeadObject requests; listing the
folder's prefix costs one request per 1,000 keys that are *there* (one request
when the prefix is empty, as it is for a first upload), and each listed object
comes with its size, ETag and LastModified: all that telling an unchanged file
needs (core/remote/unchanged.py). A single key is listed with itself as the
prefix. Listing is bounded by a page budget set by the number of keys: a prefix
holding far more objects than the drop (a bucket's root, say) is listed only
that far, and the keys beyond the listed range are asked for one by one. A
store or policy that refuses listing (AccessDenied without s3:ListBucket) gets
HEAD requests for all of them; so does a listing that met a passing server
fault. A missing bucket, bad credentials or an unreachable endpoint is raised:
every HEAD would meet it too.
"""

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from hoist.core.remote.errors import ErrorKind, S3Error

log = logging.getLogger("hoist.existing")

HEAD_CONCURRENCY = 8
PAGE = 1000
REFUSALS = ("AccessDenied", "403", "Forbidden")      # a policy without s3:ListBucket


def existing_keys(bucket, keys) -> set[str]:
    """The subset of ``keys`` that exist in ``bucket`` (core.s3.Bucket)."""
    return set(existing_objects(bucket, keys))


def existing_objects(bucket, keys) -> dict:
    """Those of ``keys`` that exist in ``bucket``: key -> RemoteObject (size, ETag,
    LastModified; no checksum)."""
    # Not sorted: sorting 100,000 keys is one call that holds the GIL for 30-40 ms, and this
    # runs beside the window's GUI thread. The common prefix needs only the least and the
    # greatest key.
    keys = set(keys)
    if not keys:
        return {}
    if len(keys) == 1:
        prefix = next(iter(keys))         # one request lists exactly it (and longer names)
    else:
        prefix = os.path.commonprefix([min(keys), max(keys)])
        prefix = prefix[:prefix.rfind("/") + 1]       # a folder's prefix, never half a name
    budget = max(5, 2 * -(-len(keys) // PAGE))
    listed, after, pages = {}, "", 0
    try:
        while pages < budget:
            page, after = bucket.list_objects(prefix, after, PAGE)
            listed.update(page)
            pages += 1
            if after is None:
                break
    except S3Error as error:
        if error.kind in (ErrorKind.NETWORK, ErrorKind.EXPIRED) or (
                error.kind is ErrorKind.FATAL and error.code not in REFUSALS):
            raise                          # nor would a HEAD a key get through
        log.info("listing s3://%s/%s refused (%s): asking for each key instead",
                 bucket.name, prefix, error.code)
        return head_each(bucket, keys)
    found = {key: listed[key] for key in keys if key in listed}
    if after is not None:                # the prefix was listed only as far as ``after``
        found.update(head_each(bucket, [key for key in keys if key > after]))
    return found


def head_each(bucket, keys) -> dict:
    """The keys that exist, one HeadObject each: key -> RemoteObject; a key whose HEAD fails
    counts as absent (its upload will say why)."""
    def head(key):
        try:
            return bucket.head(key)
        except Exception as error:  # noqa: BLE001 -- e.g. S3Error: access denied, no network
            log.info("HEAD %s: %s; assuming it does not exist", key, getattr(error, "message", error))
            return None
    keys = list(keys)
    if not keys:
        return {}
    with ThreadPoolExecutor(max_workers=min(HEAD_CONCURRENCY, len(keys))) as pool:
        return {key: found for key, found in zip(keys, pool.map(head, keys)) if found is not None}
