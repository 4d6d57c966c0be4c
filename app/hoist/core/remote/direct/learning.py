"""Where a bucket's data requests go and how they are signed, learnt from botocore's own.

botocore finds a bucket's endpoint through S3's endpoint rule set (virtual-hosted or path
style, the region, FIPS, dual-stack, a custom endpoint) and follows region redirects; the
direct path repeats none of that. It watches the client's own PutObject, UploadPart and
CreateMultipartUpload requests instead (their endpoint depends on the bucket alone: the rule
set reads no other parameter of theirs), and keeps for each bucket the URL a key's path is
appended to, and the signing region and name, once such a request has been
answered with success without a redirect. Only plain SigV4 requests teach anything: an S3
Express bucket, an access point ARN, SigV4a or an unsigned client stay with botocore.
"""

import threading
from dataclasses import dataclass

from hoist.core.remote.direct.signing import host_of

LEARN_FROM = ("PutObject", "UploadPart", "CreateMultipartUpload")
NOTE = "hoist_direct_note"          # request context: what a request being learnt from said
_SIGV4 = b"AWS4-HMAC-SHA256 Credential="
_PLAIN_SIGNING = {"region", "signing_name", "disableDoubleEncoding"}


@dataclass(frozen=True)
class BucketBase:
    """How botocore sent a bucket's data requests."""

    url: str                # the rule set's endpoint for the bucket: a key's path goes after it
    region: str             # signing region
    signing_name: str
    max_attempts: int | None    # of botocore's retry headers (amz-sdk-request)
    host: str                   # the Host header signed


class BaseLearner:
    """The bases of one client's buckets, learnt through hooks on its events."""

    def __init__(self, events, client_region: str, signing_name: str):
        self._bases: dict[str, BucketBase] = {}
        self._lock = threading.Lock()
        self._region = client_region
        self._signing_name = signing_name
        for operation in LEARN_FROM:
            events.register_last(f"before-call.s3.{operation}", self._note_path)
            events.register_last(f"before-send.s3.{operation}", self._note_request)
            events.register_last(f"after-call.s3.{operation}", self._learn)

    def base(self, bucket: str) -> BucketBase | None:
        return self._bases.get(bucket)

    def forget(self, bucket: str) -> None:
        """The next request to ``bucket`` goes through botocore, and teaches its base again."""
        with self._lock:
            self._bases.pop(bucket, None)

    @staticmethod
    def _note_path(params, context, **_kwargs) -> None:
        # the key's part of the URL, as botocore's serializer quoted it
        if not params.get("host_prefix"):
            context[NOTE] = params["url_path"].split("?", 1)[0]     # "/{Key+}?uploads"

    def _note_request(self, request, **_kwargs) -> None:
        """The request as sent (after a redirect, to where it was redirected)."""
        context = request.context
        path = context.get(NOTE)
        context[NOTE] = None
        bucket = context.get("input_params", {}).get("Bucket")
        signing = context.get("signing", {})
        headers = request.headers
        url = request.url.split("?", 1)[0]     # a key's own "?" is quoted: this is the query
        if (not isinstance(path, str) or not isinstance(bucket, str) or bucket.startswith("arn:")
                or not url.endswith(path) or not set(signing) <= _PLAIN_SIGNING
                or context.get("s3_redirect", {}).get("redirected")
                or not _header(headers, "Authorization").startswith(_SIGV4)
                or "x-amz-s3session-token" in headers):
            return
        context[NOTE] = (bucket, BucketBase(
            url=url[:len(url) - len(path)], region=signing.get("region") or self._region,
            signing_name=signing.get("signing_name") or self._signing_name,
            max_attempts=context.get("retries", {}).get("max"), host=host_of(url)))

    def _learn(self, http_response, context, **_kwargs) -> None:
        note = context.pop(NOTE, None)
        if isinstance(note, tuple) and http_response.status_code < 300:
            bucket, base = note
            with self._lock:
                self._bases[bucket] = base


def _header(headers, name: str) -> bytes:
    value = headers.get(name) or b""
    return value.encode("utf-8") if isinstance(value, str) else value
