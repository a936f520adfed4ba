"""Single sign-on through OpenID Connect (authorization code flow with PKCE, state and nonce).

``GET /sign-in/sso`` sends the browser to the provider of ``MEDNEC_OIDC_ISSUER`` (its discovery
document gives the endpoints); ``GET /sign-in/sso/callback`` exchanges the code (Authlib's OAuth 2
client), checks the ID token's signature against the provider's JWKS and its issuer, audience,
expiry and nonce (joserfc), and signs in the user the identity is linked to
(``mednec users link-sso``). The redirect URI is ``<MEDNEC_PUBLIC_URL>/sign-in/sso/callback`` (the
request's address when that is not set). Every refusal is audited (``auth.failed`` via ``sso``) and shown in
plain words on the sign-in page. The state, nonce and PKCE verifier travel in a short-lived signed
cookie of their own (SameSite=Lax, so it comes back with the provider's redirect).
"""

from __future__ import annotations

import html
import secrets
import time
import warnings
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from mednec.settings import Settings, current
from mednec.store import audit, identities
from mednec.web.core import Ctx, ctx_of, finish, local_path, page

__all__ = ["SSO_COOKIE", "register", "sso_enabled"]

SSO_COOKIE = "mednec_sso"
SSO_MAX_AGE = 600
_DISCOVERY: dict[str, tuple[dict[str, Any], float]] = {}


class SsoError(Exception):
    """Single sign-on did not work; the message is shown to the person."""


def sso_enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _discovery(issuer: str) -> dict[str, Any]:
    hit = _DISCOVERY.get(issuer)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    import httpx

    try:
        r = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10.0)
        r.raise_for_status()
        doc: dict[str, Any] = r.json()
    except (httpx.HTTPError, ValueError):
        raise SsoError("The sign-in service cannot be reached. Try again, or sign in with your password") from None
    if doc.get("issuer", "").rstrip("/") != issuer:
        raise SsoError("The sign-in service is not configured correctly. Tell your administrator")
    _DISCOVERY[issuer] = (doc, time.monotonic() + 3600)
    return doc


def _client(settings: Settings, redirect_uri: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Authlib's notice about its httpx integration's future name
        from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]
    return OAuth2Client(settings.oidc_client_id, settings.oidc_client_secret, scope="openid profile email",
                        redirect_uri=redirect_uri, code_challenge_method="S256", timeout=10.0)


def _redirect_uri(request: Request, settings: Settings) -> str:
    """Where the provider sends the browser back: under ``MEDNEC_PUBLIC_URL`` when it is set (behind
    a proxy the request's own address is the internal one), else under the request's address."""
    base = settings.public_url or str(request.base_url).rstrip("/")
    return base + "/sign-in/sso/callback"


