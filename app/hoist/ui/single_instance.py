"""One window per data directory: a second `hoist FILE...` hands its paths to the first and exits.

The first instance listens on a QLocalServer whose name is derived from the
data directory (and the user), so two data directories are two instances.
A message is one line of JSON: ``{"paths": [absolute paths]}``, or from `hoist watch`,
``{"watches": [the fields of each Watch]}``; the answer is ``ok``.
"""

import getpass
import hashlib
import json
import logging
import os
from dataclasses import asdict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from hoist.core.checkpoint.watches import Watch

log = logging.getLogger("hoist.ui.instance")

TIMEOUT_MS = 1500
MAX_MESSAGE = 4 * 1024 * 1024


def server_name(directory: Path) -> str:
    """A short name (Unix socket paths are limited to ~100 bytes) unique to user and directory."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 -- no user name in some containers
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    digest = hashlib.sha256(f"{user}\0{Path(directory).resolve()}".encode()).hexdigest()[:20]
    return f"hoist-{digest}"


def hand_off(directory: Path, paths: list[str]) -> bool:
    """Give ``paths`` to a running instance; True if one took them (then this one should exit)."""
    return _send(directory, {"paths": [os.path.abspath(p) for p in paths]})


def hand_watches_to_window(directory: Path, watches) -> bool:
    """Give `hoist watch`'s watches to a window open on ``directory``; True if it took them."""
    return _send(directory, {"watches": [asdict(w) for w in watches]})


def _send(directory: Path, content: dict) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(server_name(directory))
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    message = json.dumps(content).encode() + b"\n"
    socket.write(message)
    socket.flush()
    ok = socket.waitForBytesWritten(TIMEOUT_MS) or socket.bytesToWrite() == 0
    reply = b""
    while ok and b"\n" not in reply and socket.waitForReadyRead(TIMEOUT_MS):
        reply += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return reply.strip() == b"ok"


class InstanceServer(QObject):
    """Listens for later launches; emits ``paths_received`` with the paths they were given."""

    paths_received = Signal(list)
    watches_received = Signal(list)      # [Watch] from `hoist watch`

    def __init__(self, directory: Path, parent=None):
        super().__init__(parent)
        self.name = server_name(directory)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        # A crashed instance leaves its socket file behind; nobody answers on it (hand_off failed).
        QLocalServer.removeServer(self.name)
        if not self.server.listen(self.name):
            log.warning("single-instance server: %s", self.server.errorString())
            return False
        return True

    def close(self) -> None:
        self.server.close()

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _on_ready(self, socket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if len(data) > MAX_MESSAGE:
            socket.abort()
            return
        self._buffers[socket] = data
        if b"\n" not in data:
            return
        try:
            content = json.loads(data.split(b"\n", 1)[0])
            if "watches" in content:
                watches = [Watch(**{**fields, "rules": tuple(map(tuple, fields["rules"]))})
                           for fields in content["watches"]]
            else:
                paths = [str(p) for p in content["paths"]]
        except (ValueError, KeyError, TypeError):
            log.warning("single-instance server: ignored a malformed message")
            socket.abort()
            return
        socket.write(b"ok\n")
        socket.flush()
        if "watches" in content:
            self.watches_received.emit(watches)
        else:
            self.paths_received.emit(paths)
