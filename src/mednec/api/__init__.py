"""The HTTP service: ``create_app(settings)`` builds the FastAPI application."""

from mednec.api.app import Settings, create_app

__all__ = ["Settings", "create_app"]
