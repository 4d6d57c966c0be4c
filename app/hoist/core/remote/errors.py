"""S3 failures sorted by what to do about them, with messages written for people.

Every S3 call goes through :func:`classify`, which turns botocore's many
exception types into one :class:`S3Error` with a kind (retry? wait for the
network? give up?) and a message that says what happened and what to do.
Messages never carry secrets, signatures or request headers.
"""

import math
import socket
import time
from email.utils import parsedate_to_datetime
from enum import Enum

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    IncompleteReadError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ProxyConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
    SSLError,
)
from urllib3.exceptions import ProtocolError

from hoist.core.remote.expiry import EXPIRED_CODES, EXPIRED_REFRESHES, expired_message
from hoist.core.remote.redaction import redact
from hoist.core.remote.tls import (
    certificate_message,
    certificate_problem,
    trusted,
)


class ErrorKind(Enum):
    RETRYABLE = "retryable"            # try again after a backoff
    NETWORK = "network"                # the endpoint cannot be reached: wait, don't spend retries
    EXPIRED = "expired"                # the credentials ran out: wait for fresh ones, likewise
    FATAL = "fatal"                    # retrying will not help; the user must act
    NO_SUCH_UPLOAD = "no_such_upload"  # the multipart upload is gone: start a new one
    NOT_FOUND = "not_found"            # the object does not exist (HeadObject)
    UNSUPPORTED = "unsupported"        # the store does not offer this operation (405/501)


RETRYABLE_CODES = {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable",
                   "ThrottlingException", "Throttling", "500", "502",
                   "503", "504", "BadDigest", "XAmzContentSHA256Mismatch", "IncompleteBody"}

# refusals that repeating cannot change, even when they come with a 5xx status
LASTING_CODES = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge",
                 "MalformedXML", "InvalidArgument", "InvalidRequest", "AccessDenied",
                 "NoSuchBucket", "KeyTooLongError"}

# operations some S3-compatible stores do not implement; a 405 or 501 to them is an answer,
# not a passing server fault, so they are not retried
OPTIONAL_OPERATIONS = {"ListParts", "AbortMultipartUpload", "GetObjectAttributes",
                       "CreateMultipartUpload", "ListMultipartUploads"}

# codes that mean the credentials themselves are wrong or stale (the client is rebuilt after them)
CREDENTIAL_CODES = {"InvalidAccessKeyId", "InvalidToken", "SignatureDoesNotMatch",
                    "NoCredentials", "NoSecret", *EXPIRED_CODES,
                    *(e.__name__ for e in EXPIRED_REFRESHES)}


class S3Error(Exception):
    def __init__(self, kind: ErrorKind, code: str, message: str, retry_after: float | None = None):
        # a server's or a library's words may quote a request: its signature never goes further
        message = redact(message)
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def __reduce__(self):      # pickled whole: the window hears it from the engine's process
        return (type(self), (self.kind, self.code, self.message, self.retry_after))

    def __repr__(self) -> str:
        return f"S3Error({self.kind.name}, {self.code!r}, {self.message!r})"


def endpoint_label(endpoint_url: str | None) -> str:
    """The endpoint as messages name it: its URL without any user:password, or AWS."""
    if not endpoint_url:
        return "AWS"
    # a user:password@ part of the URL is a secret too
    scheme, sep, rest = endpoint_url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host.rpartition('@')[2]}{slash}{path}" if sep else endpoint_url


def _whose(profile: str | None, account: str | None) -> str:
    if profile:
        return f"of profile {profile}"
    if account and account != "default":
        return f"of account {account}"
    return "(environment variables or ~/.aws/credentials)"


