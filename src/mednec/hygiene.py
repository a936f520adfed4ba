"""Input hygiene at the edge: text mednec can store and show, structures it can walk.

Every input a user supplies (API bodies, query strings and headers, web forms, uploaded files,
case files and arguments on the command line) passes :func:`check_tree` or :func:`check_text`
before anything else reads it:

- a NUL character or a lone UTF-16 surrogate is refused (PostgreSQL cannot store either, and
  neither is text anyone meant to send), naming the field;
- nesting deeper than :data:`MAX_DEPTH` is refused (no case file, FHIR bundle or policy needs
  more; deeper input only costs stack and time);
- a number that is not finite (NaN, Infinity, ``1e400``) or an integer outside the signed 64-bit
  range is refused (no fact needs one; the JSON writer cannot write such an integer back, and a
  NaN compares unequal to itself);
- error messages quote at most :data:`EXCERPT` characters of the input (:func:`excerpt`);
- text a user wrote is shown with every bidirectional override, embedding and isolate it opens
  closed at its end (:func:`bidi_closed`), so it cannot reverse or reorder what follows it.

Standard library only: the CLI imports this before anything heavy.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from mednec.errors import InputError

__all__ = ["EXCERPT", "MAX_DEPTH", "bad_char", "bidi_closed", "check_text", "check_tree", "excerpt", "load_json", "shown_key"]

MAX_DEPTH = 48
EXCERPT = 60
_BAD = re.compile("[\x00\ud800-\udfff]")
INT_RANGE = (-(2**63), 2**63 - 1)


def bad_char(text: str) -> str | None:
    """A description of the first character mednec refuses in ``text``, or None."""
    m = _BAD.search(text)
    if m is None:
        return None
    ch = m.group()
    return "a NUL character" if ch == "\x00" else f"a lone surrogate (U+{ord(ch):04X}), which is not text"


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMBEDDINGS = "\u202a\u202b\u202d\u202e"  # LRE RLE LRO RLO, closed by PDF U+202C
_ISOLATES = "\u2066\u2067\u2068"  # LRI RLI FSI, closed by PDI U+2069


def bidi_closed(text: str) -> str:
    """``text`` with the bidirectional overrides, embeddings and isolates it leaves open closed at
    its end (Unicode UAX #9: a PDI closes the last open isolate and what was opened inside it; a PDF
    the last embedding or override, not across an isolate). Shown text a user wrote goes through
    this: an open right-to-left override would reverse what the page says after it up to the end of
    the paragraph. The characters themselves are kept (right-to-left scripts use them)."""
    if _BIDI.search(text) is None:
        return text
    stack: list[str] = []
    for m in _BIDI.finditer(text):
        ch = m.group()
        if ch in _EMBEDDINGS or ch in _ISOLATES:
            stack.append(ch)
        elif ch == "\u2069" and any(c in _ISOLATES for c in stack):
            while stack.pop() not in _ISOLATES:
                pass
        elif ch == "\u202c" and stack and stack[-1] in _EMBEDDINGS:
            stack.pop()
    return text + "".join("\u2069" if c in _ISOLATES else "\u202c" for c in reversed(stack))


def excerpt(text: str, n: int = EXCERPT) -> str:
    """At most ``n`` characters of ``text`` for an error message (refused characters escaped)."""
    cut = text if len(text) <= n else text[:n] + "…"
    return _BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", cut)


def shown_key(key: Any) -> str:
    """A mapping key as it appears in a field path (short, refused characters escaped)."""
    return excerpt(str(key), 40)


def check_text(text: str, field: str) -> None:
    """Refuse ``text`` holding a NUL or a lone surrogate (:class:`InputError` naming ``field``)."""
    what = bad_char(text)
    if what is not None:
        raise InputError(f"contains {what}; remove it", field=field)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check_tree(value: Any, field: str = "", *, max_depth: int = MAX_DEPTH) -> None:
    """Walk parsed JSON/YAML: every key and string checked by :func:`check_text`, every number
    finite and within the 64-bit integer range, nesting at most ``max_depth`` deep. Iterative, so a deep structure costs no stack."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            check_text(node, path or "$")
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise InputError("is not a finite number (NaN or Infinity)", field=path or "$")
        elif isinstance(node, int):
            if not INT_RANGE[0] <= node <= INT_RANGE[1]:
                raise InputError("is a number outside the 64-bit integer range", field=path or "$")
        elif isinstance(node, Mapping | list | tuple):
            if depth >= max_depth:
                raise InputError(f"nested more than {max_depth} levels deep", field=path or "$")
            if isinstance(node, Mapping):
                for k, v in node.items():
                    sub = _join(path, shown_key(k))
                    if isinstance(k, str):
                        check_text(k, sub)
                    stack.append((v, sub, depth + 1))
            else:
                for i, v in enumerate(node):
                    stack.append((v, f"{path}[{i}]", depth + 1))


def load_json(text: str | bytes, field: str) -> Any:
    """Parse JSON a user supplied and run :func:`check_tree` on it; malformed or too deep JSON
    is an :class:`InputError` naming ``field`` (never a ``RecursionError``)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", field=field) from None
    except ValueError as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else excerpt(str(exc))
        raise InputError(f"not valid JSON{where}: {msg}", field=field) from None
    check_tree(data, field)
    return data
