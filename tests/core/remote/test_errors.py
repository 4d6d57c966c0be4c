"""Error classification: what kind of failure, and a message that says what to do.

The first half feeds ``classify`` botocore's own exception types; the second
half provokes real failures over HTTP (moto, a closed port, a web server, a
server that hangs up) through ``Bucket``, exactly as the engine meets them.
"""

import http.server
import os
import socket
import threading
import time
from email.utils import formatdate

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import ProtocolError

from hoist.core.remote.errors import (
    ErrorKind,
    S3Error,
    cause_of,
    classify,
    endpoint_label,
    is_checksum_rejection,
)
from hoist.core.remote.s3 import Destination, S3Clients

ENDPOINT = "https://s3.example.test"


def client_error(code, status, message="", operation="PutObject", headers=None):
    response = {"Error": {"Code": code, "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}}}
    return ClientError(response, operation)


def run(exc, operation="UploadPart", **kw):
    kw.setdefault("bucket", "photos")
    kw.setdefault("endpoint_url", ENDPOINT)
    return classify(exc, operation=operation, **kw)


def assert_no_secret(error: S3Error):
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    for text in (str(error), repr(error), error.message, error.code):
        assert secret not in text


# -- botocore's exceptions -------------------------------------------------------------------

@pytest.mark.parametrize("code, status", [
    ("SlowDown", 503), ("RequestTimeout", 400), ("InternalError", 500), ("ServiceUnavailable", 503),
    ("ThrottlingException", 400), ("", 502), ("", 504), ("BadDigest", 400), ("Whatever", 500),
    ("TooManyRequests", 429)])
def test_server_trouble_is_retryable(code, status):
    error = run(client_error(code, status))
    assert error.kind is ErrorKind.RETRYABLE
    assert_no_secret(error)


@pytest.mark.parametrize("exc", [
    ReadTimeoutError(endpoint_url=ENDPOINT),
    ConnectionClosedError(endpoint_url=ENDPOINT),
    ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")),
    ConnectionResetError(104, "Connection reset by peer"),
    socket.timeout("timed out"),
    SSLError(endpoint_url=ENDPOINT, error="EOF occurred in violation of protocol"),
], ids=lambda e: type(e).__name__)
def test_a_connection_broken_with_no_answer_is_the_network(exc):
    # reset, closed mid-body, silent, TLS cut short: no HTTP answer came, so the engine waits
    # for the endpoint instead of spending retries (issue #9); a certificate stays fatal
    error = run(exc)
    assert error.kind is ErrorKind.NETWORK
    assert "interrupted" in error.message
    assert cause_of(error) == ("timeout" if type(exc).__name__ in ("ReadTimeoutError", "TimeoutError")
                               else "reset")


@pytest.mark.parametrize("exc", [
    EndpointConnectionError(endpoint_url=ENDPOINT),
    ConnectTimeoutError(endpoint_url=ENDPOINT),
    ConnectionRefusedError(111, "Connection refused"),
    socket.gaierror(-2, "Name or service not known"),
], ids=lambda e: type(e).__name__)
def test_no_connection_at_all_is_network(exc):
    error = run(exc)
    assert error.kind is ErrorKind.NETWORK
    assert "Cannot reach" in error.message


@pytest.mark.parametrize("code, status, words", [
    ("AccessDenied", 403, "Access denied to bucket photos"),
    ("NoSuchBucket", 404, "Bucket photos does not exist at https://s3.example.test"),
    ("InvalidAccessKeyId", 403, "not recognised by https://s3.example.test"),
    ("SignatureDoesNotMatch", 403, "check the secret key"),
    ("EntityTooLarge", 400, "larger than the server accepts"),
    ("InvalidBucketName", 400, "not a valid bucket name"),
    ("InvalidToken", 400, "not recognised by https://s3.example.test"),   # malformed: not expiry
    ("RequestTimeTooSkewed", 403, "clock"),
    ("PermanentRedirect", 301, "another region"),
    ("InvalidArgument", 400, "refused"),
])
def test_what_retrying_cannot_fix_is_fatal(code, status, words):
    error = run(client_error(code, status, "Server words"), key="2024/a.jpg")
    assert error.kind is ErrorKind.FATAL
    assert error.code == code
    assert words in error.message
    assert_no_secret(error)


def test_messages_name_whose_credentials_to_check():
    denied = run(client_error("AccessDenied", 403), profile="work")
    assert denied.message.startswith("Access denied to bucket photos: check the credentials of "
                                     "profile work")
    unknown = run(client_error("InvalidAccessKeyId", 403), account="Wasabi")
    assert unknown.message == ("The access key is not recognised by https://s3.example.test: "
                               "check the access key of account Wasabi.")


def test_no_such_upload_and_not_found():
    assert run(client_error("NoSuchUpload", 404)).kind is ErrorKind.NO_SUCH_UPLOAD
    missing = run(client_error("404", 404, "Not Found", "HeadObject"), operation="HeadObject",
                  key="a.txt")
    assert missing.kind is ErrorKind.NOT_FOUND
    # the same 404 from HeadBucket is a missing bucket, which no retry will create
    bucket = run(client_error("404", 404, "Not Found", "HeadBucket"), operation="HeadBucket")
    assert bucket.kind is ErrorKind.FATAL and bucket.code == "NoSuchBucket"


@pytest.mark.parametrize("exc", [NoCredentialsError(), PartialCredentialsError(
    provider="env", cred_var="AWS_SECRET_ACCESS_KEY")], ids=lambda e: type(e).__name__)
def test_missing_credentials_are_fatal(exc):
    error = run(exc)
    assert error.kind is ErrorKind.FATAL and "No AWS credentials" in error.message


def test_a_missing_profile_is_fatal():
    error = run(ProfileNotFound(profile="nope"), profile="nope")
    assert error.kind is ErrorKind.FATAL and "profile nope is not configured" in error.message


def test_a_certificate_that_fails_verification_is_fatal():
    exc = SSLError(endpoint_url=ENDPOINT, error="[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
                                                "verify failed: self-signed certificate")
    error = run(exc)
    assert error.kind is ErrorKind.FATAL and error.code == "TLSUnknownIssuer"
    assert "unknown issuer" in error.message and "CA bundle" in error.message


def test_parameter_errors_are_fatal_and_short():
    exc = ParamValidationError(report="Invalid type for parameter Body, value: " + "x" * 10000)
    error = run(exc)
    assert error.kind is ErrorKind.FATAL and len(error.message) < 400


def test_an_answer_without_an_s3_error_is_not_s3():
    error = run(client_error("", 404, operation="ListObjectsV2"), operation="ListObjectsV2")
    assert error.kind is ErrorKind.FATAL and "does not look like S3" in error.message


def test_retry_after_in_seconds_or_as_a_date():
    assert run(client_error("SlowDown", 503, headers={"retry-after": "7"})).retry_after == 7.0
    later = formatdate(time.time() + 120, usegmt=True)
    after = run(client_error("SlowDown", 503, headers={"retry-after": later})).retry_after
    assert 100 < after <= 121
    assert run(client_error("SlowDown", 503, headers={"retry-after": "soon"})).retry_after is None
    assert run(client_error("SlowDown", 503)).retry_after is None


def test_checksum_rejection_is_recognised():
    assert is_checksum_rejection(run(client_error("NotImplemented", 501)))
    assert is_checksum_rejection(run(client_error(
        "InvalidArgument", 400, "x-amz-checksum-crc32 header is not supported")))
    assert not is_checksum_rejection(run(client_error(
        "InvalidArgument", 400, "Part number must be an integer between 1 and 10000")))
    assert not is_checksum_rejection(run(client_error("AccessDenied", 403)))


def test_an_endpoint_password_never_reaches_a_message():
    url = "https://alice:hunter2@minio.example.test:9000"
    assert endpoint_label(url) == "https://minio.example.test:9000"
    for exc in (EndpointConnectionError(endpoint_url=url), client_error("NoSuchBucket", 404)):
        error = run(exc, endpoint_url=url)
        assert "hunter2" not in str(error) and "minio.example.test:9000" in str(error)


def test_classify_passes_an_s3_error_through():
    error = S3Error(ErrorKind.FATAL, "X", "already classified")
    assert run(error) is error


# -- real failures over HTTP -----------------------------------------------------------------

@pytest.fixture
def clients():
    return S3Clients(max_pool_connections=4)


def provoke(clients, endpoint, bucket="some-bucket", **dest):
    with pytest.raises(S3Error) as caught:
        clients.bucket(Destination(bucket, endpoint_url=endpoint, **dest)).check_access()
    assert_no_secret(caught.value)
    return caught.value


def test_missing_bucket_over_http(clients, s3_server):
    error = provoke(clients, s3_server.endpoint_url, "no-such-bucket-here")
    assert error.kind is ErrorKind.FATAL and error.code == "NoSuchBucket"
    assert error.message == (f"Bucket no-such-bucket-here does not exist at "
                             f"{s3_server.endpoint_url}: check the bucket name or create it.")


def test_unknown_access_key_over_http(clients, s3_server, bucket):
    s3_server.fail_next("ListObjects", status=403, code="InvalidAccessKeyId",
                        message="The AWS Access Key Id you provided does not exist in our records.")
    error = provoke(clients, s3_server.endpoint_url, bucket, account="Wasabi")
    assert error.kind is ErrorKind.FATAL and error.code == "InvalidAccessKeyId"
    assert "check the access key of account Wasabi" in error.message


def test_access_denied_over_http(clients, s3_server, bucket):
    s3_server.fail_next("ListObjects", status=403, code="AccessDenied", message="Access Denied")
    error = provoke(clients, s3_server.endpoint_url, bucket)
    assert error.kind is ErrorKind.FATAL and error.message.startswith(
        f"Access denied to bucket {bucket}")


def test_slow_down_with_retry_after_over_http(clients, s3_server, bucket):
    s3_server.fail_next("ListObjects", status=503, code="SlowDown",
                        headers={"Retry-After": "3"})
    error = provoke(clients, s3_server.endpoint_url, bucket)
    assert (error.kind, error.code, error.retry_after) == (ErrorKind.RETRYABLE, "SlowDown", 3.0)
    assert s3_server.count("ListObjects", bucket) == 1          # botocore did not retry it itself


def test_no_such_upload_over_http(clients, s3_server, bucket):
    with pytest.raises(S3Error) as caught:
        clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url)).list_parts(
            "k", "no-such-upload")
    assert caught.value.kind is ErrorKind.NO_SUCH_UPLOAD


