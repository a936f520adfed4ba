"""``/docs``: the API reference (Swagger UI) served from this server, nothing fetched at run time.

Swagger UI's files come from the ``swagger-ui-bundle-v2`` package (module ``swagger_ui_bundle``,
Apache-2.0) and are served under ``/static/swagger``; the page loads them and a small start-up
script of its own, so it works under the pages' Content-Security-Policy (scripts and styles from
this origin only) and without internet access. Without the package, ``/docs`` links to the
OpenAPI document instead of showing a blank page.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from mednec.web.core import CSP

__all__ = ["mount_docs"]

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mednec API reference</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css"><link rel="icon" href="/static/favicon.svg">
</head><body>
<header class="docs-head"><a href="/">mednec</a> · API reference · <a href="/openapi.json">OpenAPI document</a></header>
<main id="swagger-ui" data-spec="/openapi.json"><noscript>The interactive reference needs JavaScript; the
<a href="/openapi.json">OpenAPI document</a> describes every endpoint.</noscript></main>
<script src="/static/swagger/swagger-ui-bundle.js"></script><script src="/static/docs-init.js"></script>
</body></html>"""


def mount_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (and Swagger UI's files) from this server."""
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]  # the service extra

    app.mount("/static/swagger", StaticFiles(directory=str(swagger_ui_path)), name="swagger-static")
    page = _PAGE

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        resp = HTMLResponse(page)
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp
