"""S3 failures sorted by what to do about them, with messages written for people.

Every S3 call goes through :func:`classify`, which turns botocore's many
exception types into one :class:`S3Error` with a kind (retry? wait for the
network? give up?) and a message that says what happened and what to do.
Messages never carry secrets, signatures or request headers.
"""

import socket
from enum import Enum

from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError,
                                 ConnectTimeoutError, EndpointConnectionError,
                                 NoCredentialsError, PartialCredentialsError,
                                 ParamValidationError, ReadTimeoutError, ResponseStreamingError)


class ErrorKind(Enum):
    RETRYABLE = "retryable"            # try again after a backoff
    NETWORK = "network"                # the endpoint cannot be reached: wait, don't spend retries
    FATAL = "fatal"                    # retrying will not help; the user must act
    NO_SUCH_UPLOAD = "no_such_upload"  # the multipart upload is gone: start a new one
    NOT_FOUND = "not_found"            # the object does not exist (HeadObject)


RETRYABLE_CODES = {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable",
                   "ThrottlingException", "Throttling", "RequestTimeTooSkewed", "500", "502",
                   "503", "504", "BadDigest", "XAmzContentSHA256Mismatch", "IncompleteBody"}


class S3Error(Exception):
    def __init__(self, kind: ErrorKind, code: str, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"S3Error({self.kind.name}, {self.code!r}, {self.message!r})"


def _where(endpoint_url: str | None) -> str:
    return endpoint_url or "AWS"


def _whose(profile: str | None, account: str | None) -> str:
    if profile:
        return f"of profile {profile}"
    if account and account != "default":
        return f"of account {account}"
    return "(environment variables or ~/.aws/credentials)"


def classify(exc: BaseException, *, operation: str, bucket: str, key: str | None = None,
             profile: str | None = None, endpoint_url: str | None = None,
             account: str | None = None) -> S3Error:
    """Turn any exception from an S3 call into an :class:`S3Error`."""
    target = f"s3://{bucket}/{key}" if key else f"bucket {bucket}"
    if isinstance(exc, S3Error):
        return exc
    if isinstance(exc, ClientError):
        return _classify_client_error(exc, operation, bucket, target, profile, endpoint_url, account)
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return S3Error(ErrorKind.NETWORK, "EndpointConnectionError",
                       f"Cannot reach {_where(endpoint_url)}: check the network connection "
                       "and the endpoint URL.")
    if isinstance(exc, (ReadTimeoutError, ConnectionClosedError, ResponseStreamingError)):
        return S3Error(ErrorKind.RETRYABLE, type(exc).__name__,
                       f"The connection to {_where(endpoint_url)} was interrupted")
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return S3Error(ErrorKind.FATAL, "NoCredentials",
                       "No AWS credentials were found: choose a profile, set AWS_ACCESS_KEY_ID "
                       "and AWS_SECRET_ACCESS_KEY, or add an access key to the account.")
    if isinstance(exc, ParamValidationError):
        return S3Error(ErrorKind.FATAL, "ParamValidation",
                       f"{operation} was refused before it was sent: {exc.kwargs.get('report', '')}")
    if isinstance(exc, BotoCoreError):
        return S3Error(ErrorKind.RETRYABLE, type(exc).__name__,
                       f"{operation} on {target} failed ({type(exc).__name__})")
    if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
        return S3Error(ErrorKind.RETRYABLE, type(exc).__name__,
                       f"The connection to {_where(endpoint_url)} was interrupted")
    if isinstance(exc, OSError):
        return S3Error(ErrorKind.NETWORK, type(exc).__name__,
                       f"Cannot reach {_where(endpoint_url)}: check the network connection.")
    return S3Error(ErrorKind.FATAL, type(exc).__name__, f"{operation} on {target} failed: {exc}")


def _classify_client_error(exc, operation, bucket, target, profile, endpoint_url, account):
    error = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode") or 0
    code = str(error.get("Code") or status or "Unknown")
    headers = meta.get("HTTPHeaders", {})
    retry_after = None
    if headers.get("retry-after", "").isdigit():
        retry_after = float(headers["retry-after"])
    whose = _whose(profile, account)
    where = _where(endpoint_url)
    if code == "NoSuchUpload":
        return S3Error(ErrorKind.NO_SUCH_UPLOAD, code,
                       f"The server no longer has this multipart upload of {target}.")
    if code in RETRYABLE_CODES or status >= 500 or status == 429:
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
    if code in ("ExpiredToken", "TokenRefreshRequired"):
        return S3Error(ErrorKind.FATAL, code,
                       f"The session token {whose} has expired: refresh your credentials "
                       "(for example `aws sso login`), then retry.")
    if code == "InvalidBucketName":
        return S3Error(ErrorKind.FATAL, code,
                       f"{bucket!r} is not a valid bucket name: use 3–63 lowercase letters, "
                       "digits, dots and hyphens.")
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
                       f"{where} answered HTTP {status} without an S3 error: check that the "
                       "endpoint URL points to an S3-compatible service.")
    message = error.get("Message") or code
    return S3Error(ErrorKind.FATAL, code, f"{operation} on {target} was refused: {message} ({code}).")


def is_checksum_rejection(error: S3Error) -> bool:
    """The store does not support flexible checksums (x-amz-checksum-*)."""
    if error.code in ("NotImplemented", "XAmzContentChecksumMismatch"):
        return True
    return error.code in ("InvalidArgument", "InvalidRequest") and "checksum" in error.message.lower()
