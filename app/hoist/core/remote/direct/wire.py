"""A small PUT written and read on a socket of the client's own pool, without http.client.

For a body of a few hundred KiB, urllib3 and http.client cost about a quarter of a
millisecond of CPU a request (the request line and each header through ``putheader``,
the answer's headers parsed as an email message), a third of what a small file's PUT
costs in all (issue #24). :class:`SmallPuts` writes such a request as bytes on a
connection taken from the client's urllib3 pool and connected by urllib3 (so TLS, the
CA bundle, the hostname check and the connect timeout are urllib3's), and reads the
answer itself: a status line, headers, and a body of ``Content-Length`` bytes or in
chunks. The connection goes back to the pool kept alive, or closed when the answer says
so or anything went wrong.

Only what this covers is sent this way: PUT, a known length under ``SMALL_BODY`` (so no
``Expect: 100-continue``), no proxy. Failures raise botocore's own exceptions, as its
HTTP session would; the body's own (a pause, a file that shrank) pass through as they are.
"""

import logging
import socket
import ssl
from urllib.parse import urlsplit

from botocore.auth import _host_from_url
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import ConnectTimeoutError as Urllib3ConnectTimeout
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util import Timeout
from urllib3.util.ssl_match_hostname import CertificateError

from hoist.core.remote.clients import SMALL_BODY  # what goes without Expect: 100-continue

log = logging.getLogger("hoist.s3")

BLOCK = 64 * 1024             # read from the body and written at a time: the row's progress steps
HEAD_LIMIT = 64 * 1024        # an answer's status line and headers, at most
CRLF = b"\r\n"


class Garbled(Exception):
    """The answer is not HTTP/1.x as this reader knows it."""


class _Answer:
    """An answer's body, read already, as AWSResponse reads its ``raw``."""

    def __init__(self, content: bytes):
        self._content = content

    def stream(self, *_args, **_kwargs):
        yield self._content


class SmallPuts:
    """Small PUTs of one botocore HTTP session (``client._endpoint.http_session``)."""

    def __init__(self, session):
        self._session = session
        self.sent = 0          # requests sent this way (tests and benches read it)

    def takes(self, request) -> bool:
        """Is ``request`` (an AWSPreparedRequest) one this sends?"""
        headers = request.headers
        length = headers.get("Content-Length")
        return (request.method == "PUT" and length is not None and int(length) < SMALL_BODY
                and "Expect" not in headers and "Transfer-Encoding" not in headers
                and not self._session._proxy_config.proxy_url_for(request.url))

    def send(self, request) -> AWSResponse:
        """Send ``request``; its answer, read whole. Raises botocore's exceptions."""
        session, url = self._session, request.url
        pool = session._get_connection_manager(url, None).connection_from_url(url)
        session._setup_ssl_cert(pool, url, session._verify)
        conn = pool._get_conn()     # a kept-alive one, or new; one the server dropped is closed
        keep = False
        try:
            if conn.sock is None:
                conn.connect()
            conn.sock.settimeout(self._read_timeout())
            self.sent += 1
            path = _write(conn.sock, request, url)
            status, headers, content, keep = _read_answer(conn.sock)
        except Urllib3SSLError as error:
            raise SSLError(endpoint_url=url, error=error) from None
        except CertificateError as error:   # a certificate for another host: as urllib3 wraps it
            raise SSLError(endpoint_url=url, error=Urllib3SSLError(error)) from None
        except (NewConnectionError, socket.gaierror) as error:
            raise EndpointConnectionError(endpoint_url=url, error=error) from None
        except Urllib3ConnectTimeout as error:
            raise ConnectTimeoutError(endpoint_url=url, error=error) from None
        except socket.timeout as error:
            raise ReadTimeoutError(endpoint_url=url, error=error) from None
        except ssl.SSLError as error:
            raise SSLError(endpoint_url=url, error=error) from None
        except (OSError, Garbled) as error:
            raise ConnectionClosedError(error=error, request=request, endpoint_url=url) from None
        finally:
            if not keep:
                conn.close()
            pool._put_conn(conn)
        # as urllib3 says it: the request line and the status, never a header
        log.debug('%s "%s %s HTTP/1.1" %s %s', pool.host, request.method, path, status,
                  len(content))
        return AWSResponse(url, status, headers, _Answer(content))

    def _read_timeout(self) -> float | None:
        timeout = self._session._timeout
        return timeout.read_timeout if isinstance(timeout, Timeout) else timeout


