"""Share links: a presigned GET URL for one object, and how long it can really work.

Presigning is local computation once the credentials are resolved; resolving
them may block (a profile's role, SSO, a metadata server), so callers run this
off any GUI thread. A link lives at most 7 days (SigV4's limit) and never past
the expiry of the credentials that signed it, when they have one; a link signed
with temporary credentials (a session token) dies with them, whatever its
expiry says. The URL is a bearer secret: it is returned, never logged.
"""

import datetime
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from hoist.core.local.units import format_duration
from hoist.core.remote.errors import ErrorKind, S3Error, classify

MAX_SECONDS = 7 * 86_400        # SigV4 presigned URLs: at most a week


@dataclass(frozen=True)
class ShareLink:
    url: str
    seconds: int          # how long the link works
    cut: str              # why that is shorter than asked ("" if it is not)
    temporary: bool       # signed with a session token: it dies with the credentials

    def notes(self) -> list[str]:
        """What to tell the person sharing it, beside the URL."""
        notes = [f"Shortened to {format_duration(self.seconds)}: {self.cut}."] if self.cut else []
        if self.temporary:
            notes.append("Signed with temporary credentials (a session token): the link stops "
                         "working when they expire, whatever its own expiry.")
        return notes


def lifetime(asked: float, expiry: datetime.datetime | None,
             now: datetime.datetime) -> tuple[int, str]:
    """(seconds, why shortened or "") for a link asked to work ``asked`` seconds."""
    seconds, cut = int(asked), ""
    if seconds > MAX_SECONDS:
        seconds, cut = MAX_SECONDS, "S3 signs links for at most 7 days"
    if expiry is not None:
        left = int((expiry - now).total_seconds())
        if left < seconds:
            seconds = max(left, 1)
            cut = (f"the credentials that sign it expire at "
                   f"{expiry.astimezone():%Y-%m-%d %H:%M %Z}")
    return max(seconds, 1), cut


def share_link(bucket, key: str, asked: float, now: datetime.datetime | None = None) -> ShareLink:
    """A presigned GET URL of ``key`` in ``bucket`` (core.s3.Bucket); raises S3Error."""
    client = bucket.client()
    # botocore keeps the signing credentials privately; the expiry of refreshable ones
    # (assumed roles, SSO) is nowhere public either
    credentials = getattr(client, "_get_credentials", lambda: None)()
    if credentials is None:
        raise S3Error(ErrorKind.FATAL, "NoCredentials", "No AWS credentials were found to sign "
                      "the link: set a profile (--profile) or the AWS_* environment variables.")
    try:
        frozen = credentials.get_frozen_credentials()   # may refresh them: may block
    except (BotoCoreError, ClientError) as exc:         # an expired SSO session, say
        raise classify(exc, operation="presign", bucket=bucket.name, key=key,
                       profile=bucket.dest.profile, endpoint_url=bucket.dest.endpoint_url,
                       account=bucket.dest.account) from None
    expiry = getattr(credentials, "_expiry_time", None)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    seconds, cut = lifetime(asked, expiry, now)
    url = client.generate_presigned_url("get_object", ExpiresIn=seconds,
                                        Params={"Bucket": bucket.name, "Key": key})
    return ShareLink(url, seconds, cut, bool(frozen.token))
