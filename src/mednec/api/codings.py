"""Request bodies as they are sent: content codings (RFC 9110 §8.4) and a UTF-8 byte order mark.

- ``Content-Encoding: gzip`` (or ``x-gzip``) and ``deflate`` (zlib, or raw deflate as some clients send it) are
  decoded, in the reverse order of the header's list; ``identity`` is nothing. The decoded body is held to the
  same limit as a plain one: decompression stops one byte past it (a "gzip bomb" of a few kilobytes that
  would expand to gigabytes is a 413, and nothing more is inflated). Any other coding is a 415 with
  ``Accept-Encoding`` (RFC 9110 §15.5.16); a body that does not decode as its coding says (not gzip, cut
  short, bytes after the end) is a 400 naming ``Content-Encoding``.
- A JSON body that starts with a UTF-8 byte order mark has it removed (RFC 8259 §8.1: a parser MAY ignore it;
  Windows tools write one).
"""

from __future__ import annotations

import zlib

__all__ = ["ACCEPTED", "CodingError", "decode_body", "without_bom"]

#: the codings mednec decodes (the Accept-Encoding of a 415)
ACCEPTED = "gzip, deflate"
_GZIP = zlib.MAX_WBITS | 16
_BOM = b"\xef\xbb\xbf"


class CodingError(Exception):
    """A body mednec cannot decode: ``status`` 400, 413 or 415, and why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _inflate(body: bytes, wbits: int, limit: int, name: str) -> bytes:
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(body, limit + 1)
    except zlib.error:
        raise CodingError(400, f"the body is not {name} data, as Content-Encoding says") from None
    if len(out) > limit:
        raise CodingError(413, f"the request body is larger than {limit} bytes once decoded")
    if not d.eof:
        raise CodingError(400, f"the {name} data is cut short")
    if d.unused_data.strip(b"\x00"):
        raise CodingError(400, f"bytes follow the end of the {name} data")
    return out


def _decode_one(coding: str, body: bytes, limit: int) -> bytes:
    if coding in ("gzip", "x-gzip"):
        return _inflate(body, _GZIP, limit, "gzip")
    if coding == "deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, limit, "deflate")
        except CodingError as exc:
            if exc.status != 400:
                raise
            return _inflate(body, -zlib.MAX_WBITS, limit, "deflate")  # raw deflate, as some clients send it
    if coding == "identity":
        return body
    raise CodingError(415, f"the content coding {coding[:40]!r} is not supported; send {ACCEPTED} or none")


def decode_body(headers: list[tuple[bytes, bytes]], body: bytes, limit: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body with every content coding undone (``Content-Encoding`` removed,
    ``Content-Length`` the decoded length); unchanged when no coding was applied."""
    codings = [c.strip().lower() for k, v in headers if k.lower() == b"content-encoding"
               for c in v.decode("latin-1").split(",") if c.strip()]
    if not codings:
        return headers, body
    for coding in reversed(codings):
        body = _decode_one(coding, body, limit)
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-encoding", b"content-length")]
    return [*kept, (b"content-length", str(len(body)).encode())], body


def without_bom(headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The body without a leading UTF-8 byte order mark (and its Content-Length adjusted)."""
    if not body.startswith(_BOM):
        return headers, body
    body = body[len(_BOM):]
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(len(body)).encode())], body
