#!/usr/bin/env python3
"""A loopback TCP relay that adds a fixed one-way delay in each direction and counts client flights.

    latency_relay.py --target HOST:PORT --delay-ms 50 --stats FILE [--port-file FILE]

It listens on 127.0.0.1 (a free port, written to --port-file and to stdout), connects each client to
the target, and delays every chunk by --delay-ms in each direction without serializing: a reader
stamps each chunk as it arrives and queues it; a writer sends it when its time has come. A reply that
needs one round trip therefore costs 2 x delay, however many chunks are in flight.

Flights: the relay sees the conversation as a sequence of chunks in the order they arrive from either
side. Consecutive chunks from the same side form one burst. A client flight is a client burst that the
server answered (a server burst follows it): one round trip the client had to wait for. A last client
burst that nothing answers (a TLS close_notify, the FIN after QUIT) costs no waiting and is counted
separately as "trailing". SMTP is server-first, so every flight comes after the banner.

When a connection ends, one JSON line is appended to --stats:
    {"flights": 7, "trailing": 1, "client_chunks": 12, "server_chunks": 11, "seconds": 1.43}
"""
import argparse
import asyncio
import json
import os
import sys
import time


class Conversation:
    """The order of chunks from both sides, reduced to bursts."""

    def __init__(self):
        self.bursts = []  # "C" or "S", consecutive chunks from one side collapsed
        self.chunks = {"C": 0, "S": 0}
        self.start = time.monotonic()

    def saw(self, side):
        self.chunks[side] += 1
        if not self.bursts or self.bursts[-1] != side:
            self.bursts.append(side)

    def summary(self):
        answered = sum(1 for i, b in enumerate(self.bursts[:-1]) if b == "C" and self.bursts[i + 1] == "S")
        trailing = 1 if self.bursts and self.bursts[-1] == "C" else 0
        return {"flights": answered, "trailing": trailing, "client_chunks": self.chunks["C"],
                "server_chunks": self.chunks["S"], "seconds": round(time.monotonic() - self.start, 4)}


async def pump(reader, writer, delay, side, conversation):
    """Reads chunks as they come and writes each one delay seconds after it arrived."""
    queue = asyncio.Queue()

    async def read():
        while True:
            data = await reader.read(65536)
            if data:
                conversation.saw(side)
            await queue.put((time.monotonic() + delay, data))
            if not data:
                return

    async def write():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:  # the sender closed its side: pass the close on, on time
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(read(), write())


async def handle(client_reader, client_writer, args):
    host, port = args.target.rsplit(":", 1)
    conversation = Conversation()
    try:
        server_reader, server_writer = await asyncio.open_connection(host, int(port))
    except OSError:
        client_writer.close()
        return
    for w in (client_writer, server_writer):  # as a real network: no Nagle delay added by the relay
        sock = w.get_extra_info("socket")
        sock.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY
    try:
        await asyncio.gather(pump(client_reader, server_writer, args.delay, "C", conversation),
                             pump(server_reader, client_writer, args.delay, "S", conversation))
    except (ConnectionError, OSError):
        pass
    finally:
        for w in (client_writer, server_writer):
            w.close()
        with open(args.stats, "a") as out:
            out.write(json.dumps(conversation.summary()) + "\n")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="one-way delay per direction")
    parser.add_argument("--stats", required=True, help="file that gets one JSON line per connection")
    parser.add_argument("--port-file", help="file that gets the listening port")
    args = parser.parse_args()
    args.delay = args.delay_ms / 1000.0
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as out:
            out.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
