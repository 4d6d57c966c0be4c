"""A fault-injecting HTTP reverse proxy on loopback, between an S3 client and moto's server.

The client talks HTTP/1.1 to ``endpoint_url`` as if it were S3. Each request
goes to the upstream server byte for byte (the Host header too, so what the
client signed is what arrives) and the answer streams back. A test arms
faults that hit chosen requests -- a TCP reset part-way through the body, a
stall, an S3 error answer, a cut-off answer -- or takes the endpoint off the
network. Only 127.0.0.1 is ever contacted and every loop ends on ``stop()``.

    with FaultProxy(s3_server.endpoint_url, seed=1) as proxy:
        proxy.error(503, "SlowDown", match="UploadPart", share=0.1)
        client = boto3.client("s3", endpoint_url=proxy.endpoint_url)
"""

import http
import ipaddress
import random
import select
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from .s3server import classify

POLL = 0.05             # how often a blocked read or send looks for stop()/down()
MAX_HEAD = 64 << 10     # longest request or response head accepted
UNKNOWN_CUT = 64 << 10  # a cut in a body of unknown length falls at fraction x this
CHUNKED, TO_EOF = -1, -2
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_MESSAGES = {"SlowDown": "Please reduce your request rate.",
             "InternalError": "We encountered an internal error. Please try again.",
             "ServiceUnavailable": "Service is unable to handle request."}


class _Gone(Exception):
    """The peer went away, sent nonsense, or the proxy is stopping or down."""


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
    """One armed fault. ``fired`` counts the requests it hit; ``cancel()`` disarms it
    and lets any request it is stalling go on at once."""

    kind: str
    params: dict
    match: Callable[[ProxyRequest], bool] = field(repr=False)
    times: int | None           # hits left; None = no limit (with a share)
    share: float | None         # chance of hitting a matching request
    fired: int = 0
    released: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def active(self) -> bool:
        return not self.released.is_set() and self.times != 0

    def cancel(self) -> None:
        self.released.set()

    def _fires(self, request: ProxyRequest, rng: random.Random) -> bool:
        if not self.active or not self.match(request):
            return False
        if self.share is not None and rng.random() >= self.share:
            return False
        self.fired += 1
        if self.times is not None:
            self.times -= 1
        return True


@dataclass(frozen=True)
class ProxyStats:
    requests: dict      # requests seen per S3 operation, faulted ones included
    faults: dict        # faults injected per kind ("down" counts calls to down())
    bytes_up: int       # request bytes forwarded to the upstream server
    bytes_down: int     # response bytes sent back to clients (injected errors included)
    connections: int    # client connections accepted


class _Stream:
    """A socket with buffered reads; every wait gives up once ``alive()`` turns false."""

    def __init__(self, sock: socket.socket, alive: Callable[[], bool]):
        self.sock, self.alive, self.buf = sock, alive, bytearray()
        sock.settimeout(POLL)

    def _fill(self) -> bool:
        while self.alive():
            try:
                data = self.sock.recv(1 << 16)
            except TimeoutError:
                continue
            except OSError:
                raise _Gone from None
            self.buf += data
            return bool(data)
        raise _Gone

    def readline(self) -> bytes:
        """One line with its ending; at EOF whatever is left (b"" when nothing)."""
        while (end := self.buf.find(b"\n")) < 0:
            if len(self.buf) > MAX_HEAD:
                raise _Gone
            if not self._fill():
                end = len(self.buf) - 1
                break
        line = bytes(self.buf[:end + 1])
        del self.buf[:end + 1]
        return line

    def read(self, n: int) -> bytes:
        """1..n bytes, or b"" at EOF."""
        if not self.buf and not self._fill():
            return b""
        chunk = bytes(self.buf[:n])
        del self.buf[:n]
        return chunk

    def stale(self) -> bool:
        """An idle keep-alive connection that has something to say has been closed."""
        return bool(self.buf) or bool(select.select([self.sock], [], [], 0)[0])

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if not self.alive():
                raise _Gone
            try:
                view = view[self.sock.send(view):]
            except TimeoutError:        # send() with a timeout sent nothing: try again
                continue
            except OSError:
                raise _Gone from None

    def close(self, reset: bool = False) -> None:
        try:
            if reset:                   # RST, not FIN: the peer sees the connection break
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass


