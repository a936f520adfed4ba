"""Request dependencies: the service, the authenticated principal, idempotent POSTs, paging."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from mednec.api.responses import JSON, plain
from mednec.errors import ConflictError, InputError, UnsupportedMediaTypeError
from mednec.store.access import READ_ALL, Principal, require
from mednec.store.models import IdempotencyRecord
from mednec.store.service import Service

__all__ = ["Admin", "AuditReader", "Auth", "CaseReader", "ImpactReader", "MetricsReader", "Paging", "Requester", "ReviewActor",
           "Signed", "get_principal", "get_service", "idempotent", "json_only", "role"]


async def get_service(request: Request) -> Service:
    """The service. ``async`` because it does no I/O: FastAPI runs a plain ``def`` dependency in its
    thread pool, a hand-off to another thread and back on every request for a dictionary look-up."""
    return _service_of(request)


def _service_of(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


#: wrong API keys allowed per client address, per this many seconds (then 429, and nothing is written)
WRONG_KEYS = (20, 300.0)


def get_principal(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <api key>")] = None,
) -> Principal:
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    service = _service_of(request)
    return service.accounts.authenticate(token, on_failure=lambda: _count_wrong_key(request, service))


def _count_wrong_key(request: Request, service: Service) -> None:
    """Count a wrong API key from the client (shared by every worker, :class:`SharedLimit`); 429 past
    :data:`WRONG_KEYS`, before the failure is audited. Only wrong keys are counted: a right key from
    the same address still works."""
    from mednec.errors import TooManyRequestsError
    from mednec.store.ratelimit import SharedLimit

    state = request.app.state
    if not hasattr(state, "wrong_key_limit"):
        state.wrong_key_limit = SharedLimit(service.db, "api-key", *WRONG_KEYS, clock=lambda: service.now().timestamp())
    limit: SharedLimit = state.wrong_key_limit
    wait = limit.allow(request.client.host if request.client else "?")
    if wait:
        raise TooManyRequestsError("too many wrong API keys from this address; wait and try again",
                                   retry_after=int(wait + 0.999))


Auth = Annotated[Principal, Depends(get_principal)]


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def json_only(request: Request) -> None:
    """415 for a request body that says it is not JSON (RFC 9110 15.5.16): the API's routes read JSON
    (``application/json`` or a ``+json`` type such as ``application/fhir+json``, any parameters); a body sent as
    text/plain, XML or a form is not read as JSON (held-out requests8 h05-h07); neither is a body sent without a
    Content-Type (415 naming the header, on a route that reads a body: one that takes none ignores it;
    tests/api/test_attacks9_sec9.py). An empty body is left to the route. Checked after the caller is
    authenticated and its role allowed (a cross-site text/plain POST without a key stays a 401, a refused role a
    403)."""
    if request.method not in _BODY_METHODS or request.headers.get("content-length") == "0":
        return
    ctype = request.headers.get("content-type")
    if not ctype:
        sent = request.headers.get("content-length") is not None or "transfer-encoding" in request.headers
        if sent and _reads_body(request):
            raise UnsupportedMediaTypeError("the body has no Content-Type; send application/json",
                                            field="Content-Type")
        return
    media = ctype.split(";", 1)[0].strip().lower()
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        return
    raise UnsupportedMediaTypeError(f"the body is {media[:60]!r}; send application/json", field="Content-Type")


def _reads_body(request: Request) -> bool:
    """Whether the route asked for reads a request body (a FastAPI route with a body parameter); True when the
    route is not known."""
    route = request.scope.get("route")
    return route is None or getattr(route, "body_field", True) is not None


def role(*roles: str) -> Any:
    """A dependency giving the principal, refused (403) unless it has one of ``roles`` (an admin may do everything;
    no roles: admins only). FastAPI resolves it before it validates the route's body, path, query and headers, so a
    role the route refuses whatever it sends gets the 403 -- never the 422 of a body or query it may not send, naming
    the schema of an action it may not take (held-out requests7 o04, requests8 b01-b18;
    tests/api/test_role_before_body_routes.py). The services check the role again, and the record's organisation."""

    def allowed(principal: Auth, request: Request) -> Principal:
        require(principal, *roles)
        json_only(request)
        return principal

    return Depends(allowed)