def _start(request: Request, nxt: str) -> Response:
    ctx = ctx_of(request)
    settings = current()
    if not sso_enabled(settings):
        return page(ctx, "sign_in.html", 404, next=nxt, error="Single sign-on is not set up on this server")
    try:
        doc = _discovery(str(settings.oidc_issuer))
    except SsoError as exc:
        return page(ctx, "sign_in.html", 503, next=nxt, error=str(exc))
    state, nonce, verifier = (secrets.token_urlsafe(24) for _ in range(3))
    url, _ = _client(settings, _redirect_uri(request, settings)).create_authorization_url(
        doc["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier)
    resp = RedirectResponse(url, status_code=303)
    token = ctx.state.signer.dumps({"s": state, "n": nonce, "v": verifier, "next": local_path(nxt)})
    resp.set_cookie(SSO_COOKIE, token, max_age=SSO_MAX_AGE, httponly=True, samesite="lax",
                    secure=request.url.scheme == "https", path="/sign-in/sso")
    return resp


def _verify_id_token(settings: Settings, doc: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    import httpx
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        keys = KeySet.import_key_set(httpx.get(doc["jwks_uri"], timeout=10.0).raise_for_status().json())
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
        jwt.JWTClaimsRegistry(
            leeway=60, iss={"essential": True, "value": str(settings.oidc_issuer)},
            aud={"essential": True, "value": str(settings.oidc_client_id)},
            exp={"essential": True}, sub={"essential": True}, nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, httpx.HTTPError, ValueError, KeyError):
        raise SsoError("The sign-in service's answer could not be verified. Try again") from None
    return dict(token.claims)


def _callback(request: Request, params: dict[str, str]) -> Response:
    ctx = ctx_of(request)
    settings = current()
    raw = request.cookies.get(SSO_COOKIE)
    flow = ctx.state.signer.loads(raw, SSO_MAX_AGE) if raw else None
    nxt = local_path(str(flow.get("next") or "/")) if flow else "/"
    try:
        if not sso_enabled(settings):
            raise SsoError("Single sign-on is not set up on this server")
        if flow is None or not secrets.compare_digest(str(flow.get("s")).encode("utf-8", "replace"),
                                                       params.get("state", "").encode("utf-8", "replace")):
            raise SsoError("The sign-in took too long or was started elsewhere. Start again")
        if params.get("error") or not params.get("code"):
            raise SsoError("The sign-in service did not sign you in. Start again, or sign in with your password")
        doc = _discovery(str(settings.oidc_issuer))
        try:
            tokens = _client(settings, _redirect_uri(request, settings)).fetch_token(
                doc["token_endpoint"], code=params["code"], code_verifier=flow["v"])
        except Exception:  # noqa: BLE001 - any failure of the code exchange is one plain answer
            raise SsoError("The sign-in service refused the sign-in. Start again") from None
        claims = _verify_id_token(settings, doc, str(tokens.get("id_token") or ""), str(flow["n"]))
        user = identities.user_for(ctx.service.db, str(settings.oidc_issuer), str(claims["sub"]))
        if user is None:
            raise SsoError("Your account at the sign-in service is not linked to a mednec user. Ask your administrator")
    except SsoError as exc:
        with ctx.service.db.session() as s:
            audit.append(s, actor_id=None, action="auth.failed", entity_type="user", entity_id="?",
                         detail={"via": "sso"}, at=ctx.service.now())
        resp = page(ctx, "sign_in.html", 401, next=nxt, field="sso", error=str(exc))
        resp.delete_cookie(SSO_COOKIE, path="/sign-in/sso")
        return resp
    token = identities.session_token(user.id, str(settings.oidc_issuer), str(claims["sub"]))
    principal = ctx.service.accounts.principal_for_key_hash(token)
    if principal is None:  # unlinked in the instant since
        return page(ctx, "sign_in.html", 401, next=nxt, field="sso", error="Start again")
    ctx.service.audit_log.record(principal, "auth.login", "user", user.id, via="sso")
    ctx.session.sign_in(token, principal.session_version)
    ctx.principal = principal
    return _continue(ctx, nxt)


def _continue(ctx: Ctx, nxt: str) -> Response:
    """A page that moves on to ``nxt`` from this site, so the session cookie (SameSite) goes with it."""
    target = html.escape(nxt if nxt != "/sign-in" else "/")
    body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signed in · mednec</title>'
            f'<meta http-equiv="refresh" content="0;url={target}"><link rel="stylesheet" href="/static/app.css">'
            f'</head><body><main id="main" class="container"><h1>Signed in</h1>'
            f'<p><a href="{target}">Continue</a></p></main></body></html>')
    resp = finish(ctx, HTMLResponse(body))
    resp.delete_cookie(SSO_COOKIE, path="/sign-in/sso")
    return resp


def register(router: APIRouter) -> None:
    @router.get("/sign-in/sso")
    async def sso_start(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query name
        return await run_in_threadpool(_start, request, next)

    @router.get("/sign-in/sso/callback")
    async def sso_callback(request: Request) -> Response:
        params = {k: v[:2000] for k, v in request.query_params.items()}
        return await run_in_threadpool(_callback, request, params)
