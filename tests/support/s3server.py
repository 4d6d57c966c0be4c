"""moto's S3 server on loopback, wrapped so tests can count requests and inject errors.

The server runs in the test process; clients (boto3 in the test, or a `hoist`
subprocess) reach it over real HTTP. Every request is recorded with the S3
operation it is, so a test can say "the server received N UploadPart requests".
"""

import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

from xml.sax.saxutils import escape

from moto.moto_server.werkzeug_app import (DomainDispatcherApplication, MotoRequestHandler,
                                           create_backend_app)
from werkzeug.serving import make_server


class _QuietHandler(MotoRequestHandler):
    """moto's handler (it keeps underscored metadata headers) without a log line per request."""

    def log_request(self, *args, **kwargs):
        pass


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict
    op: str
    headers: dict          # lower-case names


    @property
    def bucket(self) -> str:
        return unquote(self.path.lstrip("/").split("/", 1)[0])


def classify(method: str, path: str, query: dict) -> str:
    """The S3 operation of a path-style request."""
    has_key = "/" in path.lstrip("/")
    if method == "PUT" and "partNumber" in query and "uploadId" in query:
        return "UploadPart"
    if method == "POST" and "delete" in query and not has_key:
        return "DeleteObjects"
    if method == "POST" and "restore" in query:
        return "RestoreObject"
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload"
    if method == "POST" and "uploadId" in query:
        return "CompleteMultipartUpload"
    if method == "DELETE" and "uploadId" in query:
        return "AbortMultipartUpload"
    if method == "GET" and "uploadId" in query:
        return "ListParts"
    if method == "GET" and "uploads" in query:
        return "ListMultipartUploads"
    if method == "PUT" and has_key:
        return "PutObject"
    if method == "HEAD":
        return "HeadObject" if has_key else "HeadBucket"
    if method == "GET" and has_key:
        return "GetObject"
    if method == "GET" and not has_key and "location" not in query:
        return "ListObjects"
    return "Other"


_ERROR_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
              '<Message>{message}</Message><RequestId>test</RequestId></Error>')


class RecordingS3Server:
    """Start with ``start()``; ``endpoint_url`` is http://127.0.0.1:<port>."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(host, port, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.endpoint_url = f"http://{host}:{self._server.server_port}"
        self.requests: list[RecordedRequest] = []
        self._failures: list[list] = []        # [op, status, code, times left, message, headers]
        self._stalls: dict[str, tuple[bool, threading.Event]] = {}   # op -> (after server?, release)
        self._rewrites: dict[str, object] = {}  # op -> fn(status, headers, body) -> same three
        self.holding = threading.Event()       # set while a stalled request is being held
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "RecordingS3Server":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release_all()                     # a held request must not outlive the server
        self._server.shutdown()
        self._server.server_close()

    def count(self, op: str, bucket: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests
                       if r.op == op and (bucket is None or r.bucket == bucket))

    def of(self, op: str, bucket: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests
                    if r.op == op and (bucket is None or r.bucket == bucket)]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    def clear_failures(self) -> None:
        """Forget pending error injections and let any held request go."""
        with self._lock:
            self._failures.clear()
        self.release_all()

    def fail_next(self, op: str, status: int = 503, code: str = "SlowDown", times: int = 1,
                  message: str = "Injected by the test server",
                  headers: dict | None = None) -> None:
        """Answer the next ``times`` requests of ``op`` with an S3 error instead of serving them.

        ``message`` is the error's <Message>; ``headers`` are added to the answer
        (``{"Retry-After": "7"}``, say).
        """
        with self._lock:
            self._failures.append([op, status, code, times, message, dict(headers or {})])

    def rewrite(self, op: str, fn) -> None:
        """Pass every answer to ``op`` through ``fn(status, headers, body)``, which returns the
        three to send instead (headers: a list of (name, value)); ``fn=None`` stops it.

        This plays a store that answers differently from moto: another ETag, no checksum.
        """
        with self._lock:
            if fn is None:
                self._rewrites.pop(op, None)
            else:
                self._rewrites[op] = fn

    def clear_rewrites(self) -> None:
        with self._lock:
            self._rewrites.clear()

    def stall_next(self, op: str, after_server: bool = False) -> threading.Event:
        """Hold the next ``op`` request until the returned event is set.

        ``after_server=False`` holds it before moto sees it (the request never
        happened, as far as the store on the server is concerned);
        ``after_server=True`` lets moto act on it and holds only the answer, so
        the server has done the work but the client has not heard. Tests kill
        the client while it waits, to crash it at exactly that point.
        """
        release = threading.Event()
        with self._lock:
            self._stalls[op] = (after_server, release)
        return release

    def release_all(self) -> None:
        with self._lock:
            stalls, self._stalls = list(self._stalls.values()), {}
        for _, release in stalls:
            release.set()

    def _hold(self, release: threading.Event) -> None:
        self.holding.set()
        release.wait(timeout=60)
        self.holding.clear()

    def _wsgi(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):         # WSGI keeps it apart from the HTTP_ ones
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = RecordedRequest(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"),
                                  query, classify(environ["REQUEST_METHOD"],
                                                  environ.get("PATH_INFO", "/"), query), headers)
        with self._lock:
            self.requests.append(request)
            failure = next((f for f in self._failures if f[0] == request.op), None)
            if failure:
                failure[3] -= 1
                if failure[3] <= 0:
                    self._failures.remove(failure)
            stall = self._stalls.pop(request.op, None)
        if stall is not None and not stall[0]:
            self._hold(stall[1])
        rewrite = self._rewrites.get(request.op)
        if failure is None and rewrite is not None:
            return self._rewritten(environ, start_response, rewrite)
        if failure is None:
            response = self._app(environ, start_response)
            if stall is not None and stall[0]:
                response = list(response)           # moto has done the work; hold the answer
                self._hold(stall[1])
            return response
        body_stream = environ.get("wsgi.input")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        while length > 0 and body_stream is not None:   # drain the body, as S3 would
            chunk = body_stream.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)
        _, status, code, _, message, extra = failure
        body = b"" if request.op.startswith("Head") else _ERROR_XML.format(
            code=escape(code), message=escape(message)).encode()
        start_response(f"{status} Injected", [("Content-Type", "application/xml"),
                                              ("Content-Length", str(len(body))),
                                              *extra.items()])
        return [body]

    def _rewritten(self, environ, start_response, rewrite):
        answer = {}

        def capture(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, list(headers)
            return lambda data: None

        body = b"".join(self._app(environ, capture))
        status, headers, body = rewrite(answer["status"], answer["headers"], body)
        if environ["REQUEST_METHOD"] != "HEAD":   # a HEAD's length is the object's
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]
