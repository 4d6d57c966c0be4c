"""Watch UploadPart (or whole-file PutObject) requests at moto's server: their sizes and
how many run at once.

    with PartGate(s3_server, want=4) as gate:
        ... upload ...
    assert gate.peak == 4

The first UploadParts are held until ``want`` of them are inside the server at
once (or ``hold`` seconds pass), so ``peak`` shows whether the client really
sends that many in parallel; after that every request passes straight through,
and ``peak`` still catches a client that sends more.
"""

import threading
from urllib.parse import parse_qs


class PartGate:
    def __init__(self, server, want: int, hold: float = 10.0, whole: bool = False):
        self.server, self.want, self.hold = server, want, hold
        self.whole = whole           # watch PutObject of whole files instead of UploadPart
        self.current = self.peak = 0
        self.sizes: dict[str, list[tuple[int, int]]] = {}   # upload id -> [(part number, bytes)]
        self._open = False
        self._cond = threading.Condition()

    def __enter__(self) -> "PartGate":
        self._inner, self.server._app = self.server._app, self
        return self

    def __exit__(self, *exc) -> None:
        self.server._app = self._inner

    def parts(self) -> list[int]:
        """Part sizes of the only upload seen, in part-number order."""
        [parts] = self.sizes.values()
        return [size for _, size in sorted(parts)]

    def __call__(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        is_part = "partNumber" in query
        whole = not is_part and environ.get("PATH_INFO", "").strip("/").count("/") >= 1
        if environ["REQUEST_METHOD"] != "PUT" or not (whole if self.whole else is_part):
            return self._inner(environ, start_response)
        # with flexible checksums the body is aws-chunked: the part's own size is this header
        size = int(environ.get("HTTP_X_AMZ_DECODED_CONTENT_LENGTH")
                   or environ.get("CONTENT_LENGTH") or 0)
        with self._cond:
            self.current += 1
            self.peak = max(self.peak, self.current)
            if is_part:
                self.sizes.setdefault(query["uploadId"][0], []).append(
                    (int(query["partNumber"][0]), size))
            self._cond.notify_all()
            if not self._open:
                self._cond.wait_for(lambda: self.current >= self.want, self.hold)
                self._open = True
        try:
            return list(self._inner(environ, start_response))
        finally:
            with self._cond:
                self.current -= 1
