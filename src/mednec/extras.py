"""Optional dependency groups (pip extras) and the message a command gives when one is missing.

The base install evaluates cases, checks policies and renders Markdown and JSON. The rest is
in extras, so a user who only evaluates cases does not install a web stack or spaCy::

    service  REST API, web app, local case store (FastAPI, SQLAlchemy, Alembic, psycopg, ...)
    notes    clinical notes (medspaCy / spaCy)
    pdf      PDF documents (Typst)
    fhir     FHIR R4 input (fhir.resources)
    population  population runs: Parquet / CSV / FHIR Bulk NDJSON, the columnar engine, Dask
    all      every extra above

A command that imports a module of a missing extra fails with :class:`MissingExtraError`
naming the extra to install, never with a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

from importlib.util import find_spec

from mednec.errors import MednecError

__all__ = ["EXTRA_OF_MODULE", "MissingExtraError", "extra_for", "installed", "install_hint", "missing_extra"]

# Top-level import name -> the extra that provides it.
EXTRA_OF_MODULE: dict[str, str] = {
    "fastapi": "service", "starlette": "service", "uvicorn": "service", "sqlalchemy": "service",
    "alembic": "service", "psycopg": "service", "platformdirs": "service", "httpx": "service",
    "orjson": "service", "multipart": "service", "python_multipart": "service", "itsdangerous": "service",
    "swagger_ui_bundle": "service",
    "medspacy": "notes", "spacy": "notes", "PyRuSH": "notes", "loguru": "notes",
    "typst": "pdf",
    "fhir": "fhir", "fhir_core": "fhir",
    "pyarrow": "population", "dask": "population", "distributed": "population",
}

# One module per extra whose presence means the extra is installed.
_PROBE = {"service": "sqlalchemy", "notes": "medspacy", "pdf": "typst", "fhir": "fhir.resources",
          "population": "pyarrow"}


class MissingExtraError(MednecError):
    """A command needs an optional dependency group that is not installed."""

    code = "missing_extra"

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"this needs mednec's optional '{extra}' dependencies ({module} is not installed): "
            f"{install_hint(extra)}"
        )
        self.extra = extra
        self.module = module


def install_hint(extra: str) -> str:
    """The command that installs one extra, with the project's pinned versions."""
    return f"pip install -c constraints.txt 'mednec[{extra}]'"


def extra_for(exc: ModuleNotFoundError) -> str | None:
    """The extra that provides the module an import failed on, or None when it is not one of ours."""
    name = (exc.name or "").split(".")[0]
    return EXTRA_OF_MODULE.get(name)


def missing_extra(exc: ImportError) -> MissingExtraError | None:
    """The :class:`MissingExtraError` for a failed import of an optional extra's package; None for
    any other import failure (a bug, which the caller re-raises rather than reporting as missing)."""
    if isinstance(exc, ModuleNotFoundError):
        extra = extra_for(exc)
        if extra is not None:
            return MissingExtraError(extra, exc.name or "?")
    return None


def installed(extra: str) -> bool:
    """Whether an extra's packages can be imported (checked without importing them)."""
    module = _PROBE[extra]
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package of a dotted name is missing
        return False
