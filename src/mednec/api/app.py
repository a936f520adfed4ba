"""``create_app(settings)``: the FastAPI application (nothing is built at import time)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from mednec.api import problems
from mednec.runtime import Runtime, default_runtime
from mednec.store.db import Database
from mednec.store.service import Service

__all__ = ["Settings", "create_app"]


@dataclass(frozen=True)
class Settings:
    """Service settings. ``database_url`` None means ``MEDNEC_DATABASE_URL`` or the default SQLite file."""

    database_url: str | None = None
    migrate: bool = True
    runtime: Runtime | None = None
    now: Callable[[], dt.datetime] | None = field(default=None, compare=False)
    #: CDS Hooks: where cards point and which payer's coverage may be assumed (a mednec.fhir.crd.HookConfig)
    hook_config: Any = field(default=None, compare=False)
    #: CDS Hooks clients trusted by signed JWT (mednec.api.cds_trust.CdsClient); default: the JSON
    #: file named by MEDNEC_CDS_CLIENTS, if set
    cds_clients: tuple[Any, ...] | None = field(default=None, compare=False)
    #: the public base URL of the service (a JWT's aud is {base}/cds-services/{id}); default: the request's
    public_base_url: str | None = None
    max_body_bytes: int | None = None  # None: MEDNEC_MAX_BODY_BYTES or 6 MiB (larger bodies get 413)
    body_timeout_s: float | None = None  # None: 30 s for a whole request body (else 408)
    #: the web origins whose pages may call the API from a browser (CORS); None: MEDNEC_CORS_ORIGINS, else none
    cors_origins: tuple[str, ...] | None = None


class _NoBodies(logging.Filter):
    """Keep request bodies and query strings (which may hold patient data) out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = str(args[2]).split("?", 1)[0]
            record.args = tuple(args)
        return True


def _cds_clients(settings: Settings) -> tuple[Any, ...]:
    if settings.cds_clients is not None:
        return settings.cds_clients
    from mednec.settings import current

    path = current().cds_clients
    if path is None:
        return ()
    import json

    from mednec.api.cds_trust import load_clients

    return load_clients(json.loads(Path(path).read_text(encoding="utf-8")))


_RECORD_CHECKED: dict[tuple[tuple[str, int], ...], list[tuple[str, str]]] = {}


def _warn_unrecorded_logic(runtime: Runtime) -> None:
    """Warn loudly (an ERROR log record per policy, at every start) when a loaded policy's logic is not the
    one its pack records for its version (``policy-versions.yaml``, :mod:`mednec.packcheck.versions`: what
    ``mednec policies check`` fails on). It does not stop the service: the database holds no other logic for
    that version (that stops it, :meth:`mednec.store.policies.PolicyRegistry.sync_shipped`), and a pack in
    development under ``--packs-dir`` may not be recorded yet. Checked once per process and set of files."""
    from mednec.packcheck.versions import version_problems

    packs = list(runtime.catalog.packs)
    key = tuple((p.source, Path(p.source).stat().st_mtime_ns) for pack in packs for p in pack.policies)
    if key not in _RECORD_CHECKED:
        _RECORD_CHECKED.clear()
        _RECORD_CHECKED[key] = [problem for pack in packs for problem in version_problems(pack)]
    for where, problem in _RECORD_CHECKED[key]:
        logging.getLogger("mednec.api").error("POLICY VERSION NOT RECORDED: %s: %s",
                                              "/".join(Path(where).parts[-2:]), problem)


#: what a listed origin's page may send and read (CORS); cookies are never allowed (allow_credentials False)
CORS_METHODS = ("GET", "HEAD", "POST", "PATCH", "DELETE")
CORS_HEADERS = ("Authorization", "Content-Type", "Content-Encoding", "Accept", "Idempotency-Key", "If-Match",
                "If-None-Match")
CORS_EXPOSED = ("ETag", "Location", "Retry-After", "Content-Disposition", "WWW-Authenticate")


def _allow_origins(app: FastAPI, settings: Settings) -> None:
    """CORS for the operator's origins only (``MEDNEC_CORS_ORIGINS``): without any, no CORS header is sent, so
    a page on another site cannot read an answer. The outermost middleware, so refusals get the headers too."""
    origins = settings.cors_origins
    if origins is None:
        from mednec.settings import current

        origins = current().cors_origins
    if not origins:
        return
    from starlette.middleware.cors import CORSMiddleware

    app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=list(CORS_METHODS),
                       allow_headers=list(CORS_HEADERS), expose_headers=list(CORS_EXPOSED),
                       allow_credentials=False, max_age=600)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application: database (migrated), runtime, routers, error handlers."""
    settings = settings or Settings()
    db = Database(settings.database_url)
    if settings.migrate:
        db.upgrade()
    service = Service(db, settings.runtime or default_runtime(), now=settings.now)
    service.policies.sync_shipped(service.now())  # refuses to start on a stored version with other logic
    _warn_unrecorded_logic(service.runtime)
    app = FastAPI(
        docs_url=None,  # /docs is served offline by the web app (mednec.web.api_docs), under its CSP
        redoc_url=None,
        title="mednec",
        version="0.1.0",
        summary="Medical-necessity review: cases, evaluations, physician review, audit.",
        description=(
            "Authenticate with `Authorization: Bearer <api key>` (an administrator creates keys for machines). "
            "Errors are RFC 9457 problem documents. Every POST accepts an `Idempotency-Key`."
        ),
    )
    app.state.service = service
    app.state.db = db
    app.state.hook_config = settings.hook_config
    app.state.public_base_url = settings.public_base_url
    from mednec.api.cds_trust import CdsTrust

    app.state.cds_trust = CdsTrust(_cds_clients(settings), db)
    problems.install(app)
    from mednec.api import routes_admin, routes_cases, routes_documents, routes_fhir, routes_reviews

    app.include_router(routes_cases.router)
    app.include_router(routes_reviews.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_fhir.router)
    from mednec.web import mount  # the web pages at / (server-rendered; same Service, roles and audit)

    mount(app, service)

    @app.get("/health", tags=["health"], summary="Liveness and database check")
    def health() -> dict[str, Any]:
        return {"ok": True, "database": "sqlite" if db.is_sqlite else "postgresql",
                "revision": db.current_revision()}

    from mednec.api.guard import BODY_TIMEOUT, Guard, max_body_from_env

    app.add_middleware(Guard, max_body=settings.max_body_bytes or max_body_from_env(),
                       body_timeout=settings.body_timeout_s or BODY_TIMEOUT)
    _allow_origins(app, settings)
    logging.getLogger("uvicorn.access").addFilter(_NoBodies())
    return app
