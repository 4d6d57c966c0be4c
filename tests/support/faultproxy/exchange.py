"""One client connection through the fault proxy: each request relayed, or faulted, in turn."""

import socket
import time
from typing import TYPE_CHECKING, Callable
from urllib.parse import parse_qs, urlsplit

from ..s3server import classify
from .faults import Fault, ProxyRequest, error_response
from .wire import (CONTINUE, POLL, TO_EOF, Gone, Stream, copy_body, read_head, request_length,
                   response_length)

if TYPE_CHECKING:
    from .proxy import FaultProxy

UNKNOWN_CUT = 64 << 10  # a cut in a body of unknown length falls at fraction x this
FORWARDED = (None, "stall", "truncate_response", "stall_answer", "drip", "reset_every")


class Connection:
    """One client connection and its lazily opened upstream connection.

    ``killed``: end it with a reset. ``frozen``: stop serving it but leave the
    socket open and silent (half-open); the proxy closes it on ``stop()``.
    """

    def __init__(self, proxy: "FaultProxy", sock: socket.socket):
        self.proxy, self.killed, self.frozen, self.reset = proxy, False, False, False
        self.client = Stream(sock, self.alive)
        self.upstream: Stream | None = None

    def alive(self) -> bool:
        return not (self.killed or self.frozen or self.proxy._stopped)

    def open_upstream(self) -> Stream:
        if self.upstream is not None and self.upstream.stale():
            self.drop_upstream()
        if self.upstream is None:
            try:
                sock = socket.create_connection(self.proxy.upstream, timeout=5)
            except OSError:
                raise Gone from None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.upstream = Stream(sock, self.alive)
        return self.upstream

    def drop_upstream(self) -> None:
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None

    def serve(self) -> None:
        """Requests until the client leaves or a fault ends the connection."""
        try:
            while (head := read_head(self.client)) is not None:
                if not self.handle(*head):
                    break
        except (Gone, ValueError):
            pass
        finally:
            self.drop_upstream()
            self.proxy._ended(self)

    def handle(self, raw: bytes, start: str, headers: dict) -> bool:
        """Serve one request; True to keep the client connection for the next."""
        method, target, version = start.split(" ", 2)
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        request = ProxyRequest(method, parts.path, query, headers,
                               classify(method, parts.path, query))
        length = request_length(headers)
        expect = headers.get("expect", "").lower() == "100-continue"
        conn_header = headers.get("connection", "").lower()
        keep = "close" not in conn_header and (version != "HTTP/1.0" or "keep-alive" in conn_header)
        fault = self.proxy._pick(request)
        kind = fault.kind if fault else None
        if kind == "stall":
            self._hold(fault, fault.params["seconds"], watch_client=False)
        if kind in FORWARDED:
            return self._forward(request, raw, length, expect, keep, fault)
        if expect:
            self.client.send(CONTINUE)
        if kind in ("error", "refuse_key"):
            copy_body(self.client, lambda data: None, length)
            answer = error_response(**fault.params, method=method, close=not keep)
            self.client.send(answer)
            self.proxy._count(down=len(answer))
            return keep
        # reset_mid_body: the request never reaches the server
        total = length if length >= 0 else int(headers.get("x-amz-decoded-content-length") or 0)
        copy_body(self.client, lambda data: None, length,
                  int((total or UNKNOWN_CUT) * fault.params["fraction"]))
        self.reset = True
        return False

    def _hold(self, fault: Fault, seconds: float, watch_client: bool) -> None:
        """Wait ``seconds``, or until the fault is cancelled; with ``watch_client``, give up
        (Gone) as soon as the client hangs up, so a timed-out client frees its thread."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if not self.alive() or (watch_client and self.client.hung_up()):
                raise Gone
            if fault.released.wait(min(left, POLL)):
                return

    def _paced(self, send: Callable[[bytes], None], rate: float) -> Callable[[bytes], None]:
        """``send`` at ``rate`` bytes a second, in small pieces, sleeping on the proxy's clock."""
        piece = max(1, int(rate / 20))
        clock = self.proxy.clock

        def drip(data: bytes) -> None:
            for at in range(0, len(data), piece):
                chunk = data[at:at + piece]
                send(chunk)
                wait = len(chunk) / rate
                while wait > 0:                 # in slices, so stop() and down() are noticed
                    if not self.alive():
                        raise Gone
                    step = min(wait, POLL)
                    clock.sleep(step)
                    wait -= step
        return drip

    def _forward(self, request: ProxyRequest, raw: bytes, length: int, expect: bool, keep: bool,
                 fault: Fault | None) -> bool:
        """Relay one exchange, shaped by ``fault`` (drip, reset_every, stall_answer, cut)."""
        client, upstream, proxy = self.client, self.open_upstream(), self.proxy
        kind, params = (fault.kind, fault.params) if fault else (None, {})

        def to_upstream(data: bytes) -> None:
            upstream.send(data)
            proxy._count(up=len(data))

        def to_client(data: bytes) -> None:
            client.send(data)
            proxy._count(down=len(data))

        up_payload = down_payload = None
        if kind == "drip" and params["direction"] in ("up", "both"):
            up_payload = self._paced(to_upstream, params["rate"])
        if kind == "drip" and params["direction"] in ("down", "both"):
            down_payload = self._paced(to_client, params["rate"])
        if kind == "reset_every":
            up_payload = self._cutter(to_upstream, fault)

        to_upstream(raw)
        if expect:                      # answer it here; the server's own 100 is dropped below
            client.send(CONTINUE)
        copy_body(client, to_upstream, length, payload=up_payload)
        if kind == "stall_answer":      # the body is in; now nothing at all, either way
            self._hold(fault, params["seconds"], watch_client=True)
        while True:
            head = read_head(upstream)
            if head is None:
                raise Gone
            answer, start, headers = head
            status = int(start.split(" ", 2)[1])
            if status >= 200:
                break
        body = response_length(request.method, status, headers)
        closes = "close" in headers.get("connection", "").lower() or body == TO_EOF
        if closes and keep and body != TO_EOF:  # hop-by-hop: the client's connection stays up
            answer = b"".join(line for line in answer.splitlines(keepends=True)
                              if not line.lower().startswith(b"connection:"))
        if kind != "truncate_response":
            to_client(answer)
            copy_body(upstream, to_client, body, payload=down_payload)
            if closes:                  # (moto's werkzeug server closes after every answer)
                self.drop_upstream()
            return keep and body != TO_EOF
        if body != 0:                   # no body: nothing at all (a cut head would pass)
            to_client(answer)
            copy_body(upstream, to_client, body,
                      int((body if body > 0 else UNKNOWN_CUT) * params["fraction"]))
        self.drop_upstream()            # the rest of the answer is never read
        return False

    def _cutter(self, send: Callable[[bytes], None], fault: Fault) -> Callable[[bytes], None]:
        """``send`` request-body bytes, counted on ``fault``'s proxy-wide tally; when the
        tally reaches a multiple of ``nbytes``, send up to it and reset this connection."""
        def count(data: bytes) -> None:
            take, crossed = self.proxy._tally(fault, len(data))
            send(data[:take])
            if crossed:
                self.reset = True
                raise Gone
        return count
