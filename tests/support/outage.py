"""A TCP relay on loopback that can drop off the network, come back, and break connections.

``down()`` closes the listening socket (new connections are refused, as when
a laptop loses Wi-Fi) and resets every open connection; ``up()`` listens again
on the same port. ``reset_share(p)`` makes a share ``p`` of request bodies
break mid-way with a TCP reset. Everything stays on 127.0.0.1 and every loop
ends on ``stop()``.
"""

import random
import socket
import struct
import threading


class OutageRelay:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1"):
        self.host = host
        self.upstream = (host, upstream_port)
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self.endpoint_url = f"http://{host}:{self.port}"
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = True
        self._reset_share = 0.0
        self._rng = random.Random(1234)
        self.resets = 0
        self._accepting = threading.Thread(target=self._accept_loop, args=(self._listener,),
                                           daemon=True)
        self._accepting.start()

    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        sock.listen(64)
        return sock

    def _accept_loop(self, listener: socket.socket) -> None:
        while self._running:
            try:
                client, _ = listener.accept()
            except OSError:
                return                                    # closed by down() or stop()
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, server))
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    def reset_share(self, share: float) -> None:
        """From now on, a share of PUT requests is cut with a TCP reset part-way through its body."""
        self._reset_share = share

    def _pipe(self, source: socket.socket, sink: socket.socket, upstream: bool = False) -> None:
        seen, cut_at = 0, None
        try:
            while True:
                data = source.recv(1 << 16)
                if not data:
                    break
                if upstream and data[:4] in (b"PUT ", b"POST", b"GET ", b"HEAD", b"DELE"):
                    seen = 0                              # a new request on this connection
                    cut = data.startswith(b"PUT ") and self._rng.random() < self._reset_share
                    cut_at = self._rng.randrange(64 << 10, 4 << 20) if cut else None
                if cut_at is not None and seen + len(data) > cut_at:
                    self.resets += 1
                    sink.sendall(data[: max(0, cut_at - seen)])
                    self._drop(source, reset=True)
                    self._drop(sink, reset=True)
                    return
                seen += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                self._drop(sock)

    def _drop(self, sock: socket.socket, reset: bool = False) -> None:
        with self._lock:
            self._conns.discard(sock)
        try:
            if reset:   # RST, not FIN: the peer sees the connection break
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass

    def down(self) -> None:
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            self._drop(sock, reset=True)

    def up(self) -> None:
        self._listener = self._listen(self.port)
        self._accepting = threading.Thread(target=self._accept_loop, args=(self._listener,),
                                           daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        self._running = False
        self.down()