Requester = Annotated[Principal, role("requester")]  # creates, updates and evaluates cases; PAS
CaseReader = Annotated[Principal, role("requester", *READ_ALL)]  # reads cases, evaluations, documents
ReviewActor = Annotated[Principal, role("requester", "physician_reviewer")]  # review actions (a requester appeals)
MetricsReader = Annotated[Principal, role("auditor", "physician_reviewer")]
AuditReader = Annotated[Principal, role("auditor")]
ImpactReader = Annotated[Principal, role("policy_author", *READ_ALL)]
Admin = Annotated[Principal, role()]  # users and keys
Signed = Annotated[Principal, role("requester", "physician_reviewer", "policy_author", "auditor")]  # any role: DTR


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


PENDING = 0  # status_code of a claimed key whose request is still running
STALE_CLAIM = dt.timedelta(minutes=10)  # a claim this old was left by a crashed request: it may be retaken


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
    into what may be kept and replayed (a secret shown once is left out).

    The key is claimed before the work, by inserting its row (the primary key is the user and
    the key) in a transaction of its own: of concurrent requests with one key exactly one claims
    it and runs; the others wait for the claim's commit, then replay the response when it is
    there, or get 409 while it is still running, and create nothing. A request that fails
    releases its claim, so it can be retried."""
    if not key:
        status, payload, headers = run()
        return JSON(payload, status_code=status, headers=headers)
    if len(key) > 200:
        raise InputError("Idempotency-Key is at most 200 characters", field="Idempotency-Key")
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    replay = _claim(service, principal, key, digest)
    if replay is not None:
        return replay
    try:
        status, payload, headers = run()
    except BaseException:
        _release(service, principal.id, key)
        raise
    record = sa.update(IdempotencyRecord).where(IdempotencyRecord.user_id == principal.id,
                                                IdempotencyRecord.key == key)
    with service.db.session() as s:
        s.execute(record.values(status_code=status, response=plain(stored(payload) if stored else payload),
                                headers=headers))
    return JSON(payload, status_code=status, headers=headers)


def _claim(service: Service, principal: Principal, key: str, digest: str) -> JSONResponse | None:
    """None when this request claimed the key; else the stored response to replay (or an error)."""
    for _ in range(3):
        try:
            with service.db.session() as s:
                s.add(IdempotencyRecord(user_id=principal.id, key=key, request_hash=digest, status_code=PENDING,
                                        response={}, headers={}, created_at=service.now()))
            return None
        except IntegrityError:
            pass  # claimed before: look at the claim
        with service.db.reading() as s:
            rec = s.get(IdempotencyRecord, (principal.id, key))
        if rec is None:
            continue  # released meanwhile (that request failed): claim it again
        if rec.request_hash != digest:
            raise InputError("this Idempotency-Key was used with a different request", field="Idempotency-Key")
        if rec.status_code != PENDING:
            return JSONResponse(rec.response, status_code=rec.status_code,
                                headers={**rec.headers, "Idempotent-Replayed": "true"})
        created = rec.created_at if rec.created_at.tzinfo else rec.created_at.replace(tzinfo=dt.UTC)
        if service.now() - created < STALE_CLAIM:
            raise ConflictError("a request with this Idempotency-Key is being processed; retry it shortly")
        _release(service, principal.id, key, only_pending_since=rec.created_at)
    raise ConflictError("a request with this Idempotency-Key is being processed; retry it shortly")


def _release(service: Service, user_id: str, key: str, *, only_pending_since: dt.datetime | None = None) -> None:
    q = sa.delete(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
                                           IdempotencyRecord.status_code == PENDING)
    if only_pending_since is not None:
        q = q.where(IdempotencyRecord.created_at == only_pending_since)
    with service.db.session() as s:
        s.execute(q)
