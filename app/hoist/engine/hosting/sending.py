"""Writing to the engine's process from any thread, and the calls asked from a thread.

A drop's intake checks which files are on the server already from a pool thread
(ui/intake.py): asked there, its 100,000 paths are pickled there, not on the GUI
thread. The GUI thread goes on reading the socket as always; an answer that a
thread waits for is handed to it as it is read, not queued behind the event loop.
"""

import threading

from hoist.engine.hosting.wire import EngineGone, encode

ASK_TIMEOUT = 600.0       # seconds a thread waits for an answer: a listing of a million keys


class ThreadSafeSending:
    """Mixin for ProcessManager (which owns ``_sock`` and ``_ids``): ``_send`` from any
    thread, ``check_sources`` and the Bucket pane's calls from any thread."""

    def _start_sending(self) -> None:
        self._send_lock = threading.Lock()      # one message at a time on the socket
        self._waiters: dict[int, list] = {}     # call id -> [Event, (ok, result)]

    def _send(self, message) -> None:
        data = encode(message)                  # on the caller's thread
        try:
            with self._send_lock:
                self._sock.sendall(data)
        except OSError as error:
            raise EngineGone(f"the engine process is gone ({error.strerror})") from None

    def check_sources(self, sources, destination, checksum: bool = False) -> dict[str, str]:
        """UploadManager.check_sources, in the engine's process; raises EngineGone."""
        if threading.current_thread() is threading.main_thread():
            return self._call("check_sources", sources, destination, checksum)
        sources = [(str(path), key, size) for path, key, size in sources]
        return self._ask_from_thread("check_sources", sources, destination, checksum)

    def _ask(self, name: str, *args):
        """EngineProxy's blocking calls (the Bucket pane's) from any thread."""
        if threading.current_thread() is threading.main_thread():
            return self._call(name, *args)
        return self._ask_from_thread(name, *args)

    def _ask_from_thread(self, name: str, *args):
        """A call from a thread other than this object's: wait for the GUI thread to read
        its answer."""
        if self._stopped:
            raise EngineGone("the upload engine is not running")
        number = next(self._ids)
        slot = self._waiters[number] = [threading.Event(), None]
        try:
            self._send(("call", number, name, args, {}))
            if not slot[0].wait(ASK_TIMEOUT):
                raise EngineGone(f"the engine did not answer in {ASK_TIMEOUT:.0f} s")
        finally:
            self._waiters.pop(number, None)
        ok, result = slot[1]
        if not ok:
            raise result
        return result

    def _answered(self, number: int, ok: bool, result) -> bool:
        """Hand an answer to the thread that waits for it; False if no thread does."""
        slot = self._waiters.get(number)
        if slot is None:
            return False
        slot[1] = (ok, result)
        slot[0].set()
        return True

    def _release_waiters(self, why: str) -> None:
        """The engine is gone: no waiting thread will hear from it."""
        for slot in list(self._waiters.values()):
            slot[1] = (False, EngineGone(why))
            slot[0].set()