def _write(sock, request, url: str) -> str:
    """The request line, the headers and the body, as http.client would write them; the
    request's path (for the log)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{request.method} {target} HTTP/1.1".encode("ascii")]
    if "Host" not in request.headers:
        lines.append(b"Host: " + _host_from_url(url).encode("idna"))
    if "Accept-Encoding" not in request.headers:
        lines.append(b"Accept-Encoding: identity")      # as http.client says it
    for name, value in request.headers.items():
        lines.append(name.encode("ascii") + b": " + (
            value if isinstance(value, bytes) else str(value).encode("latin-1")))
    head = CRLF.join(lines) + CRLF + CRLF
    body = request.body
    if body is None or isinstance(body, (bytes, bytearray)):
        sock.sendall(head + (body or b""))
        return parts.path
    # the head goes with the first block: a small body leaves in one send
    block = head + body.read(BLOCK)     # a pause or a file that shrank raises from here
    while block:
        sock.sendall(block)
        block = body.read(BLOCK)
    return parts.path


def _read_answer(sock) -> tuple[int, HeadersDict, bytes, bool]:
    """(status, headers, body, may the connection be used again?) of one answer."""
    reader = _Reader(sock)
    while True:
        status_line = reader.line()
        version, _, rest = status_line.partition(b" ")
        if not version.startswith(b"HTTP/1.") or not rest[:3].isdigit():
            raise Garbled(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        status = int(rest[:3])
        headers = HeadersDict()
        while line := reader.line():
            name, colon, value = line.partition(b":")
            if not colon:
                raise Garbled(f"not a header line: {line[:80]!r}")
            headers[name.strip().decode("latin-1")] = value.strip().decode("latin-1")
        # an interim answer (100 Continue, never asked for; 102, 103 Early Hints): the
        # answer follows it (101 would switch protocols, and is never asked for either)
        if not 100 <= status < 200 or status == 101:
            break
    connection = headers.get("Connection", "").lower()
    keep = "close" not in connection and (version == b"HTTP/1.1" or "keep-alive" in connection)
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        content = reader.chunked()
    elif "Content-Length" in headers:
        length = headers["Content-Length"]
        if not (length.isascii() and length.isdigit()):     # negative, a list: not a length
            raise Garbled(f"not a Content-Length: {length[:20]!r}")
        content = reader.exactly(int(length))
    elif status in (204, 304):
        content = b""
    else:                        # delimited by the end of the connection
        content, keep = reader.rest(), False
    return status, headers, content, keep and reader.spent()


class _Reader:
    """Reads one answer from a socket, holding what came beyond a line's end."""

    def __init__(self, sock):
        self._sock = sock
        self._buffer = bytearray()
        self._head = 0           # bytes of status line and headers so far

    def _more(self) -> None:
        data = self._sock.recv(65536)
        if not data:
            raise ConnectionResetError("the connection closed before the whole answer came")
        self._buffer += data

    def line(self) -> bytes:
        while (end := self._buffer.find(CRLF)) < 0:
            if len(self._buffer) > HEAD_LIMIT:
                raise Garbled("an answer's headers over 64 KiB")
            self._more()
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 2]
        self._head += end + 2
        if self._head > HEAD_LIMIT:
            raise Garbled("an answer's headers over 64 KiB")
        return line

    def exactly(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._more()
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    def chunked(self) -> bytes:
        chunks = []
        while True:
            size_line = self.line().split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise Garbled(f"not a chunk size: {size_line[:20]!r}") from None
            if size == 0:
                while self.line():       # trailers, up to the empty line
                    pass
                return b"".join(chunks)
            chunks.append(self.exactly(size))
            if self.line():
                raise Garbled("a chunk longer than it said")

    def rest(self) -> bytes:
        while True:
            data = self._sock.recv(65536)
            if not data:
                data, self._buffer = bytes(self._buffer), bytearray()
                return data
            self._buffer += data

    def spent(self) -> bool:
        """Was the answer all there was? (Anything beyond it leaves the connection unusable.)"""
        return not self._buffer
