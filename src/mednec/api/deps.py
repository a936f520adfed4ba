"""Request dependencies: the service, the authenticated principal, idempotent POSTs, paging."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from mednec.api.responses import JSON, plain
from mednec.errors import ConflictError, InputError
from mednec.store.models import IdempotencyRecord
from mednec.store.service import Principal, Service

__all__ = ["Auth", "Paging", "get_principal", "get_service", "idempotent"]


def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def get_principal(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <api key>")] = None,
) -> Principal:
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return get_service(request).authenticate(token)


Auth = Annotated[Principal, Depends(get_principal)]


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=200, description="page size")] = 50,
        offset: Annotated[int, Query(ge=0, le=10**9, description="items to skip")] = 0,
    ) -> None:
        self.limit, self.offset = limit, offset

    def page(self, items: list[Any], total: int, path: str) -> dict[str, Any]:
        nxt = self.offset + self.limit
        return {
            "items": items,
            "total": total,
            "limit": self.limit,
            "offset": self.offset,
            "next": f"{path}?limit={self.limit}&offset={nxt}" if nxt < total else None,
        }


def idempotent(
    service: Service,
    principal: Principal,
    key: str | None,
    body: Any,
    run: Callable[[], tuple[int, dict[str, Any], dict[str, str]]],
    *,
    stored: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> JSONResponse:
    """Run a POST once per ``Idempotency-Key``: a repeat with the same body replays the stored
    response; the same key with a different body is refused (422). ``stored`` turns the response
    into what may be kept and replayed (a secret shown once is left out)."""
    if not key:
        status, payload, headers = run()
        return JSON(payload, status_code=status, headers=headers)
    if len(key) > 200:
        raise InputError("Idempotency-Key is at most 200 characters", field="Idempotency-Key")
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    with service.db.session() as s:
        rec = s.get(IdempotencyRecord, (principal.id, key))
        if rec is not None:
            if rec.request_hash != digest:
                raise InputError("this Idempotency-Key was used with a different request", field="Idempotency-Key")
            return JSONResponse(rec.response, status_code=rec.status_code,
                                headers={**rec.headers, "Idempotent-Replayed": "true"})
    status, payload, headers = run()
    try:
        with service.db.session() as s:
            s.add(IdempotencyRecord(user_id=principal.id, key=key, request_hash=digest, status_code=status,
                                    response=plain(stored(payload) if stored else payload), headers=headers))
    except IntegrityError:
        raise ConflictError("a request with this Idempotency-Key is already being processed") from None
    return JSON(payload, status_code=status, headers=headers)