def _read_head(stream: _Stream) -> tuple[bytes, str, dict] | None:
    """(raw head, start line, lower-cased headers); None if the peer closed between messages."""
    line = stream.readline()
    while line in (b"\r\n", b"\n"):
        line = stream.readline()
    if not line:
        return None
    raw, headers = [line], {}
    while (h := stream.readline()) not in (b"\r\n", b"\n"):
        if not h or len(raw) > 200:
            raise _Gone
        raw.append(h)
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raw.append(h)
    return b"".join(raw), line.decode("latin-1").strip(), headers


def _request_length(headers: dict) -> int:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return CHUNKED
    return int(headers.get("content-length") or 0)


def _copy_body(src: _Stream, sink: Callable[[bytes], None], length: int,
               budget: float = float("inf")) -> bool:
    """Relay one body, framing and all, from src to sink; stop after ``budget`` payload bytes.

    ``length`` is a byte count, CHUNKED or TO_EOF. True if the whole body went.
    """
    def copy(n: int | None) -> bool:       # n payload bytes, or up to EOF when None
        nonlocal budget
        while n is None or n > 0:
            if budget <= 0:
                return False
            chunk = src.read(int(min(n or 1 << 16, budget, 1 << 16)))
            if not chunk:
                if n is None:
                    return True
                raise _Gone
            sink(chunk)
            budget -= len(chunk)
            n = None if n is None else n - len(chunk)
        return True

    if length != CHUNKED:
        return copy(None if length == TO_EOF else length)
    while True:
        line = src.readline()
        sink(line)
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise _Gone from None
        if size == 0:                       # trailers, then the blank line
            while (line := src.readline()) not in (b"\r\n", b"\n"):
                if not line:
                    raise _Gone
                sink(line)
            sink(line)
            return True
        if not copy(size):
            return False
        sink(src.readline())                # the CRLF after the chunk


def _error_response(status: int, code: str, message: str, method: str, close: bool) -> bytes:
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


def _matcher(match) -> Callable[[ProxyRequest], bool]:
    if match is None:
        return lambda request: True
    if isinstance(match, str):
        match = (match,)
    if isinstance(match, (tuple, list, set, frozenset)):
        ops = frozenset(match)
        return lambda request: request.op in ops
    return match


def _upstream_address(upstream) -> tuple[str, int]:
    if isinstance(upstream, int):
        return "127.0.0.1", upstream
    parts = urlsplit(upstream)
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname or ""
    if parts.scheme != "http" or not parts.port or not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"FaultProxy only forwards to http://127.0.0.1:<port>, not {upstream!r}")
    return host, parts.port


class _Connection:
    """One client connection and its lazily opened upstream connection."""

    def __init__(self, proxy: "FaultProxy", sock: socket.socket):
        self.proxy, self.killed, self.reset = proxy, False, False
        self.client = _Stream(sock, self.alive)
        self.upstream: _Stream | None = None

    def alive(self) -> bool:
        return not self.killed and not self.proxy._stopped

    def open_upstream(self) -> _Stream:
        if self.upstream is not None and self.upstream.stale():
            self.drop_upstream()
        if self.upstream is None:
            try:
                sock = socket.create_connection(self.proxy.upstream, timeout=5)
            except OSError:
                raise _Gone from None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.upstream = _Stream(sock, self.alive)
        return self.upstream

    def drop_upstream(self) -> None:
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None


