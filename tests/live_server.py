"""A real server for the attack tests: the app on uvicorn (with the options `mednec serve` uses) on a free loopback
port in a thread of this process, and raw-socket requests to it (tests/api/test_attack_connections.py,
tests/api/test_attack_slow_bodies.py)."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[int]:
    """Serve ``app`` until the block ends (then stop the server and dispose of the app's database); yields the port."""
    import uvicorn

    from mednec.api.server import uvicorn_options

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.db.dispose()


def raw(port: int, data: bytes, *, wait: float = 10.0, then: bytes = b"", pause: float = 0.0,
        half_close: bool = False) -> tuple[bytes, float]:
    """Send ``data`` (then ``then`` a byte at a time, ``pause`` s apart); the whole answer and how long it took
    (b"" when the server closed without one; b"TIMEOUT" when none came within ``wait`` s)."""
    c = socket.create_connection(("127.0.0.1", port))
    c.settimeout(wait)
    t0 = time.monotonic()
    out = b""
    try:
        c.sendall(data)
        for b in then:
            time.sleep(pause)
            if select.select([c], [], [], 0)[0]:
                break  # the server answered before the body was complete: read the answer
            c.sendall(bytes([b]))
        if half_close:
            c.shutdown(socket.SHUT_WR)
        while True:
            d = c.recv(65536)
            if not d:
                break
            out += d
    except TimeoutError:
        out = out or b"TIMEOUT"
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        c.close()
    return out, time.monotonic() - t0
