"""What a test arms on the fault proxy: faults, the requests they match, and the counts kept."""

import http
import random
import threading
from dataclasses import dataclass, field
from typing import Callable

MESSAGES = {"SlowDown": "Please reduce your request rate.",
            "InternalError": "We encountered an internal error. Please try again.",
            "ServiceUnavailable": "Service is unable to handle request."}


@dataclass(frozen=True)
class ProxyRequest:
    """What a fault's ``match`` predicate sees: one parsed request head."""

    method: str
    path: str
    query: dict         # parse_qs, blank values kept: {"uploadId": ["..."], "partNumber": ["1"]}
    headers: dict       # lower-case names
    op: str             # S3 operation, as tests/support/s3server.classify names it


@dataclass(eq=False)
class Fault:
    """One armed fault. ``fired`` counts its hits; ``cancel()`` disarms it and lets any
    request it is holding go on at once.

    Most faults hit whole requests: ``times`` and ``fired`` count requests. A
    fault made with ``per_request=False`` (``reset_every``) applies to every
    matching request and counts the resets it causes instead.
    """

    kind: str
    params: dict
    match: Callable[[ProxyRequest], bool] = field(repr=False)
    times: int | None           # hits left; None = no limit
    share: float | None         # chance of applying to a matching request
    per_request: bool = True
    fired: int = 0
    released: threading.Event = field(default_factory=threading.Event, repr=False)
    forwarded: int = 0          # reset_every: request-body bytes it has let through

    @property
    def active(self) -> bool:
        return not self.released.is_set() and self.times != 0

    def cancel(self) -> None:
        self.released.set()

    def fires(self, request: ProxyRequest, rng: random.Random) -> bool:
        """Whether this fault applies to ``request`` (call under the proxy's lock)."""
        if not self.active or not self.match(request):
            return False
        if self.share is not None and rng.random() >= self.share:
            return False
        if self.per_request:
            self.hit()
        return True

    def hit(self) -> None:
        self.fired += 1
        if self.times is not None:
            self.times -= 1


@dataclass(frozen=True)
class ProxyStats:
    requests: dict      # requests seen per S3 operation, faulted ones included
    faults: dict        # faults injected per kind ("down"/"half_open" count calls;
                        # "reset_on_accept" connections reset by down(reset=True))
    bytes_up: int       # request bytes forwarded to the upstream server
    bytes_down: int     # response bytes sent back to clients (injected errors included)
    connections: int    # client connections served (not those reset on accept)


def matcher(match) -> Callable[[ProxyRequest], bool]:
    if match is None:
        return lambda request: True
    if isinstance(match, str):
        match = (match,)
    if isinstance(match, (tuple, list, set, frozenset)):
        ops = frozenset(match)
        return lambda request: request.op in ops
    return match


def error_response(status: int, code: str, message: str, method: str, close: bool) -> bytes:
    body = b"" if method == "HEAD" else (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        "<RequestId>FAULTPROXY</RequestId></Error>").encode()
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\nx-amz-request-id: FAULTPROXY\r\n"
            + ("Connection: close\r\n" if close else "") + "\r\n")
    return head.encode() + body
