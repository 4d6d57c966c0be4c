"""Small PUTs on a socket of botocore's pool (core/remote/direct/wire.py), against a server
on loopback that answers as a script says: what it reads of an answer, when it keeps the
connection, and which of botocore's exceptions each failure raises."""

import io
import socket
import threading

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import (
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.httpsession import URLLib3Session

from hoist.core.remote.direct.wire import SmallPuts
from hoist.core.remote.errors import classify
from hoist.engine.progress import Interrupted

OK = b"HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 0\r\n\r\n"
ERROR_XML = (b"<?xml version='1.0'?><Error><Code>SlowDown</Code>"
             b"<Message>Reduce your request rate.</Message></Error>")


class Scripted:
    """A server on loopback: each request it reads gets the next answer of ``answers`` (bytes
    to write; None: close without answering; "hang": answer nothing)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn):
        with conn:
            data = b""
            while self.answers:
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more:
                        return
                    data += more
                head, _, data = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(data) < length:
                    data += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + data[:length])
                data = data[length:]
                answer = self.answers.pop(0)
                if answer is None:
                    return
                if answer == "hang":
                    self._stop.wait(10)
                    return
                conn.sendall(answer)

    def close(self):
        self._stop.set()
        self._listener.close()


@pytest.fixture
def server(request):
    made = []

    def start(*answers):
        made.append(Scripted(answers))
        return made[-1]
    yield start
    for s in made:
        s.close()


def put(puts: SmallPuts, url: str, body=b"0123456789", **headers):
    stream = io.BytesIO(body) if isinstance(body, bytes) else body
    request = AWSPreparedRequest("PUT", url + "/bucket/key", {
        "Content-Length": str(len(stream.getvalue())), "x-amz-meta-name": "é".encode(),
        **headers}, stream, False, {})
    assert puts.takes(request)
    return puts.send(request)


def test_answers_are_read_whole_and_the_connection_kept_for_the_next(server):
    s = server(OK, b"HTTP/1.1 503 Slow Down\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"%x\r\n" % 20 + ERROR_XML[:20] + b"\r\n"
               + b"%x;ext=1\r\n" % (len(ERROR_XML) - 20) + ERROR_XML[20:] + b"\r\n0\r\n\r\n",
               b"HTTP/1.1 100 Continue\r\n\r\n" + OK)
    puts = SmallPuts(URLLib3Session(timeout=5))
    first = put(puts, s.url)
    assert first.status_code == 200 and first.headers["etag"] == '"abc"'
    second = put(puts, s.url)
    assert second.status_code == 503 and second.content == ERROR_XML
    assert put(puts, s.url).status_code == 200
    assert s.connections == 1 and puts.sent == 3          # one connection, kept alive
    request = s.requests[0]
    assert request.startswith(b"PUT /bucket/key HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in request and request.endswith(b"\r\n\r\n0123456789")
    assert "x-amz-meta-name: é".encode() in request      # as botocore encoded it: UTF-8


def test_a_connection_the_server_closes_is_not_used_again(server):
    s = server(OK.replace(b"Content-Length: 0", b"Connection: close\r\nContent-Length: 0"),
               OK, OK)
    puts = SmallPuts(URLLib3Session(timeout=5))
    for _ in range(2):
        assert put(puts, s.url).status_code == 200
    assert s.connections == 2


def test_failures_raise_what_botocores_session_raises(server):
    puts = SmallPuts(URLLib3Session(timeout=1))
    with pytest.raises(ConnectionClosedError):
        put(puts, server(None).url)                       # closed without an answer
    with pytest.raises(ConnectionClosedError):
        put(puts, server(b"SMTP ready\r\n\r\n").url)      # not HTTP
    with pytest.raises(ReadTimeoutError):
        put(puts, server("hang").url)                     # no answer in the read timeout
    free = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{free.getsockname()[1]}"
    free.close()
    with pytest.raises(EndpointConnectionError):
        put(puts, url)                                    # nothing listens


def test_a_pause_from_the_body_passes_through_and_spoils_no_connection(server):
    class Pausing(io.BytesIO):
        def read(self, n=-1):
            raise Interrupted()
    s = server(OK, OK)
    puts = SmallPuts(URLLib3Session(timeout=5))
    with pytest.raises(Interrupted):
        put(puts, s.url, body=Pausing(b"x" * 10))
    assert put(puts, s.url).status_code == 200            # on a fresh connection
    assert s.connections == 2


def test_big_bodies_proxies_and_expect_are_left_to_urllib3():
    puts = SmallPuts(URLLib3Session(timeout=5, proxies={"http": "http://proxy:3128"}))
    plain = SmallPuts(URLLib3Session(timeout=5))

    def request(length, **headers):
        return AWSPreparedRequest("PUT", "http://127.0.0.1:9/b/k",
                                  {"Content-Length": str(length), **headers}, b"", False, {})
    assert plain.takes(request(10))
    assert not puts.takes(request(10))                           # through a proxy
    assert not plain.takes(request(1024 * 1024))                 # a big body
    assert not plain.takes(request(10, Expect="100-continue"))
    assert not plain.takes(AWSPreparedRequest("GET", "http://127.0.0.1:9/b/k", {}, None,
                                              False, {}))


def test_interim_answers_before_the_answer_are_skipped(server):
    # 103 Early Hints (a CDN in front of the store), 102 Processing: the answer follows them
    s = server(b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
               b"HTTP/1.1 102 Processing\r\n\r\n" + OK, OK)
    puts = SmallPuts(URLLib3Session(timeout=1))
    answer = put(puts, s.url)
    assert answer.status_code == 200 and answer.headers["etag"] == '"abc"'
    assert put(puts, s.url).status_code == 200 and s.connections == 1     # kept, in step


@pytest.mark.parametrize("length", [b"12abc", b"-1", b"0, 0"])
def test_a_content_length_that_is_not_a_length_is_a_broken_answer(server, length):
    s = server(b"HTTP/1.1 200 OK\r\nContent-Length: " + length + b"\r\n\r\nxx", OK)
    puts = SmallPuts(URLLib3Session(timeout=1))
    with pytest.raises(ConnectionClosedError):            # botocore's, retried; not ValueError
        put(puts, s.url)
    assert put(puts, s.url).status_code == 200 and s.connections == 2     # not reused


def test_a_certificate_for_another_host_is_botocores_ssl_error_and_says_so(tls):
    puts = SmallPuts(URLLib3Session(timeout=5, verify=str(tls.ca.path)))
    with pytest.raises(SSLError) as caught:          # not urllib3's CertificateError, raw
        put(puts, tls.wrong_host.endpoint_url)
    error = classify(caught.value, operation="PutObject", bucket="bucket", key="key",
                     endpoint_url=tls.wrong_host.endpoint_url)
    assert error.code == "TLSWrongHost", error.message
