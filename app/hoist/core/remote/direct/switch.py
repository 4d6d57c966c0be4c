"""Whether the direct path is on, which requests take it, and a client's direct path.

Light on purpose (no botocore): :mod:`hoist.core.remote.s3` imports it, and botocore's
request machinery is imported only with the first client (:mod:`.sending`).
"""

import os

DIRECT_OPERATIONS = frozenset({"PutObject", "UploadPart"})
ATTRIBUTE = "_hoist_direct"         # a client's DirectRequests, in the client's own __dict__


def direct_enabled() -> bool:
    """Is the direct path on? Yes, unless $HOIST_DIRECT is 0, false, no or off (benches
    compare the two paths; a store that misbehaves on it can be sent through botocore)."""
    return os.environ.get("HOIST_DIRECT", "1").strip().lower() not in ("0", "false", "no", "off")


def direct_requests(client):
    """The DirectRequests attached to ``client``, or None."""
    return vars(client).get(ATTRIBUTE)    # not getattr: botocore's __getattr__ emits an event
