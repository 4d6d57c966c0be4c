"""S3 access on boto3: one thread-safe client per destination, and the calls the engine makes.

botocore's own retries are off: the engine retries under its own policy so
that every retry is logged with its cause and network outages are waited out
without spending the retry budget. Checksums are computed by the engine and
sent explicitly; a store that rejects flexible checksums is remembered and
gets Content-MD5 instead.
"""

import logging
import os
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from urllib3.exceptions import InsecureRequestWarning, ProtocolError

from hoist.core.remote.errors import (
    CREDENTIAL_CODES,
    ErrorKind,
    S3Error,
    classify,
    endpoint_label,
    is_checksum_rejection,
)
from hoist.core.remote.tls import bundle_problem, verify_argument

log = logging.getLogger("hoist.s3")


@dataclass(frozen=True)
class Destination:
    """Where uploads go, and how to reach it. The secret itself is never part of it."""

    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    account: str = "default"
    path_style: bool = False
    verify_tls: bool = True
    access_key_id: str | None = None   # its secret lives in the SecretStore
    ca_bundle: str | None = None       # PEM file of CAs to trust; None: AWS_CA_BUNDLE, profile, system


@dataclass(frozen=True)
class RemotePart:
    number: int
    size: int
    etag: str
    checksum: str | None


@dataclass(frozen=True)
class RemoteObject:
    size: int
    etag: str
    checksum: str | None
    last_modified: datetime | None
    checksum_algorithm: str = ""       # of ``checksum``: "CRC32", "SHA256", …
    checksum_type: str = ""            # "COMPOSITE" or "FULL_OBJECT", when the store says
    encrypted_opaque: bool = False     # SSE-KMS or SSE-C: the ETag is no MD5 of the bytes


@dataclass(frozen=True)
class RemoteUpload:
    key: str
    upload_id: str
    initiated: datetime


def read_timeout() -> float:
    """Seconds an answer may stay silent before the connection counts as lost: 60, or
    $HOIST_READ_TIMEOUT (a link whose stalls should be noticed sooner; tests)."""
    try:
        return max(1.0, float(os.environ.get("HOIST_READ_TIMEOUT", "60")))
    except ValueError:
        return 60.0


class S3Clients:
    """Hands out one shared boto3 client per distinct destination (boto3 clients are thread-safe)."""

    def __init__(self, max_pool_connections: int = 16, secrets=None):
        self.max_pool_connections = max_pool_connections
        self.secrets = secrets
        self._clients: dict[tuple, object] = {}
        self._no_checksums: set[str | None] = set()     # endpoints that refuse them
        self._noted: set[tuple] = set()                 # (endpoint, remark) said once already
        self._lock = threading.Lock()

    @staticmethod
    def _ident(dest: Destination) -> tuple:
        return (dest.endpoint_url, dest.region, dest.profile, dest.account, dest.path_style,
                dest.verify_tls, dest.access_key_id, dest.ca_bundle)

    def client_for(self, dest: Destination):
        ident = self._ident(dest)
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                client = self._clients[ident] = self._make_client(dest)
            return client

    def forget(self, dest: Destination | None = None) -> None:
        """Drop the cached client of ``dest`` (all, if None): the next call reads the
        credentials again (a secret fixed under Accounts, a refreshed session token)."""
        with self._lock:
            if dest is None:
                self._clients.clear()
            else:
                self._clients.pop(self._ident(dest), None)

    def _make_client(self, dest: Destination):
        # Imported here, not at the top: boto3 and botocore.config take a quarter of a
        # second to import, and the window paints before any client is needed.
        import boto3
        from botocore.config import Config
        config = Config(
            max_pool_connections=self.max_pool_connections,
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=10, read_timeout=read_timeout(),
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # Each part carries a signed CRC32 or MD5 header that the server checks, so the
            # body needs no SHA-256 signature even over plain HTTP (botocore would otherwise
            # read every part twice: once to hash it, once to send it).
            s3={"addressing_style": "path" if dest.path_style else "auto",
                "payload_signing_enabled": False},
        )
        if dest.profile:
            session = boto3.Session(profile_name=dest.profile)
        else:
            session = boto3.Session()
        credentials = {}
        if dest.access_key_id:
            secret = self.secrets.get(dest.account, dest.access_key_id) if self.secrets else None
            if secret is None:
                raise S3Error(ErrorKind.FATAL, "NoSecret",
                              f"The secret key of account {dest.account} is not in the keyring: "
                              "enter it again under Accounts.")
            credentials = {"aws_access_key_id": dest.access_key_id, "aws_secret_access_key": secret}
        self._check_trust(dest)
        try:
            return session.client("s3", endpoint_url=dest.endpoint_url or None,
                                  region_name=dest.region or None, config=config,
                                  verify=verify_argument(dest.ca_bundle, dest.verify_tls),
                                  **credentials)
        except ValueError:          # botocore's "Invalid endpoint"; BotoCoreErrors are classified
            raise S3Error(ErrorKind.FATAL, "InvalidEndpoint",
                          f"{endpoint_label(dest.endpoint_url)} is not a valid endpoint URL: "
                          "use the form https://host[:port].") from None

    def _check_trust(self, dest: Destination) -> None:
        """Refuse a CA bundle that cannot work; say once a run that verification is off.
        (Called under ``_lock``, by client_for.)"""
        if not dest.verify_tls:
            if self._note(dest.endpoint_url, "tls-off"):
                # said here once, in words; not by urllib3 on stderr at every request
                warnings.filterwarnings("ignore", category=InsecureRequestWarning)
                log.warning("TLS verification is off for %s (account %s): its certificate is "
                            "not checked, so anyone on the network path can read or alter "
                            "the uploads", endpoint_label(dest.endpoint_url), dest.account)
            return
        problem = dest.ca_bundle and bundle_problem(dest.ca_bundle)
        if problem:
            raise S3Error(ErrorKind.FATAL, "CABundle", problem)

    def bucket(self, dest: Destination) -> "Bucket":
        return Bucket(self, dest)

    def checksums_supported(self, endpoint_url: str | None) -> bool:
        return endpoint_url not in self._no_checksums

    def refuse_checksums(self, endpoint_url: str | None) -> None:
        self._no_checksums.add(endpoint_url)

    def noted(self, endpoint_url: str | None, remark: str) -> bool:
        """Has ``remark`` been made of this endpoint (by :meth:`first_time`)?"""
        with self._lock:
            return (endpoint_url, remark) in self._noted

    def first_time(self, endpoint_url: str | None, remark: str) -> bool:
        """True once per endpoint and remark: a store's limits are logged once, not per task."""
        with self._lock:
            return self._note(endpoint_url, remark)

    def _note(self, endpoint_url: str | None, remark: str) -> bool:
        if (endpoint_url, remark) in self._noted:
            return False
        self._noted.add((endpoint_url, remark))
        return True


