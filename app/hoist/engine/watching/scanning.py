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


def walk(root: str, key_prefix: str, rules: Filters, found: list, counts: list) -> bool:
    """Every included regular file below ``root`` as (path, key, size, mtime_ns), appended to
    ``found``; ``counts`` [files, folders]. False if some folder could not be read."""
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
                found.append((entry.path, key_prefix + relative, st.st_size, st.st_mtime_ns))
    return complete


def scan(watch, root: str, rules: Filters, store) -> Scan:
    """Walk ``root`` and compare it with the store's record of what ``watch`` sent."""
    started = time.thread_time()
    found: list = []
    counts = [0, 0]
    result = Scan()
    result.complete = walk(root, watch.key_prefix, rules, found, counts)
    result.files, result.folders = counts
    sent = store.sent_states(watch.endpoint_url, watch.bucket, watch.key_prefix)
    live = store.live_keys(watch.bucket, watch.key_prefix)
    for path, key, size, mtime_ns in found:
        record = sent.pop(key, None)
        if key in live or (record is not None and record == (path, size, mtime_ns)):
            continue
        result.changed.append((path, key, size, mtime_ns))
    if result.complete:
        # what is left of the record was sent from files no longer here
        result.gone = [(key, path) for key, (path, _size, _mtime) in sent.items()
                       if key not in live and path.startswith(root.rstrip(os.sep) + os.sep)
                       and not os.path.lexists(path)]
    result.cpu_seconds = time.thread_time() - started
    return result
