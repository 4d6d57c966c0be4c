"""Which object setting a store refused, and what to do about it: said once, never dropped.

A store that will not keep a setting (tags, a storage class, an ACL on a bucket whose
ACLs are disabled, SSE-C on a bucket that blocks it) fails the upload with a message
naming the setting and the remedy. Retrying cannot help, so the error is FATAL: the
row says it once, instead of ten retries saying "AccessDenied".
"""

from hoist.core.remote.errors import ErrorKind, S3Error, endpoint_label
from hoist.core.remote.objects import ObjectSettings

# requests that carry (or finish) what an object looks like
WRITES = ("CreateMultipartUpload", "PutObject", "UploadPart", "CompleteMultipartUpload")

# words of a refusal's message (the header a store names, mostly) -> the setting they mean
_WORDS = (("tagging", "tags"), ("x-amz-tag", "tags"), (" tag", "tags"),
          ("storage-class", "storage_class"), ("storage class", "storage_class"),
          ("storageclass", "storage_class"), ("x-amz-acl", "acl"), ("acl", "acl"),
          ("customer", "sse_c"), ("sse-c", "sse_c"), ("kms", "sse"),
          ("server-side-encryption", "sse"), ("x-amz-meta", "metadata"),
          ("metadata", "metadata"))

_FLAGS = {"tags": "--tag", "storage_class": "--storage-class", "acl": "--acl",
          "sse_c": "--sse-c-key-file", "sse": "--sse", "metadata": "--metadata"}


def _asked(settings: ObjectSettings, setting: str) -> bool:
    if setting == "sse_c":
        return bool(settings.sse_c_key_md5)
    return bool(getattr(settings, setting))


def setting_refusal(error: S3Error, server_message: str, operation: str,
                    settings: ObjectSettings | None, bucket: str,
                    endpoint_url: str | None) -> S3Error | None:
    """The refusal of one of ``settings`` that ``error`` (classified; the store's own words
    in ``server_message``) is, said for people; None if it is not one, or the setting was
    not asked for."""
    if settings is None or operation not in WRITES or error.kind is ErrorKind.NETWORK:
        return None
    where = endpoint_label(endpoint_url)
    code, text = error.code, f"{server_message} {error.message}".lower()
    setting = None
    if code == "InvalidStorageClass":
        setting = "storage_class"
    elif code == "AccessControlListNotSupported":
        setting = "acl"
    elif code in ("InvalidTag", "TooManyTags"):
        setting = "tags"
    elif code in ("NotImplemented", "InvalidArgument", "InvalidRequest", "BadRequest",
                  "MethodNotAllowed", "501", "400"):
        setting = next((s for word, s in _WORDS if word in text and _asked(settings, s)), None)
    elif code == "AccessDenied" and operation in ("CreateMultipartUpload", "PutObject"):
        return _denied(error, settings, bucket)
    if setting is None or not _asked(settings, setting):
        return None
    return S3Error(ErrorKind.FATAL, f"Refused:{setting}", _MESSAGES[setting](
        settings, bucket, where, code))


def _denied(error: S3Error, settings: ObjectSettings, bucket: str) -> S3Error | None:
    """AccessDenied to a write: a blocked SSE-C, or tags without s3:PutObjectTagging, look
    exactly like a narrow policy; say which settings could be the cause."""
    causes = []
    if settings.sse_c_key_md5:
        causes.append(f"bucket {bucket} may block SSE-C (its default encryption's "
                      "BlockedEncryptionTypes, on by default for new AWS buckets): unblock "
                      "SSE-C there, or upload without --sse-c-key-file")
    if settings.tags:
        causes.append("tags need the s3:PutObjectTagging permission as well as s3:PutObject: "
                      "grant it, or upload without --tag")
    if settings.sse == "aws:kms":
        causes.append("SSE-KMS needs kms:GenerateDataKey on the key: grant it, or choose "
                      "--sse AES256")
    if settings.acl:
        causes.append("--acl needs the s3:PutObjectAcl permission: grant it, or leave --acl out")
    if not causes:
        return None
    return S3Error(ErrorKind.FATAL, "AccessDenied",
                   f"{error.message.rstrip('.')}. The object's settings may be why: "
                   + "; or ".join(causes) + ".")


_MESSAGES = {
    "storage_class": lambda s, bucket, where, code: (
        f"{where} does not offer storage class {s.storage_class} ({code}): choose one it "
        "offers (STANDARD is everywhere), or leave --storage-class out."),
    "acl": lambda s, bucket, where, code: (
        f"Bucket {bucket} does not accept ACLs ({code}: its Object Ownership is \"bucket "
        f"owner enforced\"), so --acl {s.acl} cannot be set: leave --acl out and grant access "
        "with a bucket policy, or enable ACLs on the bucket."),
    "tags": lambda s, bucket, where, code: (
        f"{where} does not accept these object tags ({code}): S3 allows up to 10, names up to "
        "128 characters and values up to 256; some stores keep no tags at all. Change --tag, "
        "or leave it out."),
    "sse_c": lambda s, bucket, where, code: (
        f"{where} refused the customer-provided encryption key (SSE-C, {code}): S3 takes SSE-C "
        "over HTTPS only, and a bucket may block it; use an https:// endpoint or unblock "
        "SSE-C, or upload without --sse-c-key-file."),
    "sse": lambda s, bucket, where, code: (
        f"{where} refused server-side encryption {s.sse} ({code}): choose --sse AES256 (or the "
        "store's own default, by leaving --sse out), or check the KMS key."),
    "metadata": lambda s, bucket, where, code: (
        f"{where} refused the object's metadata ({code}): keep names to letters, digits and "
        "hyphens, values to printable ASCII, all of it under 2 KB; or leave --metadata out."),
}
