"""BucketBrowsing: the UploadManager's calls for the Bucket pane (list, delete, restore).

They block on the network, so the window asks them from a pool thread, and the
worker process answers them from a thread of its own (engine/hosting/worker.py,
THREADED): the engine's thread goes on sending parts meanwhile. They touch only
the clients, which are thread-safe, so they are safe on any thread. What they call is
imported on first use: the command line never browses.
"""

import logging

from hoist.core.remote.errors import S3Error

log = logging.getLogger("hoist.browsing")


class BucketBrowsing:
    """Mixin for UploadManager (which owns ``clients``)."""

    def list_folder(self, destination, prefix: str, token: str | None = None):
        """One page (1,000 entries at most) of the folder ``prefix`` (a listing.Page);
        raises S3Error."""
        from hoist.core.remote.browse.listing import list_page
        return list_page(self.clients.bucket(destination), prefix, token)

    def delete_objects(self, destination, keys):
        """Delete ``keys`` (a key ending "/": everything under it), 1,000 a request; a
        changes.Deleted."""
        from hoist.core.remote.browse.changes import delete_keys
        done = delete_keys(self.clients.bucket(destination), list(keys))
        log.info("deleted %d objects from s3://%s in %d requests; %d refused",
                 len(done.deleted), destination.bucket, done.requests, len(done.errors))
        return done

    def restore_objects(self, destination, keys, days: int, tier: str) -> dict[str, str]:
        """Ask for a restore of each archived key: key -> what happened, for people
        ("" never: a refusal is said as such, the others say what was requested)."""
        from hoist.core.remote.browse.changes import restore
        bucket = self.clients.bucket(destination)
        said = {}
        for key in keys:
            try:
                said[key] = restore(bucket, key, days, tier)
            except S3Error as error:
                said[key] = error.message
        log.info("restore of %d objects in s3://%s asked (%s, %d days)", len(said),
                 destination.bucket, tier, days)
        return said
