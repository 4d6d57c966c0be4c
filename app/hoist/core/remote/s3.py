"""The S3 calls the engine makes (Bucket), on the clients of :mod:`hoist.core.remote.clients`.

Checksums are computed by the engine and sent explicitly; a store that rejects
flexible checksums is remembered and gets Content-MD5 instead, unless the
checksum was chosen. A store's refusal of an object setting is said as such
(:mod:`hoist.core.remote.refusals`).
"""

from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from urllib3.exceptions import ProtocolError

from hoist.core.remote.clients import (  # noqa: F401 -- Destination and S3Clients are this module's API too
    Destination,
    S3Clients,
    read_timeout,
)
from hoist.core.remote.direct.switch import DIRECT_OPERATIONS, direct_requests
from hoist.core.remote.errors import (
    CREDENTIAL_CODES,
    ErrorKind,
    S3Error,
    checksum_refused,
    classify,
    endpoint_label,
    is_checksum_rejection,
)
from hoist.core.remote.objects import CustomerKey, ObjectSettings
from hoist.core.remote.refusals import setting_refusal

DEFAULT_OBJECT = ObjectSettings()


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

    def client(self):
        """The boto3 client of this destination (share links sign with it)."""
        try:
            return self._clients.client_for(self.dest)
        except (BotoCoreError, ClientError) as exc:
            raise classify(exc, operation="presign", bucket=self.name, key=None,
                           profile=self.dest.profile, endpoint_url=self.dest.endpoint_url,
                           account=self.dest.account) from None

    def customer_key(self, md5: str) -> CustomerKey | None:
        return self._clients.customer_key(self.dest.account, md5)

    def noted(self, remark: str) -> bool:
        return self._clients.noted(self.dest.endpoint_url, remark)

    def _call(self, operation: str, key: str | None, settings: ObjectSettings | None = None,
              fresh: bool = False, **params):
        """One request; ``settings``, of the object it writes, say which refusals are theirs;
        with ``fresh``, on a client made now (credentials read again)."""
        client = None
        try:
            client = self._clients.client_for(self.dest, fresh)
            direct = direct_requests(client) if operation in DIRECT_OPERATIONS else None
            reply = direct.call(operation, {"Bucket": self.name, **params}) if direct else None
            if reply is None:
                reply = getattr(client, _METHODS[operation])(Bucket=self.name, **params)
        except S3Error:
            raise
        except (BotoCoreError, ClientError, OSError, ProtocolError) as exc:
            # anything else (a pause raised from the request body, say) is the caller's
            error = classify(exc, operation=operation, bucket=self.name, key=key,
                             profile=self.dest.profile, endpoint_url=self.dest.endpoint_url,
                             account=self.dest.account, typed_key=bool(self.dest.access_key_id),
                             ca_bundle=self.dest.ca_bundle)
            if error.code in CREDENTIAL_CODES:     # so a retry picks up corrected credentials
                self._clients.forget(self.dest, client)
            refusal = setting_refusal(error, _server_message(exc), operation, settings,
                                      self.name, self.dest.endpoint_url)
            if refusal is not None:                # a setting the store will not keep
                raise refusal from None
            if _has_checksum(params) and is_checksum_rejection(error):
                if settings is not None and settings.checksum_algorithm:
                    # chosen, not defaulted: going without it would quietly drop the choice
                    raise checksum_refused(error, settings.checksum_algorithm,
                                           self.dest.endpoint_url) from None
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

    def request(self, operation: str, key: str | None = None, **params):
        """One request of ``operation`` (the bucket browser's: core/remote/listing.py),
        its failure classified for people."""
        return self._call(operation, key, **params)

    def check_access(self, fresh: bool = False) -> None:
        """Does the bucket exist and do the credentials work? (ListObjectsV2: unlike
        HeadBucket, its errors carry a code, so a bad key is told from a missing bucket.)
        With ``fresh``, on a client made now, which every later request then shares:
        the probe for credentials that expired (S3Clients.client_for)."""
        self._call("ListObjectsV2", None, fresh=fresh, MaxKeys=1)

    def list_objects(self, prefix: str, start_after: str = "",
                     page: int = 1000) -> tuple[dict[str, RemoteObject], str | None]:
        """One page (up to ``page`` objects) under ``prefix`` after ``start_after``: key ->
        size, ETag and LastModified, and where the next page starts (None after the last)."""
        params = {"Prefix": prefix, "MaxKeys": page}
        if start_after:
            params["StartAfter"] = start_after
        reply = self._call("ListObjectsV2", prefix or None, **params)
        found = {item["Key"]: RemoteObject(item.get("Size", 0), item.get("ETag", ""), None,
                                           item.get("LastModified"))
                 for item in reply.get("Contents", [])}
        last = reply["Contents"][-1]["Key"] if found else None
        return found, last if reply.get("IsTruncated") else None

    def part_size(self, key: str) -> int | None:
        """The size of a multipart object's first part (HeadObject of part 1), None if gone:
        what a multipart ETag is recomputed with (``hoist upload --checksum``)."""
        try:
            reply = self._call("HeadObject", key, Key=key, PartNumber=1)
        except S3Error as error:
            if error.kind is ErrorKind.NOT_FOUND:
                return None
            raise
        return reply["ContentLength"]

    def wants_checksums(self, settings: ObjectSettings) -> bool:
        """Send flexible checksums? Yes, unless the store refused them and none was chosen."""
        return bool(settings.checksum_algorithm) or self.checksum_supported

    def create_multipart(self, key: str, checksum_algorithm: str,
                         settings: ObjectSettings = DEFAULT_OBJECT,
                         customer_key: CustomerKey | None = None) -> str:
        params = {"Key": key, **settings.create_params(), **_customer(customer_key)}
        if checksum_algorithm:
            params["ChecksumAlgorithm"] = checksum_algorithm
        return self._call("CreateMultipartUpload", key, settings, **params)["UploadId"]

    def upload_part(self, key: str, upload_id: str, number: int, body, size: int,
                    checksum: str | None, content_md5: str | None, algorithm: str = "CRC32",
                    settings: ObjectSettings = DEFAULT_OBJECT,
                    customer_key: CustomerKey | None = None) -> tuple[str, str | None]:
        params = {"Key": key, "UploadId": upload_id, "PartNumber": number, "Body": body,
                  "ContentLength": size, **_customer(customer_key)}
        _add_integrity(params, checksum, content_md5, algorithm)
        reply = self._call("UploadPart", key, settings, **params)
        return reply["ETag"], reply.get(f"Checksum{algorithm.upper()}")

    def list_parts(self, key: str, upload_id: str, page_size: int = 1000,
                   customer_key: CustomerKey | None = None) -> list[RemotePart]:
        parts, marker = [], 0
        while True:
            reply = self._call("ListParts", key, Key=key, UploadId=upload_id, MaxParts=page_size,
                               PartNumberMarker=marker, **_customer(customer_key))
            for p in reply.get("Parts", []):
                checksum = next((p[k] for k in p if k.startswith("Checksum") and k != "ChecksumType"), None)
                parts.append(RemotePart(p["PartNumber"], p["Size"], p["ETag"], checksum))
            if not reply.get("IsTruncated"):
                return parts
            marker = int(reply["NextPartNumberMarker"])

    def complete(self, key: str, upload_id: str, parts: list[tuple[int, str, str | None]],
                 algorithm: str = "CRC32", settings: ObjectSettings = DEFAULT_OBJECT,
                 customer_key: CustomerKey | None = None) -> str:
        listing = []
        for number, etag, checksum in parts:
            entry = {"PartNumber": number, "ETag": etag}
            if checksum and self.wants_checksums(settings):
                entry[f"Checksum{algorithm.upper()}"] = checksum
            listing.append(entry)
        reply = self._call("CompleteMultipartUpload", key, settings, Key=key, UploadId=upload_id,
                           MultipartUpload={"Parts": listing}, **_customer(customer_key))
        return reply.get("ETag", "")

    def abort(self, key: str, upload_id: str) -> None:
        self._call("AbortMultipartUpload", key, Key=key, UploadId=upload_id)

    def delete(self, key: str) -> None:
        """Delete an object (a watched folder's file deleted here, with --delete)."""
        self._call("DeleteObject", key, Key=key)

    def head(self, key: str, customer_key: CustomerKey | None = None) -> RemoteObject | None:
        try:
            # ChecksumMode: without it S3 leaves the object's checksum out of the answer
            extra = {"ChecksumMode": "ENABLED"} if self.checksum_supported else {}
            reply = self._call("HeadObject", key, Key=key, **extra, **_customer(customer_key))
        except S3Error as error:
            if error.kind is ErrorKind.NOT_FOUND:
                return None
            raise
        return _remote_object(reply, reply["ContentLength"])

    def head_object(self, key: str, version_id: str | None = None,
                    customer_key: CustomerKey | None = None) -> dict | None:
        """HeadObject's whole answer (checksum asked for), None if the object is gone: what
        a download pins and proves its bytes against (core/download/proof.py)."""
        params = {"Key": key, **_customer(customer_key)}
        if self.checksum_supported:
            params["ChecksumMode"] = "ENABLED"
        if version_id:
            params["VersionId"] = version_id
        try:
            return self._call("HeadObject", key, **params)
        except S3Error as error:
            if error.kind is ErrorKind.NOT_FOUND:
                return None
            raise

    def get_range(self, key: str, first: int, last: int, etag: str,
                  version_id: str | None = None,
                  customer_key: CustomerKey | None = None) -> dict:
        """GetObject of bytes ``first``..``last`` of the object as long as its ETag is still
        ``etag`` (If-Match: a changed object answers 412); the answer's Body streams them."""
        params = {"Key": key, "Range": f"bytes={first}-{last}", "IfMatch": etag,
                  **_customer(customer_key)}
        if version_id:
            params["VersionId"] = version_id
        return self._call("GetObject", key, **params)

    def get_part(self, key: str, number: int, etag: str, version_id: str | None = None,
                 customer_key: CustomerKey | None = None) -> dict:
        """GetObject of part ``number`` of a multipart object, pinned as ``get_range`` is; with
        ChecksumMode, the answer says the part's own checksum (core/download/composite.py)."""
        params = {"Key": key, "PartNumber": number, "IfMatch": etag, "ChecksumMode": "ENABLED",
                  **_customer(customer_key)}
        if version_id:
            params["VersionId"] = version_id
        return self._call("GetObject", key, **params)

    def read_error(self, exc: BaseException, key: str, operation: str = "GetObject") -> S3Error:
        """What a failure while reading an answer's body (or a call made on the client
        itself) means, classified as a request's failure is."""
        return classify(exc, operation=operation, bucket=self.name, key=key,
                        profile=self.dest.profile, endpoint_url=self.dest.endpoint_url,
                        account=self.dest.account, typed_key=bool(self.dest.access_key_id),
                        ca_bundle=self.dest.ca_bundle)

    def put_object(self, key: str, body, size: int, checksum: str | None,
                   content_md5: str | None, algorithm: str = "CRC32",
                   settings: ObjectSettings = DEFAULT_OBJECT,
                   customer_key: CustomerKey | None = None) -> RemoteObject:
        """Send a whole object; the answer's ETag and checksum describe what was stored
        (its size is the one sent: the answer gives none, and the ETag or checksum is
        what proves it)."""
        params = {"Key": key, "Body": body, "ContentLength": size, **settings.create_params(),
                  **_customer(customer_key)}
        _add_integrity(params, checksum, content_md5, algorithm)
        return _remote_object(self._call("PutObject", key, settings, **params), size)

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
            "PutObject": "put_object", "ListMultipartUploads": "list_multipart_uploads",
            "GetObject": "get_object", "DeleteObject": "delete_object",
            "DeleteObjects": "delete_objects", "RestoreObject": "restore_object"}


# operations whose answer is an XML document; some S3-compatible servers (moto among them)
# label the empty answers of the others text/html
_XML_REPLIES = {"ListObjectsV2", "CreateMultipartUpload", "ListParts", "CompleteMultipartUpload",
                "ListMultipartUploads", "DeleteObjects"}


def _add_integrity(params: dict, checksum: str | None, content_md5: str | None, algorithm: str):
    if checksum:
        params[f"Checksum{algorithm.upper()}"] = checksum
    if content_md5:
        params["ContentMD5"] = content_md5


def _server_message(exc: BaseException) -> str:
    """The store's own words of an error answer ('' for anything else)."""
    return str(exc.response.get("Error", {}).get("Message", "")) \
        if isinstance(exc, ClientError) else ""


def _customer(key: CustomerKey | None) -> dict:
    return key.params() if key is not None else {}


def _has_checksum(params: dict) -> bool:
    return any(k.startswith("Checksum") for k in params)
