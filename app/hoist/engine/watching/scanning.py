"""A watched folder compared with what was sent: what to catch up, what is gone.

Run on a thread of its own at start-up, when a missing folder comes back, after
notices were lost, and every few minutes as a safety net. One walk of the tree (a
``stat`` a file), one query for the record of what was sent below the watch's keys
and one for the keys still being sent: a file whose size and mtime match its record
costs nothing more, and no request (the skip-unchanged rule of core/remote/unchanged.py,
its first, free step). Its CPU time sets how often the safety net runs
(engine/watching/folder.py).
"""

import logging
import os
import stat
import time
from dataclasses import dataclass, field

from hoist.core.local.filters import Filters

log = logging.getLogger("hoist.watch")


@dataclass
class Scan:
    """What a walk found: files to send (path, key, size, mtime_ns), keys whose file is gone,
    how many folders there are, whether every folder could be read, and what it cost."""

    changed: list = field(default_factory=list)
    gone: list = field(default_factory=list)          # (key, source path) sent, now missing
    files: int = 0
    folders: int = 0
    complete: bool = True
    cpu_seconds: float = 0.0


def walk(root: str, key_prefix: str, rules: Filters, take, counts: list) -> bool:
    """Call ``take(path, key, size, mtime_ns)`` for every included regular file below ``root``;
    ``counts`` becomes [files, folders]. False if some folder could not be read."""
    complete = True
    stack = [root]
    base = len(root.rstrip(os.sep)) + 1
    slash = os.sep == "/"
    while stack:
        folder = stack.pop()
        counts[1] += 1
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            log.warning("watch: cannot read %s (%s)", folder, error.strerror)
            complete = False
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                st = entry.stat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            relative = entry.path[base:] if slash else entry.path[base:].replace(os.sep, "/")
            counts[0] += 1
            if rules.included(relative):
                take(entry.path, key_prefix + relative, st.st_size, st.st_mtime_ns)
    return complete


def scan(watch, root: str, rules: Filters, store) -> Scan:
    """Walk ``root`` and compare it with the store's record of what ``watch`` sent.

    The record is held as digests (a hash of each key, of each path, size and mtime), not
    as text: 100,000 files sent cost ~10 MiB while the walk lasts, not ~80."""
    started = time.thread_time()
    result = Scan()
    sent = store.sent_digests(watch.endpoint_url, watch.bucket, watch.key_prefix)
    live = store.live_keys(watch.bucket, watch.key_prefix)
    changed = result.changed

    def take(path, key, size, mtime_ns):
        if sent.pop(hash(key), None) != hash((path, size, mtime_ns)) and key not in live:
            changed.append((path, key, size, mtime_ns))

    counts = [0, 0]
    result.complete = walk(root, watch.key_prefix, rules, take, counts)
    result.files, result.folders = counts
    if result.complete and sent and watch.delete:
        # what is left of the record was sent from files no longer here (or left out now)
        inside = root.rstrip(os.sep) + os.sep
        result.gone = [(key, path) for key, (path, _size, _mtime) in store.sent_states(
                           watch.endpoint_url, watch.bucket, watch.key_prefix).items()
                       if hash(key) in sent and key not in live and path.startswith(inside)
                       and not os.path.lexists(path)]
    result.cpu_seconds = time.thread_time() - started
    return result
