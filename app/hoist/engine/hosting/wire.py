"""The socket between the window and its engine process: one pickle per message, length first.

Both ends are this program, started by the same user, over a socketpair the window
made for its own child: nothing else can write to it, so unpickling what arrives is
safe. Messages are tuples whose first item says what they are (see
:mod:`hoist.engine.hosting.worker` for the list). Nothing here logs a message's contents:
a secret key travels over this socket when the engine asks the window's keyring.
"""

import pickle
import struct

_HEADER = struct.Struct("!I")


class EngineGone(ConnectionError):
    """The other end of the socket closed (it exited, crashed or was killed)."""


def encode(message) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def portable_error(error: BaseException) -> BaseException:
    """``error`` if it survives a round trip through pickle, else a RuntimeError saying it."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(str(error) or type(error).__name__)


class Reader:
    """Cuts a byte stream into messages: ``feed`` what arrived, get the complete ones back."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list:
        self._buffer += data
        messages = []
        while len(self._buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self._buffer)
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            messages.append(pickle.loads(self._buffer[_HEADER.size:end]))
            del self._buffer[:end]
        return messages


def read_message(sock, reader: Reader, pending: list):
    """The next message from ``sock`` (blocking), keeping any that arrived with it in ``pending``."""
    while not pending:
        data = sock.recv(1 << 20)
        if not data:
            raise EngineGone("the other end closed the connection")
        pending.extend(reader.feed(data))
    return pending.pop(0)
