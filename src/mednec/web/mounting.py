"""Wire the web routes, static files and the HTML 404 page onto the application."""

from __future__ import annotations

import inspect
import threading

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from mednec.store.service import Service
from mednec.web.core import WebRoute, WebState, ctx_of, not_found
from mednec.web.session import Signer, secret_key

__all__ = ["mount_web"]

_warmed = threading.Event()


def _warm() -> None:
    """Compile the templates once per process, off the request path (the first render costs ~0.5 s)."""
    try:
        from mednec.web.templating import make_env

        env = make_env()
        for name in env.list_templates():
            if name.endswith(".html"):
                env.get_template(name)
        from mednec.web import article

        article.warm()
    except Exception:  # noqa: BLE001 - warming is an optimisation only
        pass


def mount_web(app: FastAPI, service: Service) -> None:
    app.state.web = WebState(service, Signer(secret_key()))
    from mednec.web.api_docs import mount_docs

    mount_docs(app)  # before /static: /static/swagger is its own mount
    app.mount("/static", StaticFiles(packages=[("mednec.web", "static")]), name="web-static")
    router = APIRouter(route_class=WebRoute, include_in_schema=False)
    from mednec.web import (
        routes_answer,
        routes_ask,
        routes_audit,
        routes_auth,
        routes_compare,
        routes_library,
        routes_public,
        routes_queue,
        routes_sso,
    )

    for module in (routes_auth, routes_ask, routes_answer, routes_queue, routes_library, routes_audit, routes_compare,
                   routes_public, routes_sso):
        module.register(router)

    app.include_router(router)
    api_handler = app.exception_handlers.get(StarletteHTTPException)

    async def html_404(request: Request, exc: Exception) -> Response:
        """Unknown pages: an HTML page for browsers, the API's problem document for everyone else."""
        if (isinstance(exc, StarletteHTTPException) and exc.status_code == 404 and request.method == "GET"
                and "text/html" in request.headers.get("accept", "")):
            ctx = await run_in_threadpool(ctx_of, request)
            return await run_in_threadpool(not_found, ctx)
        if api_handler is None:
            raise exc
        out = api_handler(request, exc)
        return await out if inspect.isawaitable(out) else out

    app.add_exception_handler(StarletteHTTPException, html_404)
    if not _warmed.is_set():
        _warmed.set()
        threading.Thread(target=_warm, name="mednec-web-warm", daemon=True).start()
