"""A shaping TCP proxy: a link with latency and a bandwidth cap, on loopback.

    python bench/shaper.py --target 127.0.0.1:8333 --rtt-ms 80 --up-mbit 20 --down-mbit 100

This stands in for ``tc netem`` where the kernel has no netem (as on our CI
machines). Every byte crossing the proxy goes through two shared bottlenecks,
one per direction, modelled the way a router's uplink behaves:

* **Serialization**: a direction books its wire one chunk at a time at its
  rate, first come first served across all connections, so parallel
  connections share the cap as they share a real uplink.
* **Propagation**: a chunk arrives ``rtt / 2`` after it finished sending, so a
  request and its answer cost one round trip on top of their bytes.
* **Buffering**: each connection holds at most about one bandwidth-delay
  product in the pipe plus a small router queue; beyond that its reader stops,
  so TCP's back-pressure reaches the sender as it would on a real link.

What it does not model: packet loss, TCP slow start and congestion windows
(the loopback legs have none of the path's latency), and jitter. Connection
set-up costs one round trip (the proxy connects upstream after ``rtt``).
It prints ``READY <port>`` once it listens, for the benchmark to read.
"""

import argparse
import asyncio
import socket

CHUNK = 16 * 1024                  # small enough to pace 20 Mbit/s smoothly
ROUTER_QUEUE = 256 * 1024          # bytes a connection may queue beyond the link's BDP


class Direction:
    """One direction of the link: a rate shared by all connections, and a one-way delay."""

    def __init__(self, mbit: float, one_way_s: float):
        self.bytes_per_s = mbit * 1_000_000 / 8
        self.delay = one_way_s
        self._next_free = 0.0          # loop time at which the wire is free again

    def pipe_chunks(self) -> int:
        """Chunks one connection may have between its reader and its writer."""
        bdp = self.bytes_per_s * self.delay * 2
        return max(4, int((bdp + ROUTER_QUEUE) // CHUNK) + 1)

    def transmit(self, n: int) -> float:
        """Book the wire for ``n`` bytes; returns the loop time at which they arrive.

        The reader does not sleep here: a sleep per chunk oversleeps by a loop
        tick, and a lone connection would lose that much of the rate on every
        chunk. The booking is exact; the writer waits for the arrival time.
        """
        start = max(asyncio.get_running_loop().time(), self._next_free)
        self._next_free = start + n / self.bytes_per_s
        return self._next_free + self.delay


async def _pump(reader, writer, direction: Direction) -> None:
    """Copy one direction of a connection through the link model."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=direction.pipe_chunks())
    loop = asyncio.get_running_loop()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    delivery = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                await queue.put((loop.time() + direction.delay, None))
                break
            await queue.put((direction.transmit(len(data)), data))
        await delivery
    except (ConnectionError, asyncio.CancelledError):
        delivery.cancel()
        raise


class Shaper:
    def __init__(self, target: tuple[str, int], rtt_s: float, up_mbit: float, down_mbit: float):
        self.target = target
        self.rtt = rtt_s
        self.up = Direction(up_mbit, rtt_s / 2)
        self.down = Direction(down_mbit, rtt_s / 2)

    async def handle(self, client_reader, client_writer) -> None:
        await asyncio.sleep(self.rtt)            # the handshake crosses the link
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        for w in (client_writer, server_writer):
            w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pumps = [asyncio.create_task(_pump(client_reader, server_writer, self.up)),
                 asyncio.create_task(_pump(server_reader, client_writer, self.down))]
        try:
            await asyncio.gather(*pumps)
        except (ConnectionError, OSError):
            pass
        finally:
            for task in pumps:
                task.cancel()
            for w in (client_writer, server_writer):
                w.close()

    async def serve(self, port: int = 0) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", port, backlog=512)
        print("READY", server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, help="host:port of the server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("--up-mbit", type=float, required=True)
    parser.add_argument("--down-mbit", type=float, required=True)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    shaper = Shaper((host, int(port)), args.rtt_ms / 1000, args.up_mbit, args.down_mbit)
    try:
        asyncio.run(shaper.serve(args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
