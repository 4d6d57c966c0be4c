"""RangeCommits: ranges written meanwhile share one fdatasync and one commit; none counts as
done before its sync, and a failed sync fails every range of its round."""

import os
import threading
import time

import pytest

from hoist.engine.download.commits import RangeCommits


def _committing(commits, numbers, fd):
    errors = {}

    def run(n):
        try:
            commits.commit(fd, n)
        except Exception as error:      # noqa: BLE001 -- what each caller got
            errors[n] = error
    threads = [threading.Thread(target=run, args=(n,)) for n in numbers]
    return threads, errors


def test_ranges_written_during_a_sync_share_the_next_one(tmp_path):
    fd = os.open(tmp_path / "f", os.O_RDWR | os.O_CREAT)
    marked, synced = [], []
    first_sync = threading.Event()

    def sync(descriptor):
        synced.append(list(marked))
        if len(synced) == 1:            # the first round waits until the other seven wait
            first_sync.set()
            while len(commits._written) < 7:
                time.sleep(0.005)
        os.fsync(descriptor)

    commits = RangeCommits(sync, lambda numbers: marked.append(sorted(numbers)))
    leader, _ = _committing(commits, [1], fd)
    leader[0].start()
    assert first_sync.wait(10)
    rest, errors = _committing(commits, range(2, 9), fd)
    for thread in rest:
        thread.start()
    for thread in leader + rest:
        thread.join(10)
    os.close(fd)
    assert not errors
    assert marked == [[1], list(range(2, 9))]      # two syncs, two commits, for eight ranges
    assert commits.rounds == 2
    assert synced == [[], [[1]]]                   # each range marked only after its sync


def test_a_failed_sync_marks_nothing_and_fails_its_round(tmp_path):
    def sync(_fd):
        raise OSError(28, "No space left on device")

    marked = []
    commits = RangeCommits(sync, marked.append)
    with pytest.raises(OSError):
        commits.commit(0, 1)
    assert marked == []


def test_after_a_failed_sync_no_range_of_that_run_counts_as_done(tmp_path):
    """Linux reports a failed writeback once: a later fdatasync through another descriptor says
    0 though the bytes written before the failure are lost. No later round may vouch for them."""
    results = iter([OSError(5, "Input/output error")])

    def sync(_fd):                       # fails once, then "succeeds", as the kernel does
        error = next(results, None)
        if error:
            raise error

    marked = []
    commits = RangeCommits(sync, marked.extend)
    with pytest.raises(OSError):
        commits.commit(0, 1)
    with pytest.raises(OSError):
        commits.commit(0, 2)             # written before the failure, committed after it
    assert marked == []
    commits.reset()                      # a new run (prepare): the ranges are written again
    commits.commit(0, 3)
    assert marked == [3]