def test_connection_refused_is_network():
    with socket.socket() as sock:               # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = provoke(S3Clients(1), f"http://127.0.0.1:{port}")
    assert error.kind is ErrorKind.NETWORK
    assert error.message.startswith(f"Cannot reach http://127.0.0.1:{port}")


class _WebPage(http.server.BaseHTTPRequestHandler):
    status = 200

    def _page(self):
        body = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = _page

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("status", [200, 404, 403])
def test_a_web_page_is_not_s3(web_server, status):
    web_server.status = status
    error = provoke(S3Clients(1), f"http://127.0.0.1:{web_server.server_port}", path_style=True)
    assert error.kind is ErrorKind.FATAL and error.code == "NotS3"
    assert "does not look like S3" in error.message


def test_a_proxys_bad_gateway_page_is_passing_trouble(web_server):
    web_server.status = 502
    error = provoke(S3Clients(1), f"http://127.0.0.1:{web_server.server_port}", path_style=True)
    assert error.kind is ErrorKind.RETRYABLE


def test_a_server_that_hangs_up_is_the_network():
    listener = socket.create_server(("127.0.0.1", 0))

    def hang_up():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        error = provoke(S3Clients(1), f"http://127.0.0.1:{listener.getsockname()[1]}")
    finally:
        listener.close()
    assert error.kind is ErrorKind.NETWORK          # accepted, then hung up: no answer
