"""The JSON response class of the API: orjson, so a stored determination is embedded as is.

An evaluation's determination is kept as JSON text (see ``Evaluation.result_raw``); views put
it in the response as an ``orjson.Fragment``, so it is neither parsed nor serialised again.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

__all__ = ["JSON", "negotiate", "plain"]


class JSON(JSONResponse):
    """``JSONResponse`` rendered by orjson (UTF-8, compact, like Starlette's)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def plain(payload: Any) -> Any:
    """``payload`` with every fragment parsed: for storing it as a JSON value (idempotency records)."""
    return orjson.loads(orjson.dumps(payload))


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    out = []
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if "/" not in media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        kind, _, sub = media.lower().partition("/")
        out.append((kind, sub, q))
    return out


def negotiate(accept: str | None, offers: dict[str, str]) -> str | None:
    """The offer an ``Accept`` header prefers (RFC 9110 §12.5.1): ``offers`` maps media types to what they
    name, in the server's order of preference, which breaks ties; the most specific range that matches a type
    gives its quality. The first offer when Accept is absent or empty; None when no offer is acceptable."""
    ranges = _ranges(accept or "")
    if not ranges:
        return next(iter(offers.values()))
    best, best_q = None, 0.0
    for media, name in offers.items():
        kind, _, sub = media.partition("/")
        found = [(2 if (k, s) == (kind, sub) else 1 if (k, s) == (kind, "*") else 0, q)
                 for k, s, q in ranges if (k, s) in ((kind, sub), (kind, "*"), ("*", "*"))]
        q = max(found)[1] if found else 0.0
        if q > best_q:
            best, best_q = name, q
    return best
