"""The row's status text: honest counts of finished and in-flight parts."""

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.engine.info import status_text

UP = TaskState.UPLOADING


@pytest.mark.parametrize("done, in_flight, text", [
    (3, 2, "Uploading parts 4–5 of 8"),
    (3, 1, "Uploading part 4 of 8"),
    (0, 4, "Uploading parts 1–4 of 8"),
    (7, 3, "Uploading part 8 of 8"),          # never past the last part
    (5, 0, "Uploading · 5 of 8 parts done"),  # between parts: nothing claimed in flight
])
def test_uploading_counts_finished_parts_and_says_how_many_are_in_flight(done, in_flight, text):
    assert status_text(UP, done, 8, "", "", in_flight) == text


def test_a_transient_message_wins_and_a_notice_is_kept_beside_the_state():
    assert status_text(UP, 1, 8, "Waiting for network — next try in 8 s", "", 2).startswith("Waiting")
    assert (status_text(UP, 1, 8, "", "Adopted the incomplete upload", 1)
            == "Uploading part 2 of 8 · Adopted the incomplete upload")
    assert status_text(TaskState.QUEUED, 0, 0, "", "") == "Waiting for a free slot"
    assert status_text(TaskState.COMPLETED, 8, 8, "", "Completed in 3 s · verified") == \
        "Completed in 3 s · verified"
