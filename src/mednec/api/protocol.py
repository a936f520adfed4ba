"""uvicorn's httptools protocol with the request head bounded (what `mednec serve` runs).

uvicorn reads a request's line and headers with no bound on their size (httptools buffers a
header of any length, and any number of them) and no time limit before the first response (a
client sending a header byte every few seconds holds the connection forever: "slowloris").
:class:`BoundedHttpTools` keeps httptools' speed and adds both bounds:

- at most :data:`HEAD_BYTES` bytes of request line and headers: past that, 431 and the
  connection is closed (the guard, :mod:`mednec.api.guard`, also refuses more than 100 headers or
  32 KiB of them, whatever server is in front);
- the head must be complete within :data:`HEAD_TIMEOUT` seconds of the connection opening or of
  the previous response: else 408 and the connection is closed.

The body has its own deadline and size limit in the guard.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["HEAD_BYTES", "HEAD_TIMEOUT", "BoundedHttpTools"]

HEAD_BYTES = 64 * 1024
HEAD_TIMEOUT = 20.0


def _answer(status: int, reason: str) -> bytes:
    body = f'{{"status": {status}, "title": "{reason}", "code": "bad_request_head"}}'.encode()
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


class BoundedHttpTools(HttpToolsProtocol):
    """httptools with a bounded request head (size and time; see the module doc)."""

    head_bytes = HEAD_BYTES
    head_timeout = HEAD_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_read = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_read += len(data)
        super().data_received(data)
        if self._in_head and self._head_read > self.head_bytes and not self.transport.is_closing():
            self._refuse(431, "Request Header Fields Too Large")

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_head()  # the next request on this connection

    def _start_head(self) -> None:
        self._in_head, self._head_read = True, 0
        self._stop_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _stop_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self._refuse(408, "Request Timeout")

    def _refuse(self, status: int, reason: str) -> None:
        self._stop_timer()
        self.transport.write(_answer(status, reason))
        self.transport.close()