class Bucket:
    """The S3 calls the engine makes against one destination; each raises a classified S3Error."""

    def __init__(self, clients: S3Clients, dest: Destination):
        self._clients = clients
        self.dest = dest
        self.name = dest.bucket

    @property
    def checksum_supported(self) -> bool:
        return self._clients.checksums_supported(self.dest.endpoint_url)

    @checksum_supported.setter
    def checksum_supported(self, supported: bool) -> None:
        if not supported:       # remembered for the endpoint, by every Bucket of these clients
            self._clients.refuse_checksums(self.dest.endpoint_url)

    def first_time(self, remark: str) -> bool:
        return self._clients.first_time(self.dest.endpoint_url, remark)

    def noted(self, remark: str) -> bool:
        return self._clients.noted(self.dest.endpoint_url, remark)

    def _call(self, operation: str, key: str | None, **params):
        try:
            client = self._clients.client_for(self.dest)
            reply = getattr(client, _METHODS[operation])(Bucket=self.name, **params)
        except S3Error:
            raise
        except (BotoCoreError, ClientError, OSError, ProtocolError) as exc:
            # anything else (a pause raised from the request body, say) is the caller's
            error = classify(exc, operation=operation, bucket=self.name, key=key,
                             profile=self.dest.profile, endpoint_url=self.dest.endpoint_url,
                             account=self.dest.account, ca_bundle=self.dest.ca_bundle)
            if error.code in CREDENTIAL_CODES:
                self._clients.forget(self.dest)    # so a retry picks up corrected credentials
            if _has_checksum(params) and is_checksum_rejection(error):
                self._clients.refuse_checksums(self.dest.endpoint_url)
                error = S3Error(ErrorKind.RETRYABLE, error.code,
                                "The store does not accept checksums; using Content-MD5 instead")
            raise error from None
        content_type = reply.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("content-type", "")
        if content_type.startswith("text/html") and operation in _XML_REPLIES:
            # a web server or captive portal answered; botocore would take its page for success
            raise S3Error(ErrorKind.FATAL, "NotS3",
                          f"{endpoint_label(self.dest.endpoint_url)} does not look like S3 (it "
                          "answered with a web page): check the endpoint URL.")
        return reply

    def check_access(self) -> None:
        """Does the bucket exist and do the credentials work? (ListObjectsV2: unlike
        HeadBucket, its errors carry a code, so a bad key is told from a missing bucket.)"""
        self._call("ListObjectsV2", None, MaxKeys=1)

    def list_keys(self, prefix: str, start_after: str = "",
                  page: int = 1000) -> tuple[list[str], str | None]:
        """One page (up to ``page`` keys) of the keys under ``prefix`` after ``start_after``,
        in order, and where the next page starts (None after the last)."""
        params = {"Prefix": prefix, "MaxKeys": page}
        if start_after:
            params["StartAfter"] = start_after
        reply = self._call("ListObjectsV2", prefix or None, **params)
        keys = [item["Key"] for item in reply.get("Contents", [])]
        more = reply.get("IsTruncated") and keys
        return keys, keys[-1] if more else None

    def create_multipart(self, key: str, checksum_algorithm: str) -> str:
        params = {"Key": key}
        if checksum_algorithm:
            params["ChecksumAlgorithm"] = checksum_algorithm
        return self._call("CreateMultipartUpload", key, **params)["UploadId"]

    def upload_part(self, key: str, upload_id: str, number: int, body, size: int,
                    checksum: str | None, content_md5: str | None,
                    algorithm: str = "CRC32") -> tuple[str, str | None]:
        params = {"Key": key, "UploadId": upload_id, "PartNumber": number, "Body": body,
                  "ContentLength": size}
        _add_integrity(params, checksum, content_md5, algorithm)
        reply = self._call("UploadPart", key, **params)
        return reply["ETag"], reply.get(f"Checksum{algorithm.upper()}")

    def list_parts(self, key: str, upload_id: str, page_size: int = 1000) -> list[RemotePart]:
        parts, marker = [], 0
        while True:
            reply = self._call("ListParts", key, Key=key, UploadId=upload_id, MaxParts=page_size,
                               PartNumberMarker=marker)
            for p in reply.get("Parts", []):
                checksum = next((p[k] for k in p if k.startswith("Checksum") and k != "ChecksumType"), None)
                parts.append(RemotePart(p["PartNumber"], p["Size"], p["ETag"], checksum))
            if not reply.get("IsTruncated"):
                return parts
            marker = int(reply["NextPartNumberMarker"])

    def complete(self, key: str, upload_id: str, parts: list[tuple[int, str, str | None]],
                 algorithm: str = "CRC32") -> str:
        listing = []
        for number, etag, checksum in parts:
            entry = {"PartNumber": number, "ETag": etag}
            if checksum and self.checksum_supported:
                entry[f"Checksum{algorithm.upper()}"] = checksum
            listing.append(entry)
        reply = self._call("CompleteMultipartUpload", key, Key=key, UploadId=upload_id,
                           MultipartUpload={"Parts": listing})
        return reply.get("ETag", "")

    def abort(self, key: str, upload_id: str) -> None:
        self._call("AbortMultipartUpload", key, Key=key, UploadId=upload_id)

    def head(self, key: str) -> RemoteObject | None:
        try:
            # ChecksumMode: without it S3 leaves the object's checksum out of the answer
            extra = {"ChecksumMode": "ENABLED"} if self.checksum_supported else {}
            reply = self._call("HeadObject", key, Key=key, **extra)
        except S3Error as error:
            if error.kind is ErrorKind.NOT_FOUND:
                return None
            raise
        return _remote_object(reply, reply["ContentLength"])

    def put_object(self, key: str, body, size: int, checksum: str | None,
                   content_md5: str | None, algorithm: str = "CRC32") -> RemoteObject:
        """Send a whole object; the answer's ETag and checksum describe what was stored
        (its size is the one sent: the answer gives none, and the ETag or checksum is
        what proves it)."""
        params = {"Key": key, "Body": body, "ContentLength": size}
        _add_integrity(params, checksum, content_md5, algorithm)
        return _remote_object(self._call("PutObject", key, **params), size)

    def list_multipart_uploads(self, prefix: str | None = None) -> list[RemoteUpload]:
        uploads, params = [], {"Prefix": prefix} if prefix else {}
        while True:
            reply = self._call("ListMultipartUploads", prefix, **params)
            uploads += [RemoteUpload(u["Key"], u["UploadId"], u["Initiated"])
                        for u in reply.get("Uploads", [])]
            if not reply.get("IsTruncated"):
                return uploads
            params.update(KeyMarker=reply["NextKeyMarker"],
                          UploadIdMarker=reply["NextUploadIdMarker"])


