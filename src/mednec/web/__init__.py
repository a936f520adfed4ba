"""The web app: server-rendered pages on the API's FastAPI application.

``mount(app, service)`` adds the pages (sign-in, ask, answers, review queue, policies, metrics,
audit log, about) and the static files under ``/static``. Pages use the same :class:`~mednec.store.service.Service`
as the API, so roles, organisations and the audit log apply unchanged. Nothing is imported
from the renderer or the text intake until a page needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from mednec.store.service import Service

__all__ = ["mount"]


def mount(app: FastAPI, service: Service) -> None:
    """Serve the web pages from ``app`` (call after the API routers are included)."""
    from mednec.web.mounting import mount_web

    mount_web(app, service)
