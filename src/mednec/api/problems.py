"""RFC 9457 problem details: the one error body every endpoint returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mednec.errors import InputError, MednecError, ServiceError, TooLongError, TooManyRequestsError
from mednec.hygiene import excerpt, shown_key

__all__ = ["install", "problem"]

PROBLEM = "application/problem+json"
MAX_DETAIL = 600


def problem(status: int, title: str, detail: str, *, code: str, field: str | None = None,
            instance: str | None = None, extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://mednec.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": excerpt(detail, MAX_DETAIL),  # a message may quote the input: never more than this
        "code": code,
    }
    if field:
        body["field"] = excerpt(field, 200)
    if instance:
        body["instance"] = excerpt(instance, 200)
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


FHIR_PATHS = ("/cds-services", "/fhir/")


def _validation_error(e: Any) -> dict[str, Any]:
    """One request validation error as ``{"field", "message"}``: the JSON path, never a character offset."""
    loc = [p for p in e.get("loc", ()) if p != "body"]
    if e.get("type") == "json_invalid":  # loc is (body, character offset): the body itself is not JSON
        where = f" at character {loc[0]}" if loc and isinstance(loc[0], int) else ""
        reason = (e.get("ctx") or {}).get("error") or e.get("msg", "")
        return {"field": "$", "message": f"malformed JSON{where}: {reason}"}
    # a key is the caller's text (an unknown field may be 20,000 characters): each shown short, the path too
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{shown_key(p)}" for p in loc).lstrip(".")
    return {"field": excerpt(path, 200) or "$", "message": excerpt(str(e.get("msg", "")), 300)}


def _status(exc: MednecError) -> int:
    if isinstance(exc, ServiceError):
        return exc.status
    if isinstance(exc, TooLongError):
        return 413
    if isinstance(exc, InputError):
        return 422
    return 500


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """The methods some route of the app answers at the request's path (HEAD with GET, and OPTIONS), for
    ``Allow``: every route is asked, since one path may be served by several (GET and PATCH /cases/{id})."""
    from starlette.routing import Match

    routes = request.app.router.routes  # asked per method: an included router answers for its routes as one
    methods = {m for m in _METHODS if any(r.matches({**request.scope, "method": m})[0] == Match.FULL for r in routes)}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods | {"OPTIONS"})) if methods else ""


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(MednecError)
    async def _mednec(request: Request, exc: MednecError) -> JSONResponse:
        status = _status(exc)
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 409: "Conflict",
                 412: "Precondition failed", 422: "Invalid input", 429: "Too many requests"}.get(status, "Error")
        resp = problem(status, title, exc.message, code=exc.code, field=exc.field, instance=request.url.path)
        if status == 401:  # RFC 9110 §11.6.1: a 401 MUST say how to authenticate
            resp.headers["WWW-Authenticate"] = 'Bearer realm="mednec"'
        if isinstance(exc, TooManyRequestsError):
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_validation_error(e) for e in exc.errors()[:20]]  # the first few
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        # a body that is not JSON is malformed syntax, 400 everywhere (RFC 9110 §15.5.1); CDS Hooks and FHIR answer
        # any malformed request with 400, the rest of the API well-formed JSON of the wrong shape with 422 (§15.5.21)
        syntax = any(e.get("type") == "json_invalid" for e in exc.errors())
        status = 400 if syntax or request.url.path.startswith(FHIR_PATHS) else 422
        title = "Bad request" if status == 400 else "Invalid input"
        return problem(status, title, f"{first['field']}: {first['message']}", code="validation",
                       field=first["field"] or None, instance=request.url.path, extra={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            allow = allowed_methods(request)
            if request.method == "OPTIONS" and allow:  # RFC 9110 §9.3.7: what the resource allows
                return Response(status_code=204, headers={"Allow": allow})
            resp = problem(405, "Method not allowed", f"{request.method} is not allowed here; allowed: {allow}",
                           code="http_405", instance=request.url.path)
            resp.headers["Allow"] = allow  # RFC 9110 §15.5.6: a 405 MUST carry Allow
            return resp
        resp = problem(exc.status_code, str(exc.detail), str(exc.detail), code=f"http_{exc.status_code}",
                       instance=request.url.path)
        for name, value in (exc.headers or {}).items():
            resp.headers[name] = value
        return resp

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        import logging

        logging.getLogger("mednec.api").error("internal error on %s: %s", request.url.path, type(exc).__name__)
        return problem(500, "Internal error", "the server could not complete the request", code="internal",
                       instance=request.url.path)