def _remote_object(reply: dict, size: int) -> RemoteObject:
    """A HeadObject or PutObject answer as a RemoteObject."""
    name = next((k for k in reply if k.startswith("Checksum") and k != "ChecksumType"), "")
    opaque = (reply.get("ServerSideEncryption") == "aws:kms"
              or bool(reply.get("SSECustomerAlgorithm")))
    return RemoteObject(size, reply.get("ETag", ""), reply.get(name), reply.get("LastModified"),
                        name[len("Checksum"):], reply.get("ChecksumType", ""), opaque)


_METHODS = {"HeadBucket": "head_bucket", "ListObjectsV2": "list_objects_v2", "CreateMultipartUpload": "create_multipart_upload",
            "UploadPart": "upload_part", "ListParts": "list_parts",
            "CompleteMultipartUpload": "complete_multipart_upload",
            "AbortMultipartUpload": "abort_multipart_upload", "HeadObject": "head_object",
            "PutObject": "put_object", "ListMultipartUploads": "list_multipart_uploads"}


# operations whose answer is an XML document; some S3-compatible servers (moto among them)
# label the empty answers of the others text/html
_XML_REPLIES = {"ListObjectsV2", "CreateMultipartUpload", "ListParts", "CompleteMultipartUpload",
                "ListMultipartUploads"}


def _add_integrity(params: dict, checksum: str | None, content_md5: str | None, algorithm: str):
    if checksum:
        params[f"Checksum{algorithm.upper()}"] = checksum
    if content_md5:
        params["ContentMD5"] = content_md5


def _has_checksum(params: dict) -> bool:
    return any(k.startswith("Checksum") for k in params)
