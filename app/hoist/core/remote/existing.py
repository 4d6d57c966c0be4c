"""Which of a drop's keys already exist on the server: listed by the page, not asked one by one.

A folder of 100,000 photos would cost 100,000 HeadObject requests; listing the
folder's prefix costs one request per 1,000 keys that are *there* (one request
when the prefix is empty, as it is for a first upload). Listing is used where a
drop has many keys under one prefix, within a page budget set by the number of
keys: a prefix holding far more objects than the drop (a bucket's root, say)
is listed only that far, and the keys beyond the listed range are asked for one
by one. A store or policy that refuses listing (AccessDenied without
s3:ListBucket) gets HEAD requests for all of them.
"""

import logging
import os
from concurrent.futures import ThreadPoolExecutor

from hoist.core.remote.errors import S3Error

log = logging.getLogger("hoist.existing")

HEAD_CONCURRENCY = 8
LIST_FROM = 20          # fewer keys than this are cheaper to ask for one by one
PAGE = 1000


def existing_keys(bucket, keys) -> set[str]:
    """The subset of ``keys`` that exist in ``bucket`` (core.s3.Bucket)."""
    # Not sorted: sorting 100,000 keys is one call that holds the GIL for 30-40 ms, and this
    # runs beside the window's GUI thread. The common prefix needs only the least and the
    # greatest key.
    keys = set(keys)
    if len(keys) < LIST_FROM:
        return head_each(bucket, sorted(keys))
    prefix = os.path.commonprefix([min(keys), max(keys)])
    prefix = prefix[:prefix.rfind("/") + 1]       # a folder's prefix, never half a name
    budget = max(5, 2 * -(-len(keys) // PAGE))
    listed, after, pages = set(), "", 0
    try:
        while pages < budget:
            page, after = bucket.list_keys(prefix, after, PAGE)
            listed.update(page)
            pages += 1
            if after is None:
                break
    except S3Error as error:
        log.info("listing s3://%s/%s refused (%s): asking for each key instead",
                 bucket.name, prefix, error.code)
        return head_each(bucket, keys)
    found = {key for key in keys if key in listed}
    if after is None:                    # the whole prefix was listed
        return found
    return found | head_each(bucket, [key for key in keys if key > after])


def head_each(bucket, keys) -> set[str]:
    """The keys that exist, one HeadObject each; a key whose HEAD fails counts as absent
    (its upload will say why)."""
    def exists(key):
        try:
            return bucket.head(key) is not None
        except Exception as error:  # noqa: BLE001 -- e.g. S3Error: access denied, no network
            log.info("HEAD %s: %s; assuming it does not exist", key, getattr(error, "message", error))
            return False
    keys = list(keys)
    if not keys:
        return set()
    with ThreadPoolExecutor(max_workers=min(HEAD_CONCURRENCY, len(keys))) as pool:
        return {key for key, found in zip(keys, pool.map(exists, keys)) if found}
