"""The JSON response class of the API: orjson, so a stored determination is embedded as is.

An evaluation's determination is kept as JSON text (see ``Evaluation.result_raw``); views put
it in the response as an ``orjson.Fragment``, so it is neither parsed nor serialised again.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

__all__ = ["JSON", "plain"]


class JSON(JSONResponse):
    """``JSONResponse`` rendered by orjson (UTF-8, compact, like Starlette's)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def plain(payload: Any) -> Any:
    """``payload`` with every fragment parsed: for storing it as a JSON value (idempotency records)."""
    return orjson.loads(orjson.dumps(payload))