def classify(exc: BaseException, *, operation: str, bucket: str, key: str | None = None,
             profile: str | None = None, endpoint_url: str | None = None,
             account: str | None = None, typed_key: bool = False,
             ca_bundle: str | None = None) -> S3Error:
    """Turn any exception from an S3 call into an :class:`S3Error`.

    ``typed_key``: the credentials are an access key entered under Accounts (which
    is where an expired one is put right); ``ca_bundle``: the account's, named when a
    certificate is refused.
    """
    target = f"s3://{bucket}/{key}" if key else f"bucket {bucket}"
    if isinstance(exc, S3Error):
        return exc
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code") or "")
        if code in EXPIRED_CODES:
            return S3Error(ErrorKind.EXPIRED, code, expired_message(profile, account, typed_key))
        return _classify_client_error(exc, operation, bucket, target, profile, endpoint_url, account)
    if isinstance(exc, EXPIRED_REFRESHES):
        # botocore could not refresh them before signing; its text may quote a process's output
        return S3Error(ErrorKind.EXPIRED, type(exc).__name__,
                       expired_message(profile, account, typed_key))
    if isinstance(exc, SSLError):
        # A certificate that fails verification fails every time; other TLS failures
        # (a handshake cut short) are the connection's, and pass.
        found = certificate_problem(exc)
        if found:
            problem, detail = found
            return S3Error(ErrorKind.FATAL, problem.value, certificate_message(
                problem, detail, endpoint_label(endpoint_url), trusted(ca_bundle, profile)))
        return _interrupted("SSLError", endpoint_url)
    if isinstance(exc, ProxyConnectionError):
        return S3Error(ErrorKind.NETWORK, "ProxyConnectionError",
                       "Cannot reach the HTTP proxy: check the network connection and the "
                       "HTTPS_PROXY/HTTP_PROXY settings.")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return S3Error(ErrorKind.NETWORK, "EndpointConnectionError",
                       f"Cannot reach {endpoint_label(endpoint_url)}: check the network "
                       "connection and the endpoint URL.")
    if isinstance(exc, (ReadTimeoutError, ConnectionClosedError, ResponseStreamingError,
                        IncompleteReadError, ProtocolError)):     # the last: a body cut short
        return _interrupted(type(exc).__name__, endpoint_url)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return S3Error(ErrorKind.FATAL, "NoCredentials",
                       "No AWS credentials were found: choose a profile, set AWS_ACCESS_KEY_ID "
                       "and AWS_SECRET_ACCESS_KEY, or add an access key to the account.")
    if isinstance(exc, ProfileNotFound):
        return S3Error(ErrorKind.FATAL, "ProfileNotFound",
                       f"The AWS profile {profile or exc.kwargs.get('profile', '')} is not "
                       "configured: check its name, or add it to ~/.aws/config "
                       "(for example with `aws configure --profile NAME`).")
    if isinstance(exc, NoRegionError):
        return S3Error(ErrorKind.FATAL, "NoRegion",
                       "No AWS region is set: choose the account's region, "
                       "or set AWS_DEFAULT_REGION.")
    if isinstance(exc, ParamValidationError):
        # the report can quote parameter values (a whole part body, say): keep it short
        report = " ".join(str(exc.kwargs.get("report", "")).split())
        if len(report) > 200:
            report = report[:200] + "…"
        return S3Error(ErrorKind.FATAL, "ParamValidation",
                       f"{operation} was refused before it was sent: {report}")
    if isinstance(exc, BotoCoreError):
        return S3Error(ErrorKind.RETRYABLE, type(exc).__name__,
                       f"{operation} on {target} failed ({type(exc).__name__})")
    if isinstance(exc, (ConnectionRefusedError, socket.gaierror)):
        return S3Error(ErrorKind.NETWORK, type(exc).__name__,
                       f"Cannot reach {endpoint_label(endpoint_url)}: "
                       "check the network connection.")
    if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
        return _interrupted(type(exc).__name__, endpoint_url)
    if isinstance(exc, OSError):
        return S3Error(ErrorKind.NETWORK, type(exc).__name__,
                       f"Cannot reach {endpoint_label(endpoint_url)}: "
                       "check the network connection.")
    return S3Error(ErrorKind.FATAL, type(exc).__name__, f"{operation} on {target} failed: {exc}")


def _interrupted(code: str, endpoint_url: str | None) -> S3Error:
    """A connection that was reset, closed mid-answer or went silent: no HTTP answer came.

    That is the network's doing until shown otherwise (a VPN reconnecting, a captive
    portal, a dying Wi-Fi link accept connections and then reset them), so it is
    NETWORK: the engine waits for the endpoint instead of spending retries. The
    engine counts it against one request only when other requests to the same
    endpoint were answered meanwhile (see hoist.core.policy.network).
    """
    return S3Error(ErrorKind.NETWORK, code,
                   f"The connection to {endpoint_label(endpoint_url)} was interrupted")


def cause_of(error: S3Error) -> str:
    """The cause a retry is counted under: reset, timeout, unreachable, throttled,
    server_error or other (for logs and the run summary)."""
    code = error.code
    if code in ("ReadTimeoutError", "ConnectTimeoutError", "timeout", "TimeoutError",
                "RequestTimeout"):
        return "timeout"
    if error.kind is ErrorKind.NETWORK:
        return "unreachable" if code in ("EndpointConnectionError", "ConnectionRefusedError",
                                         "gaierror", "ProxyConnectionError") else "reset"
    if code in ("SlowDown", "Throttling", "ThrottlingException", "429"):
        return "throttled"
    if code in RETRYABLE_CODES or code.isdigit():
        return "server_error"
    return "other"