class FaultProxy:
    """Reverse proxy on 127.0.0.1:<auto port> to ``upstream`` (an http://127.0.0.1 URL or a port).

    Faults are tried in the order they were armed; the first that matches a
    request and fires is the only one applied to it. ``match`` is None (every
    request), an S3 operation name or a collection of them ("UploadPart"), or a
    predicate on a ``ProxyRequest``. Give ``times`` (default 1) or ``share`` (a
    probability drawn from the proxy's seeded rng; with ``times`` too, at most
    that many hits).
    """

    def __init__(self, upstream: str | int, *, seed: int = 0):
        self.upstream = _upstream_address(upstream)
        self.host = "127.0.0.1"
        self._lock = threading.Lock()                   # faults, stats, connection set
        self._gone = threading.Condition(self._lock)    # a connection ended
        self._control = threading.Lock()                # listener up/down transitions
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._armed: list[Fault] = []
        self._connections: set[_Connection] = set()
        self._stopped = False
        self._listener: tuple[socket.socket, threading.Event, threading.Thread] | None = None
        self._timer: threading.Timer | None = None
        self.reset_stats()
        self.port = 0
        self._listen()
        self.port = self._listener[0].getsockname()[1]
        self.endpoint_url = f"http://{self.host}:{self.port}"

    def start(self) -> "FaultProxy":
        """Listening starts in the constructor; kept for symmetry with the test servers."""
        return self

    def stop(self) -> None:
        with self._control:
            self._stopped = True
            if self._timer is not None:
                self._timer.cancel()
            self._unlisten()
            self.clear()
            self._kill_connections()

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset_mid_body(self, fraction: float = 0.5, **when) -> Fault:
        """Read ``fraction`` of the request body, then reset the client connection (never forwarded)."""
        return self._arm("reset_mid_body", {"fraction": fraction}, **when)

    def stall(self, seconds: float, **when) -> Fault:
        """Hold the request ``seconds`` (or until the fault is cancelled), then forward it."""
        return self._arm("stall", {"seconds": seconds}, **when)

    def error(self, status: int = 503, code: str = "SlowDown", message: str | None = None,
              **when) -> Fault:
        """Drain the request body and answer an S3 XML error without forwarding."""
        message = message or _MESSAGES.get(code, "Injected by the test proxy.")
        return self._arm("error", {"status": status, "code": code, "message": message}, **when)

    def truncate_response(self, fraction: float = 0.5, **when) -> Fault:
        """Forward, then send the head and ``fraction`` of the body and close.

        An answer with no body (a PUT's 200, a HEAD) is not sent at all: the
        server did the work, the client never hears that it did.
        """
        return self._arm("truncate_response", {"fraction": fraction}, **when)

    def _arm(self, kind: str, params: dict, *, match=None, times: int | None = None,
             share: float | None = None) -> Fault:
        fault = Fault(kind, params, _matcher(match), 1 if times is None and share is None else times,
                      share)
        with self._lock:
            self._faults.append(fault)
            self._armed.append(fault)
        return fault

    def clear(self) -> None:
        """Disarm every fault and let every stalled request go."""
        with self._lock:
            armed, self._armed, self._faults = self._armed, [], []
        for fault in armed:
            fault.cancel()

    def down(self, seconds: float | None = None) -> None:
        """Off the network: the port refuses connections and open ones are reset.

        Back after ``seconds``, or on ``restore()``. Returns once no connection is left.
        """
        with self._control:
            if self._stopped:
                return
            with self._lock:
                self._faults_injected["down"] += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if seconds is not None:
                self._timer = timer = threading.Timer(seconds, self.restore)
                timer.kwargs = {"timer": timer}     # a superseded timer must not restore
                timer.daemon = True
                timer.start()
            self._unlisten()
            self._kill_connections()

    def restore(self, *, timer: threading.Timer | None = None) -> None:
        """Listen again on the same port."""
        with self._control:
            if timer is not None and timer is not self._timer:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None
            if not self._stopped and self._listener is None:
                self._listen()

    @property
    def is_down(self) -> bool:
        return self._listener is None

    @property
    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(dict(self._requests), dict(self._faults_injected), self._bytes_up,
                              self._bytes_down, self._accepted)

    def count(self, op: str) -> int:
        """Requests of S3 operation ``op`` seen so far."""
        with self._lock:
            return self._requests[op]

    def injected(self, kind: str | None = None) -> int:
        """Faults of ``kind`` (all kinds when None) injected so far."""
        with self._lock:
            return self._faults_injected[kind] if kind else sum(self._faults_injected.values())

    def reset_stats(self) -> None:
        with self._lock:
            self._requests, self._faults_injected = Counter(), Counter()
            self._bytes_up = self._bytes_down = self._accepted = 0

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.settimeout(POLL)           # accept() wakes up to notice down()/stop()
        closing = threading.Event()
        thread = threading.Thread(target=self._accept_loop, args=(sock, closing), daemon=True,
                                  name=f"faultproxy-accept-{sock.getsockname()[1]}")
        self._listener = (sock, closing, thread)
        thread.start()

    def _unlisten(self) -> None:
        if self._listener is None:
            return
        sock, closing, thread = self._listener
        self._listener = None
        closing.set()
        thread.join()
        sock.close()                    # from here on, connecting is refused

    def _accept_loop(self, listener: socket.socket, closing: threading.Event) -> None:
        while not closing.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(self, sock)
            with self._lock:
                self._connections.add(connection)
                self._accepted += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True,
                             name="faultproxy-connection").start()

    def _kill_connections(self) -> None:
        with self._lock:
            doomed = set(self._connections)
            for connection in doomed:
                connection.killed = True
            self._gone.wait_for(lambda: not doomed & self._connections, timeout=10)

    def _serve(self, connection: _Connection) -> None:
        try:
            while (head := _read_head(connection.client)) is not None:
                if not self._handle(connection, *head):
                    break
        except (_Gone, ValueError):
            pass
        finally:
            connection.drop_upstream()
            connection.client.close(reset=connection.reset or connection.killed)
            with self._lock:
                self._connections.discard(connection)
                self._gone.notify_all()

    def _pick(self, request: ProxyRequest) -> Fault | None:
        with self._lock:
            self._requests[request.op] += 1
            self._faults = [f for f in self._faults if f.active]
            fault = next((f for f in self._faults if f._fires(request, self._rng)), None)
            if fault is not None:
                self._faults_injected[fault.kind] += 1
            return fault

    def _count(self, up: int = 0, down: int = 0) -> None:
        with self._lock:
            self._bytes_up += up
            self._bytes_down += down

    def _handle(self, connection: _Connection, raw: bytes, start: str, headers: dict) -> bool:
        """Serve one request; True to keep the client connection for the next."""
        method, target, version = start.split(" ", 2)
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        request = ProxyRequest(method, parts.path, query, headers,
                               classify(method, parts.path, query))
        length = _request_length(headers)
        expect = headers.get("expect", "").lower() == "100-continue"
        conn_header = headers.get("connection", "").lower()
        keep = "close" not in conn_header and (version != "HTTP/1.0" or "keep-alive" in conn_header)
        fault = self._pick(request)
        kind = fault.kind if fault else None
        if kind == "stall":
            self._hold(connection, fault)
        if kind in (None, "stall", "truncate_response"):
            cut = fault.params["fraction"] if kind == "truncate_response" else None
            return self._forward(connection, request, raw, length, expect, cut, keep)
        client = connection.client
        if expect:
            client.send(CONTINUE)
        if kind == "error":
            _copy_body(client, lambda data: None, length)
            answer = _error_response(**fault.params, method=method, close=not keep)
            client.send(answer)
            self._count(down=len(answer))
            return keep
        # reset_mid_body: the request never reaches the server
        total = length if length >= 0 else int(headers.get("x-amz-decoded-content-length") or 0)
        _copy_body(client, lambda data: None, length,
                   int((total or UNKNOWN_CUT) * fault.params["fraction"]))
        connection.reset = True
        return False

    def _hold(self, connection: _Connection, fault: Fault) -> None:
        deadline = time.monotonic() + fault.params["seconds"]
        while (left := deadline - time.monotonic()) > 0 and connection.alive():
            if fault.released.wait(min(left, POLL)):
                return

    def _forward(self, connection: _Connection, request: ProxyRequest, raw: bytes, length: int,
                 expect: bool, cut: float | None, keep: bool) -> bool:
        """Relay one exchange; ``cut`` is the fraction of the answer's body to let through."""
        client, upstream = connection.client, connection.open_upstream()

        def to_upstream(data: bytes) -> None:
            upstream.send(data)
            self._count(up=len(data))

        def to_client(data: bytes) -> None:
            client.send(data)
            self._count(down=len(data))

        to_upstream(raw)
        if expect:                      # answer it here; the server's own 100 is dropped below
            client.send(CONTINUE)
        _copy_body(client, to_upstream, length)
        while True:
            head = _read_head(upstream)
            if head is None:
                raise _Gone
            answer, start, headers = head
            status = int(start.split(" ", 2)[1])
            if status >= 200:
                break
        if request.method == "HEAD" or status in (204, 304):
            body = 0
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = CHUNKED
        elif "content-length" in headers:
            body = int(headers["content-length"])
        else:
            body = TO_EOF
        closes = "close" in headers.get("connection", "").lower() or body == TO_EOF
        if closes and keep and body != TO_EOF:  # hop-by-hop: the client's connection stays up
            answer = b"".join(line for line in answer.splitlines(keepends=True)
                              if not line.lower().startswith(b"connection:"))
        if cut is None:
            to_client(answer)
            _copy_body(upstream, to_client, body)
            if closes:                  # (moto's werkzeug server closes after every answer)
                connection.drop_upstream()
            return keep and body != TO_EOF
        if body != 0:                   # no body: nothing at all (a cut head would pass)
            to_client(answer)
            _copy_body(upstream, to_client, body, int((body if body > 0 else UNKNOWN_CUT) * cut))
        connection.drop_upstream()      # the rest of the answer is never read
        return False
