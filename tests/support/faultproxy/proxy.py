"""The fault proxy itself: listening, arming faults, outages, and the counts a test reads."""

import ipaddress
import random
import socket
import threading
from collections import Counter
from urllib.parse import urlsplit

from hoist.core.policy.clock import SystemClock

from .exchange import Connection
from .faults import MESSAGES, Fault, ProxyRequest, ProxyStats, matcher
from .wire import POLL, close


def _upstream_address(upstream) -> tuple[str, int]:
    if isinstance(upstream, int):
        return "127.0.0.1", upstream
    parts = urlsplit(upstream)
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname or ""
    if parts.scheme != "http" or not parts.port or not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"FaultProxy only forwards to http://127.0.0.1:<port>, not {upstream!r}")
    return host, parts.port


class FaultProxy:
    """Reverse proxy on 127.0.0.1:<auto port> to ``upstream`` (an http://127.0.0.1 URL or a port).

    Faults are tried in the order they were armed; the first that matches a
    request and fires is the only one applied to it. ``match`` is None (every
    request), an S3 operation name or a collection of them ("UploadPart"), or a
    predicate on a ``ProxyRequest``. Give ``times`` (default 1, unlimited for
    ``reset_every``) or ``share`` (a probability drawn from the proxy's seeded
    rng; with ``times`` too, at most that many hits). ``clock`` paces ``drip``
    (a hoist.core.policy.clock.FakeClock makes it instant and measurable).
    """

    def __init__(self, upstream: str | int, *, seed: int = 0, clock=None):
        self.upstream = _upstream_address(upstream)
        self.host = "127.0.0.1"
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()                   # faults, stats, connection sets
        self._gone = threading.Condition(self._lock)    # a connection ended
        self._control = threading.Lock()                # listener up/down transitions
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._armed: list[Fault] = []
        self._connections: set[Connection] = set()
        self._frozen: list[socket.socket] = []          # half-open: kept open, never served
        self._threads: set[threading.Thread] = set()
        self._stopped = False
        self._resetting = False                         # down(reset=True): accept, then RST
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
        """Stop listening, end every connection (half-open ones too) and join every thread."""
        with self._control:
            self._stopped = True
            timer = self._timer
            if timer is not None:
                timer.cancel()
            self._unlisten()
            self.clear()
            self._kill_connections()
            with self._lock:
                frozen, self._frozen = self._frozen, []
                threads = set(self._threads)
            for sock in frozen:
                close(sock)
            for thread in threads:
                thread.join(timeout=10)
        if timer is not None and timer is not threading.current_thread():
            timer.join(timeout=10)      # outside _control: a firing timer waits for it

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- faults on requests ---------------------------------------------------------------

    def reset_mid_body(self, fraction: float = 0.5, **when) -> Fault:
        """Read ``fraction`` of the request body, then reset the client connection (never forwarded)."""
        return self._arm("reset_mid_body", {"fraction": fraction}, **when)

    def reset_every(self, nbytes: int, **when) -> Fault:
        """Count the request-body bytes of matching requests forwarded upstream, proxy-wide;
        each time the count reaches a multiple of ``nbytes``, forward up to it and reset the
        connection carrying that byte (the server sees a body cut short). ``fired`` counts
        resets; ``times`` (default unlimited) caps them."""
        if nbytes < 1:
            raise ValueError("reset_every needs a positive byte count")
        when.setdefault("times", None)
        return self._arm("reset_every", {"nbytes": nbytes}, per_request=False, **when)

    def stall(self, seconds: float, **when) -> Fault:
        """Hold the request ``seconds`` (or until the fault is cancelled), then forward it."""
        return self._arm("stall", {"seconds": seconds}, **when)

    def stall_answer(self, seconds: float, **when) -> Fault:
        """Take in and forward the whole request, then send nothing back for ``seconds``
        (or until cancelled) while the connection stays open: a client's read timeout has
        to fire. The server has done the work. hoist's read timeout is 60 s (read_timeout
        in app/hoist/core/remote/s3.py, not settable from outside), so against `hoist` use more."""
        return self._arm("stall_answer", {"seconds": seconds}, **when)

    def drip(self, bytes_per_second: float, *, direction: str = "both", **when) -> Fault:
        """Forward matching requests' bodies ("up"), their answers' bodies ("down") or both
        at ``bytes_per_second``, in pieces of a twentieth of a second each."""
        if bytes_per_second <= 0 or direction not in ("up", "down", "both"):
            raise ValueError("drip needs a positive rate and direction up, down or both")
        return self._arm("drip", {"rate": bytes_per_second, "direction": direction}, **when)

    def error(self, status: int = 503, code: str = "SlowDown", message: str | None = None,
              **when) -> Fault:
        """Drain the request body and answer an S3 XML error without forwarding."""
        message = message or MESSAGES.get(code, "Injected by the test proxy.")
        return self._arm("error", {"status": status, "code": code, "message": message}, **when)

    def refuse_key(self, key_id: str, status: int = 400, code: str = "ExpiredToken",
                   message: str = "The provided token has expired.", **when) -> Fault:
        """Answer every request signed with access key ``key_id`` (its Authorization header
        names it) with an S3 error, without forwarding, until cancelled (or ``times``
        hits): credentials that expired. Requests signed with another key pass; ``match``
        narrows it to some operations."""
        also = matcher(when.pop("match", None))
        signed = f"Credential={key_id}/"
        when["match"] = lambda request: (signed in request.headers.get("authorization", "")
                                         and also(request))
        return self._arm("refuse_key", {"status": status, "code": code, "message": message},
                         until_cancelled="times" not in when, **when)

    def truncate_response(self, fraction: float = 0.5, **when) -> Fault:
        """Forward, then send the head and ``fraction`` of the body and close.

        An answer with no body (a PUT's 200, a HEAD) is not sent at all: the
        server did the work, the client never hears that it did.
        """
        return self._arm("truncate_response", {"fraction": fraction}, **when)

    def _arm(self, kind: str, params: dict, *, match=None, times: int | None = None,
             share: float | None = None, per_request: bool = True,
             until_cancelled: bool = False) -> Fault:
        if per_request and times is None and share is None and not until_cancelled:
            times = 1
        fault = Fault(kind, params, matcher(match), times, share, per_request)
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

    # -- faults on the link ---------------------------------------------------------------

    def down(self, seconds: float | None = None, *, reset: bool = False) -> None:
        """Off the network: open connections are reset, and new ones are refused (the port
        is closed) or, with ``reset``, accepted and reset at once (the port keeps listening,
        as behind a reconnecting VPN or a captive portal).

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
            with self._lock:
                self._resetting = reset
            if reset:
                if self._listener is None:
                    self._listen()
            else:
                self._unlisten()
            self._kill_connections()

    def restore(self, *, timer: threading.Timer | None = None) -> None:
        """Serve again, on the same port."""
        with self._control:
            if timer is not None and timer is not self._timer:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None
            with self._lock:
                self._resetting = False
            if not self._stopped and self._listener is None:
                self._listen()

    def half_open(self) -> int:
        """A laptop that slept: every open connection goes silent both ways, without FIN or
        RST (what the client sends is never read, nothing comes back), while new connections
        are served as usual. The silent sockets are closed on ``stop()``. Returns how many.

        The kernel still acknowledges what fits in its buffers, so a client may finish
        writing a body before it waits for an answer that never comes.
        """
        with self._lock:
            self._faults_injected["half_open"] += 1
            doomed = set(self._connections)
            for connection in doomed:
                connection.frozen = True
            self._gone.wait_for(lambda: not doomed & self._connections, timeout=10)
            return len(doomed)

    @property
    def open_connections(self) -> int:
        """Client connections being served now (half-open ones are not served)."""
        with self._lock:
            return len(self._connections)

    @property
    def is_down(self) -> bool:
        return self._listener is None or self._resetting

    # -- counts ---------------------------------------------------------------------------

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

    # -- for Connection -------------------------------------------------------------------

    def _pick(self, request: ProxyRequest) -> Fault | None:
        with self._lock:
            self._requests[request.op] += 1
            self._faults = [f for f in self._faults if f.active]
            fault = next((f for f in self._faults if f.fires(request, self._rng)), None)
            if fault is not None and fault.per_request:
                self._faults_injected[fault.kind] += 1
            return fault

    def _tally(self, fault: Fault, n: int) -> tuple[int, bool]:
        """reset_every: of ``n`` body bytes about to go up, how many may go, and whether
        the connection is reset after them (the tally reached a multiple of nbytes)."""
        with self._lock:
            if not fault.active:
                return n, False
            every = fault.params["nbytes"]
            boundary = (fault.forwarded // every + 1) * every
            if fault.forwarded + n < boundary:
                fault.forwarded += n
                return n, False
            take, fault.forwarded = boundary - fault.forwarded, boundary
            fault.hit()
            self._faults_injected[fault.kind] += 1
            return take, True

    def _count(self, up: int = 0, down: int = 0) -> None:
        with self._lock:
            self._bytes_up += up
            self._bytes_down += down

    def _ended(self, connection: Connection) -> None:
        with self._lock:
            frozen = connection.frozen and not self._stopped
            if frozen:
                self._frozen.append(connection.client.sock)
        if not frozen:
            connection.client.close(reset=connection.reset or connection.killed)
        with self._lock:
            self._connections.discard(connection)
            self._threads.discard(threading.current_thread())
            self._gone.notify_all()

    # -- listening ------------------------------------------------------------------------

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
            with self._lock:            # one step with down(): no connection slips past it
                if self._resetting:
                    self._faults_injected["reset_on_accept"] += 1
                    close(sock, reset=True)
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connection = Connection(self, sock)
                thread = threading.Thread(target=connection.serve, daemon=True,
                                          name="faultproxy-connection")
                self._connections.add(connection)
                self._threads.add(thread)
                self._accepted += 1
            thread.start()

    def _kill_connections(self) -> None:
        with self._lock:
            doomed = set(self._connections)
            for connection in doomed:
                connection.killed = True
            self._gone.wait_for(lambda: not doomed & self._connections, timeout=10)