def _classify_client_error(exc, operation, bucket, target, profile, endpoint_url, account):
    error = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode") or 0
    code = str(error.get("Code") or status or "Unknown")
    headers = meta.get("HTTPHeaders", {})
    retry_after = _retry_after(headers.get("retry-after", ""))
    whose = _whose(profile, account)
    where = endpoint_label(endpoint_url)
    web_page = (headers.get("content-type", "").startswith("text/html")
                and not operation.startswith("Head")         # no body: moto labels those html
                and (not error.get("Code") or str(error["Code"]).isdigit())
                and status not in (502, 503, 504))            # a proxy's passing trouble
    if web_page:
        # A web server, a captive portal or a proxy's login page. botocore reports a 200 page
        # as a 500 error, so the status alone cannot tell; an S3 error is XML with a code.
        return S3Error(ErrorKind.FATAL, "NotS3",
                       f"{where} does not look like S3 (it answered with a web page): check "
                       "that the endpoint URL points to an S3-compatible service.")
    if code == "NoSuchUpload":
        return S3Error(ErrorKind.NO_SUCH_UPLOAD, code,
                       f"The server no longer has this multipart upload of {target}.")
    if code == "RequestTimeTooSkewed":
        # botocore corrects no clock skew, so retrying cannot help
        return S3Error(ErrorKind.FATAL, code,
                       f"This computer's clock differs from {where}'s by more than 15 minutes: "
                       "set the clock right (turn on automatic time), then retry.")
    if operation in OPTIONAL_OPERATIONS and (status in (405, 501) or code in (
            "MethodNotAllowed", "NotImplemented")):
        return S3Error(ErrorKind.UNSUPPORTED, code,
                       f"{where} does not support {operation} ({code}).")
    # A 5xx is the server's passing trouble unless it names a lasting refusal: botocore reports
    # a 200 that carries <Error><Code>InvalidPart</Code> (as CompleteMultipartUpload may) as 500.
    if code in RETRYABLE_CODES or status == 429 or (status >= 500 and code not in LASTING_CODES):
        label = {"SlowDown": "The server asked to slow down (SlowDown)",
                 "RequestTimeout": "The server timed out waiting for data"}.get(
            code, f"The server had a temporary problem ({code})")
        return S3Error(ErrorKind.RETRYABLE, code, label, retry_after)
    if code in ("404", "NoSuchKey", "NotFound") and operation == "HeadObject":
        return S3Error(ErrorKind.NOT_FOUND, code, f"{target} does not exist.")
    if code == "NoSuchBucket" or (code in ("404", "NotFound") and operation == "HeadBucket"):
        return S3Error(ErrorKind.FATAL, "NoSuchBucket",
                       f"Bucket {bucket} does not exist at {where}: check the bucket name "
                       "or create it.")
    if code in ("AccessDenied", "403", "Forbidden", "AllAccessDisabled"):
        return S3Error(ErrorKind.FATAL, "AccessDenied",
                       f"Access denied to bucket {bucket}: check the credentials {whose} "
                       "and the bucket's policy.")
    if code in ("InvalidAccessKeyId", "InvalidToken"):
        return S3Error(ErrorKind.FATAL, code,
                       f"The access key is not recognised by {where}: check the access key {whose}.")
    if code == "SignatureDoesNotMatch":
        return S3Error(ErrorKind.FATAL, code,
                       f"{where} rejected the request signature: check the secret key {whose}.")
    if code == "InvalidBucketName":
        return S3Error(ErrorKind.FATAL, code,
                       f"{bucket!r} is not a valid bucket name: use 3–63 lowercase letters, "
                       "digits, dots and hyphens.")
    if code == "EntityTooSmall":
        return S3Error(ErrorKind.FATAL, code,
                       f"{where} refused a part of {target} as too small (EntityTooSmall): this "
                       "store wants bigger parts than S3's 5 MiB; set a larger part size "
                       "(--part-size, or Preferences) and retry.")
    if code == "EntityTooLarge":
        return S3Error(ErrorKind.FATAL, code, f"{target} is larger than the server accepts.")
    if code == "KeyTooLongError":
        return S3Error(ErrorKind.FATAL, code, f"The key of {target} is longer than S3 allows.")
    if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
        return S3Error(ErrorKind.FATAL, code,
                       f"Bucket {bucket} is in another region: set the account's region "
                       f"(the server said: {error.get('Message', code)}).")
    if status and not error.get("Code"):
        return S3Error(ErrorKind.FATAL, "NotS3",
                       f"{where} does not look like S3 (it answered HTTP {status} without an S3 "
                       "error): check that the endpoint URL points to an S3-compatible service.")
    message = error.get("Message") or code
    return S3Error(ErrorKind.FATAL, code, f"{operation} on {target} was refused: {message} ({code}).")


def _retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def is_checksum_rejection(error: S3Error) -> bool:
    """The store does not support flexible checksums (x-amz-checksum-*)."""
    if error.code in ("NotImplemented", "XAmzContentChecksumMismatch"):
        return True
    return error.code in ("InvalidArgument", "InvalidRequest") and "checksum" in error.message.lower()


def checksum_refused(error: S3Error, algorithm: str, endpoint_url: str | None) -> S3Error:
    """A store refused the checksum algorithm the user chose: said, never dropped quietly."""
    return S3Error(ErrorKind.FATAL, "ChecksumRefused",
                   f"{endpoint_label(endpoint_url)} does not accept {algorithm} checksums "
                   f"({error.code}): choose another --checksum-algorithm, or leave it out so "
                   "Hoist may send Content-MD5 instead.")
