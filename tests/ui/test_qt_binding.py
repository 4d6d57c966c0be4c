"""The Qt binding itself: a defect here crashes the window after minutes of uploads.

PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a
new reference, so every emit whose result is dropped steals one reference to
``True``. On Python 3.11, where ``True`` is not immortal, the count reaches
zero after some thousands of emits (a few per second while uploading) and the
interpreter aborts with "bool_dealloc: deallocating True or False". 6.11.3 is
fine. This test fails on a binding with the defect, before a user finds it.
"""

import sys

from PySide6.QtCore import QObject, Signal


class Source(QObject):
    fired = Signal()


def test_signal_emit_does_not_steal_a_reference_to_true(qapp):
    source = Source()
    source.fired.connect(lambda: None)
    before = sys.getrefcount(True)
    for _ in range(200):
        source.fired.emit()
    assert sys.getrefcount(True) >= before - 10, (
        "every Signal.emit() drops a reference to True: this PySide6 build crashes long "
        "uploads (pin PySide6-Essentials to a version without the defect, e.g. 6.11.3)")
