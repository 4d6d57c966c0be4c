"""Keep long-lived rows and tasks out of the garbage collector's way: it would stall their thread.

CPython's cyclic collector walks every tracked object on a full collection.
With 100,000 rows (each a task, its record, its row and their containers:
about twenty objects) that walk takes a tenth of a second or more, and
whichever thread sets it off holds the GIL meanwhile: the window freezes.

* ``freeze_long_lived()`` moves every object alive now into a permanent
  generation that collections skip: called when a batch of long-lived objects
  has just been made (after start-up's restore, after each chunk of a drop).
  Reference counting still frees them when they go; only a reference cycle
  among them, broken later, would be kept, and tasks and rows form none.
* ``pause_collector()`` holds collections off while a drop lists and queues
  its files (hundreds of thousands of new objects, most of them kept): the
  collector would walk them again and again for nothing. It starts again, with
  the new rows frozen, when the last drop under way is queued.
"""

import gc

_paused = 0


def freeze_long_lived() -> None:
    gc.freeze()


def pause_collector() -> None:
    global _paused
    _paused += 1
    gc.disable()


def resume_collector() -> None:
    """Undo one pause_collector(); the last one freezes what was made and starts collecting."""
    global _paused
    _paused = max(0, _paused - 1)
    if not _paused:
        gc.freeze()
        gc.enable()

