"""The edge of the service: one ASGI middleware in front of every route (API and web pages).

- **Body limit.** A request body larger than ``max_body`` bytes is refused with 413 and a
  problem document, whether it announces its length or is sent in chunks without one; nothing
  past the limit is read. The whole body must arrive within ``body_timeout`` seconds (one
  deadline, however it is dribbled): else 408. A body the client stopped sending (it
  disconnected before Content-Length bytes) is never handed to a route.
- **Header limit.** More than :data:`MAX_HEADERS` headers or more than :data:`MAX_HEADER_BYTES`
  bytes of them: 431, before anything reads them (the server in front bounds what it buffers:
  :func:`mednec.api.server.uvicorn_options`).
- **Hygiene.** The path, query string, header values and JSON bodies are checked by
  :mod:`mednec.hygiene`: a NUL, a lone surrogate or nesting deeper than ``MAX_DEPTH`` is a 422
  problem document naming the field, before any route (or the database) sees it. A JSON object
  naming one key twice with two values is a 400 naming the key (:class:`DuplicateKeyError`); so is a
  header that may be sent once (:data:`SINGLE_HEADERS`: Authorization, Content-Type, ...) sent twice. Form bodies are
  checked where the web app parses them (``mednec.web.routes_auth.form_of``).
- **No traceback.** Anything a route raises that nothing else handled becomes the generic 500
  problem document; the log gets the exception's type and the code locations, never its message
  (which may quote patient data) and never the request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
import urllib.parse
from typing import Any

from mednec.api.codings import ACCEPTED, CodingError, decode_body, without_bom
from mednec.api.problems import FHIR_PATHS
from mednec.errors import InputError
from mednec.hygiene import MAX_DEPTH, check_text, check_tree, excerpt, shown_key
from mednec.settings import DEFAULT_MAX_BODY, current

__all__ = ["BODY_TIMEOUT", "DEFAULT_MAX_BODY", "HEAD_KEY", "MAX_HEADERS", "MAX_HEADER_BYTES", "Guard", "max_body_from_env"]

#: seconds for a whole request body to arrive (408 past it)
BODY_TIMEOUT = 30.0
#: at most this many request headers, and this many bytes of them (names and values): else 431
MAX_HEADERS = 100
#: the scope key that tells a route its GET answers a HEAD (a route may then skip the content's work: documents)
HEAD_KEY = "mednec.head"
MAX_HEADER_BYTES = 32 * 1024

log = logging.getLogger("mednec.api")
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Numbers check_tree refuses (NaN, Infinity, 19+ digits, a 3-digit exponent) are found by mapping
# every digit to 0, e/E to e and anything else but + to a space, then looking for the shapes (a few
# microseconds for a case file; a regular expression took ten times as long)
_SHAPES = bytearray(b" " * 256)
for _d in b"0123456789":
    _SHAPES[_d] = ord("0")
_SHAPES[ord("e")] = _SHAPES[ord("E")] = ord("e")
_SHAPES[ord("+")] = ord("+")
_NUMBER_SHAPES = bytes(_SHAPES)
_LONG_RUN = b"0" * 19


def _odd_numbers(body: bytes) -> bool:
    """Whether ``body`` may hold a number outside what :func:`check_tree` accepts (a string that
    only looks like one just costs a full parse)."""
    if b"NaN" in body or b"Infinity" in body:
        return True
    shapes = body.translate(_NUMBER_SHAPES)
    return _LONG_RUN in shapes or b"e000" in shapes or b"e+000" in shapes
Scope = dict[str, Any]


def max_body_from_env() -> int:
    """``MEDNEC_MAX_BODY_BYTES`` or :data:`DEFAULT_MAX_BODY`."""
    return current().max_body_bytes


_CODING_TITLES = {400: "Bad request", 413: "Content too large", 415: "Unsupported media type"}


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class _Gone(Exception):
    """The client disconnected before its body was complete."""


def _headers_too_large(scope: Scope) -> bool:
    headers = scope.get("headers", ())
    return len(headers) > MAX_HEADERS or sum(len(k) + len(v) for k, v in headers) > MAX_HEADER_BYTES


def _problem(status: int, title: str, detail: str, code: str, field: str | None, path: str) -> tuple[int, bytes]:
    body: dict[str, Any] = {"type": f"https://mednec.dev/problems/{code}", "title": title, "status": status,
                            "detail": detail, "code": code, "instance": excerpt(path, 200)}
    if field:
        body["field"] = field
    return status, json.dumps(body).encode()


def _invalid(exc: InputError, path: str) -> tuple[int, bytes]:
    """422 naming the field (400 on the CDS Hooks and FHIR paths, as for their other malformed requests;
    400 everywhere for a key given twice: the body is ambiguous, not merely invalid)."""
    if isinstance(exc, DuplicateKeyError | DuplicateHeaderError):
        return _problem(400, "Bad request", exc.message, exc.code, exc.field, path)
    status, title = (400, "Bad request") if path.startswith(FHIR_PATHS) else (422, "Invalid input")
    return _problem(status, title, f"{exc.field}: {exc.message}", "validation", exc.field, path)


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    """FastAPI reads a body as JSON without a content type, or with application/*json."""
    for k, v in headers:
        if k == b"content-type":
            main = v.split(b";", 1)[0].strip().lower()
            return main.startswith(b"application/") and main.endswith(b"json")
    return True


def deep_path(body: bytes, most: int = MAX_DEPTH) -> str:
    """The path (``case.facts.hemoglobin.value...``) at which a JSON body first nests deeper than
    ``most``, read off the bytes without parsing them (a parser would recurse that deep); "$" when
    it cannot be told."""
    stack: list[list[Any]] = []  # per open container: [is a list, its label in the path, the list's index]
    key: str | None = None
    i, n = 0, len(body)
    while i < n:
        c = body[i:i + 1]
        if c == b'"':
            i, key = _string_key(body, i, key)
            continue
        if c in (b"{", b"["):
            if len(stack) >= most:
                return "".join(str(e[1]) for e in stack)[:1000].lstrip(".") or "$"
            label = "" if not stack else f"[{stack[-1][2]}]" if stack[-1][0] else f".{key}"
            stack.append([c == b"[", label, 0])
            key = None
        elif c in (b"}", b"]") and stack:
            stack.pop()
        elif c == b"," and stack and stack[-1][0]:
            stack[-1][2] += 1
        i += 1
    return "$"


def _string_key(body: bytes, i: int, key: str | None) -> tuple[int, str | None]:
    """Past the JSON string at ``i``, and the key it is when a colon follows it (else ``key``)."""
    n, j = len(body), i + 1
    while j < n and body[j:j + 1] != b'"':
        j += 2 if body[j:j + 1] == b"\\" else 1
    k = j + 1
    while k < n and body[k:k + 1] in b" \t\r\n":
        k += 1
    return j + 1, body[i + 1:j].decode("utf-8", "replace") if body[k:k + 1] == b":" else key


class DuplicateKeyError(InputError):
    """A JSON object names one key twice with two values (RFC 8259 section 4: names SHOULD be unique; every
    reader keeps one of them silently, and not all the same one): 400 naming the key, as case files refuse it
    (:func:`mednec.intake.case_file.parse_case_text`). Given twice with one value it has one meaning and is read."""

    code = "duplicate_key"


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            raise DuplicateKeyError(f"{shown_key(key)} is given twice in one JSON object with different values; "
                                    "keep the one that is meant", field=shown_key(key))
        out[key] = value
    return out


def _bounded_int(text: str) -> int:
    """An integer as JSON wrote it; one of more than 19 digits (Python refuses to convert more than 4,300)
    read as 2**64 with its sign, which :func:`check_tree` refuses naming the field like any integer outside
    the 64-bit range."""
    if len(text) > 20:
        return -(2**64) if text.startswith("-") else 2**64
    return int(text)


def _check_json(body: bytes) -> None:
    """Raise InputError for a JSON body with a key given twice with two values, a refused character or
    nesting too deep; malformed JSON is left to the route's own validation (it says where). The standard
    library's reader is used for every body (the duplicate keys need its ``object_pairs_hook``; it also reads
    a huge integer, NaN and lone surrogates as sent, so :func:`check_tree` can name them)."""
    if not body.strip():
        return
    numbers = _odd_numbers(body)
    suspicious = numbers or b"\\u" in body or b"\x00" in body
    try:
        data = json.loads(body, object_pairs_hook=_one_value_per_key, parse_int=_bounded_int)
    except RecursionError:
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", field=deep_path(body)) from None
    except ValueError:  # not JSON (or not UTF-8/16/32): the route's validation says where
        return
    if suspicious or body.count(b"[") + body.count(b"{") > MAX_DEPTH:
        check_tree(data)


#: headers a request may send once: two Authorization headers (a proxy adding its own, a client adding a second)
#: would leave it to the framework which one counts, so neither does (400 naming the header)
SINGLE_HEADERS = frozenset({b"authorization", b"content-type", b"idempotency-key", b"if-match", b"if-none-match"})


class DuplicateHeaderError(InputError):
    """A header that may be sent once (:data:`SINGLE_HEADERS`) sent twice: 400 naming it."""

    code = "duplicate_header"


def _check_url(scope: Scope) -> None:
    check_text(scope.get("path", ""), "path")
    names = [k.lower() for k, _ in scope.get("headers", ()) if k.lower() in SINGLE_HEADERS]
    if len(names) != len(set(names)):
        twice = next(n for n in names if names.count(n) > 1).decode("latin-1")
        raise DuplicateHeaderError(f"the {twice} header is sent more than once; send it once", field=twice)
    qs = scope.get("query_string", b"")
    if qs and (b"%00" in qs or b"\x00" in qs or b"%ed" in qs.lower()):
        for name, value in urllib.parse.parse_qsl(qs.decode("latin-1"), keep_blank_values=True,
                                                  errors="surrogateescape"):
            check_text(name, "query")
            check_text(value, excerpt(name, 40))
    for k, v in scope.get("headers", ()):
        if b"\x00" in v:
            raise InputError("contains a NUL character; remove it", field=excerpt(k.decode("latin-1"), 40))


class Guard:
    """ASGI middleware: body limit, input hygiene and the last-resort 500 (see the module doc)."""

    def __init__(self, app: Any, max_body: int = DEFAULT_MAX_BODY, body_timeout: float = BODY_TIMEOUT) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        send = _not_stored(send, path)
        if scope.get("method") == "HEAD":  # RFC 9110 §9.3.2: the GET's status and headers, no content
            scope, send = {**scope, "method": "GET", HEAD_KEY: True}, _headers_only(send)
        if _headers_too_large(scope):
            await self._send(send, _problem(
                431, "Request header fields too large",
                f"at most {MAX_HEADERS} headers and {MAX_HEADER_BYTES} bytes of them", "headers_too_large", None,
                path), close=True)
            return
        try:
            _check_url(scope)
        except InputError as exc:
            await self._send(send, _invalid(exc, path))
            return
        if scope.get("method") in _WITH_BODY:
            try:
                body = await self._read(scope, receive)
            except _TooLarge:
                await self._send(send, _problem(
                    413, "Content too large", f"the request body is larger than {self.max_body} bytes",
                    "too_large", "$", path))
                return
            except _TooSlow:
                await self._send(send, _problem(
                    408, "Request timeout", f"the request body did not arrive within {self.body_timeout:g} s",
                    "request_timeout", "$", path), close=True)
                return
            except _Gone:
                return  # nobody to answer, and half a request is not a request
            try:
                scope, body = self._decoded(scope, body)
            except CodingError as exc:
                await self._send(send, _problem(exc.status, _CODING_TITLES[exc.status], exc.detail, "content_coding",
                                                "Content-Encoding" if exc.status != 413 else "$", path),
                                 extra=[(b"accept-encoding", ACCEPTED.encode())] if exc.status == 415 else [])
                return
            if _is_json(scope.get("headers", [])):
                try:
                    _check_json(body)
                except InputError as exc:
                    await self._send(send, _invalid(exc, path))
                    return
            receive = _replay(body, receive)
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the last resort: never a traceback to the client
            frames = "".join(traceback.format_tb(exc.__traceback__, limit=-8))
            log.error("internal error on %s %s: %s\n%s", scope.get("method"), excerpt(path, 200),
                      type(exc).__name__, frames)
            if not started:
                await self._send(send, _problem(500, "Internal error", "the server could not complete the request",
                                                "internal", None, path))

    def _decoded(self, scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        """The scope and body with content codings undone and a JSON body's byte order mark removed
        (:mod:`mednec.api.codings`)."""
        headers, decoded = decode_body(list(scope.get("headers", [])), body, self.max_body)
        if _is_json(headers):
            headers, decoded = without_bom(headers, decoded)
        return (scope if decoded is body else {**scope, "headers": headers}), decoded

    async def _read(self, scope: Scope, receive: Any) -> bytes:
        """The whole body (at most ``max_body`` bytes, else :class:`_TooLarge`; within
        ``body_timeout`` seconds, else :class:`_TooSlow`; :class:`_Gone` if the client left first)."""
        for k, v in scope.get("headers", ()):
            if k == b"content-length" and v.strip().isdigit() and int(v) > self.max_body:
                raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise _TooSlow from None
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def _send(send: Any, problem: tuple[int, bytes], *, close: bool = False,
                    extra: list[tuple[bytes, bytes]] | None = None) -> None:
        """The problem document; ``close``: and the server closes the connection after it (the
        rest of a request that was refused unread is not waited for)."""
        status, body = problem
        headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                   *(extra or [])]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


#: paths whose answers hold no patient data and may be cached (the bundled assets)
_CACHEABLE = ("/static/",)


def _not_stored(send: Any, path: str) -> Any:
    """A ``send`` that adds ``X-Content-Type-Options: nosniff`` to every answer and ``Cache-Control: no-store``
    to every one that does not say how it may be cached (an answer may hold patient data: no browser or proxy
    keeps it), except the bundled assets."""
    store = not path.startswith(_CACHEABLE)

    async def not_stored(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or ())
            names = {k.lower() for k, _ in headers}
            if b"x-content-type-options" not in names:
                headers.append((b"x-content-type-options", b"nosniff"))
            if store and b"cache-control" not in names:
                headers.append((b"cache-control", b"no-store"))
            message = {**message, "headers": headers}
        await send(message)

    return not_stored


def _headers_only(send: Any) -> Any:
    """A ``send`` that passes the response's start (status and headers) and drops its content."""
    async def headers_only(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(message)

    return headers_only


def _replay(body: bytes, receive_more: Any) -> Any:
    """A ``receive`` that gives the buffered body once, then waits on the client as before
    (a streaming response listens for the disconnect)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive_more()  # type: ignore[no-any-return]

    return receive
