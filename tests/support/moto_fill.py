"""Keys put straight into the moto server's backend (it runs in the test process).

A bucket of 100,000 keys made with PutObject takes minutes over HTTP; made here
it takes about half a second: one real object is PUT over HTTP, then copies of
its FakeKey (same size, ETag and date, another name) are put beside it in the
backend's key store. The app still lists them over HTTP, as it would on S3.
"""

import time

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import FakeKey, s3_backends


def fill(s3, bucket: str, names, body: bytes = b"x" * 1234,
         storage_class: str = "STANDARD") -> float:
    """Put one object per name of ``names`` into ``bucket`` (which exists); seconds taken."""
    started = time.perf_counter()
    template = f"hoist-fill-template-{time.monotonic_ns()}"
    s3.put_object(Bucket=bucket, Key=template, Body=body, StorageClass=storage_class)
    keys = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[bucket].keys
    base = dict.__getitem__(keys, template)[-1].__dict__
    make, put = FakeKey.__new__, dict.__setitem__
    for name in names:
        key = make(FakeKey)
        fields = dict(base)
        fields["name"] = name
        key.__dict__ = fields
        put(keys, name, [key])
    dict.__delitem__(keys, template)
    return time.perf_counter() - started
