"""The ASGI app of `mednec serve`: :func:`build` makes it; uvicorn's worker processes import
``mednec.api.server:app``, which builds it from the environment (:mod:`mednec.settings`) on first
access, so importing this module builds nothing."""

from __future__ import annotations

import gc
from typing import Any

from fastapi import FastAPI

from mednec.api.app import Settings, create_app
from mednec.intake.notes import warm
from mednec.settings import current

__all__ = ["build", "uvicorn_options"]


#: the HTTP protocol `mednec serve` runs (uvicorn's ``--http``): httptools with a bounded request head
HTTP_PROTOCOL = "mednec.api.protocol:BoundedHttpTools"


def uvicorn_options(limit_concurrency: int | None = None) -> dict[str, Any]:
    """The protocol options `mednec serve` gives uvicorn (the attack tests run a server with them):
    httptools with the request head bounded in size and time (:mod:`mednec.api.protocol`); where
    httptools is not installed, h11 with its buffer bounded the same (no head deadline then). At most
    ``limit_concurrency`` connections and requests at once per worker (default
    ``MEDNEC_LIMIT_CONCURRENCY``, else 512): past it, uvicorn answers 503 at once, so held-open
    connections cannot exhaust the worker's file descriptors or memory."""
    limit = limit_concurrency or current().limit_concurrency
    try:
        from mednec.api.protocol import BoundedHttpTools
    except ModuleNotFoundError as exc:  # no httptools; any other import failure is a bug and surfaces
        if exc.name != "httptools":
            raise
        return {"http": "h11", "h11_max_incomplete_event_size": 64 * 1024, "limit_concurrency": limit}
    return {"http": BoundedHttpTools, "limit_concurrency": limit}


def build(settings: Settings) -> FastAPI:
    """The application, warmed up for serving."""
    app = create_app(settings)
    # The note reader's pipeline (medspaCy, ~1-5 s to build) is built once per worker, here, before the
    # first request, so no user waits for it; a worker without the notes extra skips it.
    warm(app.state.service.runtime.catalog)
    # What start-up built (policies, fact dictionary, routes, templates: ~130,000 objects) lives as
    # long as the process. Frozen, the collector never walks it again: a full collection under
    # load took ~40 ms (every request in the worker waited) and now takes a few.
    gc.collect()
    gc.freeze()
    return app


_app: FastAPI | None = None


def __getattr__(name: str) -> Any:
    """``app``: built from the environment the first time uvicorn asks for it."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = build(Settings(migrate=not current().skip_migrate))
    return _app
