"""What an uploaded object looks like: its headers, metadata, tags, storage class, encryption,
ACL and checksum, as one frozen value kept with the task from the moment it is made.

:class:`ObjectSettings` turns itself into the parameters of CreateMultipartUpload and
PutObject. An SSE-C key is never part of it, only the key's MD5: the key itself is a
:class:`CustomerKey`, given again for every run (a file, $HOIST_SSE_C_KEY, the keyring).
"""

import base64
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from urllib.parse import urlencode

from hoist.core.remote.content_types import guess_content_type

SSE_CHOICES = ("AES256", "aws:kms")
ACLS = ("private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
        "bucket-owner-read", "bucket-owner-full-control")
CHECKSUMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
STORAGE_CLASSES = ("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
                   "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS",
                   "SNOW", "EXPRESS_ONEZONE")
MAX_TAGS = 10
SOURCE_MTIME = "mtime"       # metadata: the uploaded file's mtime, in seconds (rclone's name)
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")     # an HTTP header name's characters


class SettingError(ValueError):
    """A setting S3 would refuse, said before anything is sent."""


@dataclass(frozen=True)
class ObjectSettings:
    """Everything CreateMultipartUpload (or PutObject) fixes about an object.

    ``content_type`` "" with ``guess_mime_type`` on: from the file's name when the task
    is made (:meth:`for_file`); with it off, none is sent. ``checksum_algorithm`` "" is the
    default, which a store that refuses checksums may go without; a chosen one may not.
    ``metadata`` and ``tags`` are never changed in place.
    """

    content_type: str = ""
    guess_mime_type: bool = True
    cache_control: str = ""
    content_disposition: str = ""
    content_encoding: str = ""
    content_language: str = ""
    metadata: dict = field(default_factory=dict, hash=False)
    tags: dict = field(default_factory=dict, hash=False)
    storage_class: str = ""
    sse: str = ""                   # "", "AES256" or "aws:kms"
    sse_kms_key_id: str = ""
    bucket_key_enabled: bool = False
    sse_c_key_md5: str = ""         # base64 MD5 of the SSE-C key; the key is never kept
    acl: str = ""
    checksum_algorithm: str = ""

    def for_file(self, name: str) -> "ObjectSettings":
        """These settings for the file ``name``: a guessed Content-Type made definite."""
        if self.content_type or not self.guess_mime_type:
            return self
        return replace(self, content_type=guess_content_type(name))

    def check(self) -> "ObjectSettings":
        """Itself, or SettingError saying which setting S3 would refuse and why."""
        for name, value in self.metadata.items():
            if not _TOKEN.match(name):
                raise SettingError(f"metadata name {name!r}: use letters, digits and - _ . only")
            if not value.isascii() or not value.isprintable():
                raise SettingError(f"metadata {name}={value!r}: S3 keeps only printable ASCII "
                                   "in metadata values")
        if len(self.tags) > MAX_TAGS:
            raise SettingError(f"{len(self.tags)} tags: S3 allows at most {MAX_TAGS} an object")
        for name, value in self.tags.items():
            if not 0 < len(name) <= 128 or len(value) > 256:
                raise SettingError(f"tag {name!r}: names are 1–128 characters, values up to 256")
        if self.sse and self.sse not in SSE_CHOICES:
            raise SettingError(f"--sse {self.sse!r}: choose AES256 or aws:kms")
        if self.sse_kms_key_id and self.sse != "aws:kms":
            raise SettingError("--sse-kms-key-id needs --sse aws:kms")
        if self.bucket_key_enabled and self.sse != "aws:kms":
            raise SettingError("--bucket-key needs --sse aws:kms")
        if self.sse_c_key_md5 and self.sse:
            raise SettingError("--sse-c-key-file and --sse are two kinds of encryption: "
                               "choose one")
        if self.acl and self.acl not in ACLS:
            raise SettingError(f"--acl {self.acl!r}: choose one of {', '.join(ACLS)}")
        if self.checksum_algorithm and self.checksum_algorithm not in CHECKSUMS:
            raise SettingError(f"--checksum-algorithm {self.checksum_algorithm!r}: choose one "
                               f"of {', '.join(CHECKSUMS)}")
        if self.storage_class and not re.fullmatch(r"[A-Z0-9_]+", self.storage_class):
            raise SettingError(f"--storage-class {self.storage_class!r}: e.g. STANDARD_IA, "
                               "INTELLIGENT_TIERING, GLACIER_IR")
        return self

    def create_params(self) -> dict:
        """The parameters these settings add to CreateMultipartUpload and PutObject (the
        checksum algorithm and an SSE-C key are the caller's: they go per request)."""
        params = {"ContentType": self.content_type, "CacheControl": self.cache_control,
                  "ContentDisposition": self.content_disposition,
                  "ContentEncoding": self.content_encoding,
                  "ContentLanguage": self.content_language, "StorageClass": self.storage_class,
                  "ServerSideEncryption": self.sse, "SSEKMSKeyId": self.sse_kms_key_id,
                  "ACL": self.acl}
        params = {name: value for name, value in params.items() if value}
        if self.metadata:
            params["Metadata"] = dict(self.metadata)
        if self.tags:
            params["Tagging"] = urlencode(self.tags)
        if self.bucket_key_enabled:
            params["BucketKeyEnabled"] = True
        return params

    def with_source_mtime(self, mtime_ns: int) -> "ObjectSettings":
        """These settings as sent: the file's mtime joins the metadata as ``mtime`` (seconds,
        as rclone keeps it), so that `hoist download` (and rclone) give the file its time
        back. A user's own ``mtime`` wins. It is not part of the task's settings: a resumed
        upload's object was made with it already, and a changed file starts over."""
        if any(name.lower() == SOURCE_MTIME for name in self.metadata):
            return self
        seconds, ns = divmod(abs(mtime_ns), 10**9)        # exact: a float would round the ns
        sign = "-" if mtime_ns < 0 else ""
        return replace(self, metadata={**self.metadata, SOURCE_MTIME: f"{sign}{seconds}.{ns:09d}"})

    def to_json(self) -> str:
        """Compact, keys in order, defaults left out: tasks with the same settings share
        one string in memory (the store's rows are interned)."""
        default = ObjectSettings()
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)
                           if getattr(self, f.name) != getattr(default, f.name)},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> "ObjectSettings":
        """The settings a task was made with; a row from before they were kept has none
        (NULL), and gets the defaults, which are what Hoist has always done."""
        return _parsed(cls, text) if text else cls()

    def as_dict(self) -> dict:
        """For `hoist list --json`: every field; the SSE-C key's MD5, never the key."""
        return asdict(self)

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) for each setting that is not the default, for people."""
        lines = [("Content-Type", self.content_type or
                  ("(guessed from the name)" if self.guess_mime_type else "(none)"))]
        for label, value in (("Cache-Control", self.cache_control),
                             ("Content-Disposition", self.content_disposition),
                             ("Content-Encoding", self.content_encoding),
                             ("Content-Language", self.content_language),
                             ("Storage class", self.storage_class), ("ACL", self.acl),
                             ("Checksum", self.checksum_algorithm)):
            if value:
                lines.append((label, value))
        if self.metadata:
            lines.append(("Metadata", ", ".join(f"{k}={v}" for k, v in self.metadata.items())))
        if self.tags:
            lines.append(("Tags", ", ".join(f"{k}={v}" for k, v in self.tags.items())))
        if self.sse:
            kms = f", key {self.sse_kms_key_id}" if self.sse_kms_key_id else ""
            bucket_key = ", bucket key" if self.bucket_key_enabled else ""
            lines.append(("Encryption", f"{self.sse}{kms}{bucket_key}"))
        if self.sse_c_key_md5:
            lines.append(("Encryption", f"SSE-C, key MD5 {self.sse_c_key_md5}"))
        return lines


def parse_pairs(text: str, what: str = "metadata") -> dict:
    """``k=v[,k2=v2]`` (the AWS CLI's shorthand) as a dict; SettingError if malformed."""
    pairs = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SettingError(f"{what} {item!r}: write it as name=value[,name2=value2]")
        pairs[name.strip()] = value.strip()
    return pairs


def customer_key_name(md5: str) -> str:
    """Where an account's SSE-C key is kept in the keyring: SecretStore's key id slot."""
    return f"sse-c:{md5}"


class CustomerKey:
    """An SSE-C key: 32 bytes, held in memory for this run only. Its repr shows the MD5."""

    __slots__ = ("_key", "md5")

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise SettingError(f"an SSE-C key is 32 bytes (AES-256); this one is {len(key)}")
        self._key = key
        self.md5 = base64.b64encode(hashlib.md5(key).digest()).decode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "CustomerKey":
        """A key file's bytes: the 32 raw bytes, or their base64 (44 characters)."""
        if len(data) == 32:
            return cls(data)
        try:
            return cls(base64.b64decode(data.strip(), validate=True))
        except (ValueError, TypeError):
            raise SettingError("an SSE-C key is 32 raw bytes or their base64 "
                               "(e.g. `openssl rand 32 > key` or `openssl rand -base64 32`)"
                               ) from None

    def as_text(self) -> str:
        """The key as text, for the keyring (and nothing else)."""
        return base64.b64encode(self._key).decode()

    def params(self) -> dict:
        """The SSE-C parameters of every request on the object: base64 and MD5 given, so
        botocore sends them as they are (it would not encode a ListParts key itself)."""
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": self.as_text(),
                "SSECustomerKeyMD5": self.md5}

    def __repr__(self) -> str:
        return f"CustomerKey(md5={self.md5})"

    def __reduce__(self):
        raise TypeError("an SSE-C key is not pickled: it stays in the process that was given it")


@lru_cache(maxsize=64)
def _parsed(cls, text: str) -> ObjectSettings:
    """One ObjectSettings per distinct text (they are frozen): a folder's thousands of tasks
    share a few, and each file's upload reads its own."""
    data = json.loads(text)
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})
