"""HTTP/1.1 plumbing for the fault proxy: buffered sockets that give up on stop, heads, bodies."""

import select
import socket
import struct
from typing import Callable

POLL = 0.05             # how often a blocked read or send looks for stop()/down()
MAX_HEAD = 64 << 10     # longest request or response head accepted
CHUNKED, TO_EOF = -1, -2
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Gone(Exception):
    """The peer went away, sent nonsense, or the proxy is stopping or down."""


class Stream:
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
                raise Gone from None
            self.buf += data
            return bool(data)
        raise Gone

    def readline(self) -> bytes:
        """One line with its ending; at EOF whatever is left (b"" when nothing)."""
        while (end := self.buf.find(b"\n")) < 0:
            if len(self.buf) > MAX_HEAD:
                raise Gone
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

    def hung_up(self) -> bool:
        """The peer closed or reset (checked without consuming what it sent)."""
        if not select.select([self.sock], [], [], 0)[0]:
            return False
        try:
            return not self.sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return False
        except OSError:
            return True

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if not self.alive():
                raise Gone
            try:
                view = view[self.sock.send(view):]
            except TimeoutError:        # send() with a timeout sent nothing: try again
                continue
            except OSError:
                raise Gone from None

    def close(self, reset: bool = False) -> None:
        close(self.sock, reset)


def close(sock: socket.socket, reset: bool = False) -> None:
    """Close ``sock``; with ``reset`` the peer gets RST, not FIN, and sees the connection break."""
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def read_head(stream: Stream) -> tuple[bytes, str, dict] | None:
    """(raw head, start line, lower-cased headers); None if the peer closed between messages."""
    line = stream.readline()
    while line in (b"\r\n", b"\n"):
        line = stream.readline()
    if not line:
        return None
    raw, headers = [line], {}
    while (h := stream.readline()) not in (b"\r\n", b"\n"):
        if not h or len(raw) > 200:
            raise Gone
        raw.append(h)
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raw.append(h)
    return b"".join(raw), line.decode("latin-1").strip(), headers


def request_length(headers: dict) -> int:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return CHUNKED
    return int(headers.get("content-length") or 0)


def response_length(method: str, status: int, headers: dict) -> int:
    if method == "HEAD" or status in (204, 304):
        return 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return CHUNKED
    if "content-length" in headers:
        return int(headers["content-length"])
    return TO_EOF


def copy_body(src: Stream, sink: Callable[[bytes], None], length: int,
              budget: float = float("inf"), payload: Callable[[bytes], None] | None = None) -> bool:
    """Relay one body, framing and all, from src to sink; stop after ``budget`` payload bytes.

    ``length`` is a byte count, CHUNKED or TO_EOF. True if the whole body went.
    Payload bytes go through ``payload`` (``sink`` when None) and framing through
    ``sink``, so a shaper can pace or count the payload alone.
    """
    payload = payload or sink

    def copy(n: int | None) -> bool:       # n payload bytes, or up to EOF when None
        nonlocal budget
        while n is None or n > 0:
            if budget <= 0:
                return False
            chunk = src.read(int(min(n or 1 << 16, budget, 1 << 16)))
            if not chunk:
                if n is None:
                    return True
                raise Gone
            payload(chunk)
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
            raise Gone from None
        if size == 0:                       # trailers, then the blank line
            while (line := src.readline()) not in (b"\r\n", b"\n"):
                if not line:
                    raise Gone
                sink(line)
            sink(line)
            return True
        if not copy(size):
            return False
        sink(src.readline())                # the CRLF after the chunk
