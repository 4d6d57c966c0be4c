"""botocore's S3 SigV4 signer over a plain request: headers in a dict, not an email message.

botocore keeps a request's headers in ``HTTPHeaders``, an ``email.message.Message``, and
builds a second one twice while signing: about 60 µs a request of the ~100 µs it spends
signing. :class:`DirectSigner` is botocore's ``S3SigV4Auth`` (its canonical request, string
to sign, signature, payload rule and Authorization header), with only the choice of the
headers to sign taken from a dict. A direct request's headers come from botocore's
serializer and signer, one spelling each, so a dict holds what HTTPHeaders would.
"""

from botocore.auth import (
    SIGNED_HEADERS_BLACKLIST,
    SIGV4_TIMESTAMP,
    S3SigV4Auth,
    _host_from_url,
    get_current_datetime,
)


class PlainRequest:
    """What botocore's signer reads of a request: method, URL, headers, body, context; and
    the Host header it signs (the same for every request to a bucket: worked out once)."""

    __slots__ = ("method", "url", "headers", "body", "context", "host")
    params = ()         # the query is in the URL; botocore's signer looks here first

    def __init__(self, method: str, url: str, headers: dict, body, context: dict, host: str):
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.context = context
        self.host = host


def host_of(url: str) -> str:
    """The Host header botocore signs for ``url``."""
    return _host_from_url(url)


class _SignedHeaders(dict):
    """Lower-case names to values: what canonical_headers asks of botocore's HTTPHeaders."""

    def get_all(self, name: str) -> list:
        return [self[name]]


class DirectSigner(S3SigV4Auth):
    """botocore's S3SigV4Auth over a :class:`PlainRequest`, and without its debug log of the
    canonical request (which holds every signed header: an SSE-C key among them)."""

    _signed = None          # the headers signed; one signer signs one request

    def add_auth(self, request: PlainRequest) -> None:
        self.sign_at(request, get_current_datetime().strftime(SIGV4_TIMESTAMP))

    def sign_at(self, request: PlainRequest, timestamp: str) -> None:
        """botocore's SigV4Auth.add_auth, at ``timestamp``, its log lines left out."""
        request.context["timestamp"] = timestamp
        self._modify_request_before_signing(request)
        string_to_sign = self.string_to_sign(request, self.canonical_request(request))
        self._inject_signature_to_request(request, self.signature(string_to_sign, request))

    def headers_to_sign(self, request: PlainRequest) -> _SignedHeaders:
        # asked twice a signature (canonical request, Authorization): the headers are the same
        if self._signed is None:
            self._signed = _SignedHeaders(
                (name.lower(), value) for name, value in request.headers.items()
                if name.lower() not in SIGNED_HEADERS_BLACKLIST)
            self._signed.setdefault("host", request.host)
        return self._signed
