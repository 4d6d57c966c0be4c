"""Changing a bucket from the Bucket pane: deleting keys in batches, restoring archived objects.

Deletes go 1,000 keys a DeleteObjects request (S3's limit); a key ending "/"
stands for every object under it. Each key's own refusal is kept and said.
A restore's refusals become what a person can act on: an object that needs no
restore, a restore already under way.
"""

from dataclasses import dataclass, field

from hoist.core.remote.browse.listing import DENIED, PAGE, expand
from hoist.core.remote.errors import ErrorKind, S3Error

TIERS = ("Standard", "Bulk", "Expedited")


@dataclass
class Deleted:
    """What a delete did: the keys gone, and each refused key's reason."""

    deleted: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    requests: int = 0


def delete_keys(bucket, keys, batch: int = PAGE) -> Deleted:
    """Delete ``keys`` (a key ending "/" means everything under it) in DeleteObjects requests
    of ``batch`` keys; each key's refusal is kept in ``errors``. Raises S3Error only when a
    whole request fails (after the batches before it were deleted)."""
    keys = [entry.key for entry in expand(bucket, keys)]
    done = Deleted()
    for start in range(0, len(keys), batch):
        chunk = keys[start:start + batch]
        reply = bucket.request("DeleteObjects", None,
                               Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": False})
        done.requests += 1
        done.deleted += [item["Key"] for item in reply.get("Deleted", [])]
        for item in reply.get("Errors", []):
            done.errors[item.get("Key", "")] = _delete_refusal(bucket.name, item)
    return done


def _delete_refusal(bucket_name: str, item: dict) -> str:
    code = item.get("Code", "")
    if code in DENIED:
        return (f"not deleted: this account may not delete in bucket {bucket_name} "
                "(s3:DeleteObject)")
    return f"not deleted: {item.get('Message') or code} ({code})"


def restore(bucket, key: str, days: int, tier: str = "Standard") -> str:
    """Ask S3 to restore an archived object for ``days`` days at ``tier``; what it answered,
    for people. Raises S3Error with a clear message (not archived, restore under way)."""
    if tier not in TIERS:
        raise ValueError(f"not a restore tier: {tier!r} (one of {', '.join(TIERS)})")
    try:
        reply = bucket.request("RestoreObject", key, Key=key, RestoreRequest={
            "Days": int(days), "GlacierJobParameters": {"Tier": tier}})
    except S3Error as error:
        if error.code == "InvalidObjectState":
            raise S3Error(ErrorKind.FATAL, error.code,
                          f"s3://{bucket.name}/{key} is not in an archive class (GLACIER or "
                          "DEEP_ARCHIVE): it can be downloaded as it is, no restore "
                          "needed.") from None
        if error.code == "RestoreAlreadyInProgress":
            raise S3Error(ErrorKind.FATAL, error.code,
                          f"A restore of s3://{bucket.name}/{key} is already under way: wait "
                          "for it (hours for Standard and Bulk), then download.") from None
        if error.code in DENIED:
            raise S3Error(ErrorKind.FATAL, "AccessDenied",
                          f"This account may not restore objects in bucket {bucket.name} "
                          "(s3:RestoreObject).") from None
        raise
    status = reply.get("ResponseMetadata", {}).get("HTTPStatusCode", 202)
    if status == 200:           # restored already: the copy's stay is extended
        return f"{key}: already restored; its copy now stays {days} days"
    return f"{key}: restore requested ({tier}, {days} days)"
