"""CDS Hooks 2.0 "Trusting CDS Clients": JWT bearer tokens signed by registered clients.

An EHR calling a CDS service sends ``Authorization: Bearer <JWT>``, signed with one of its keys.
A client is registered (:class:`CdsClient`) with its issuer (``iss``), the mednec user it acts as
(its organisation and role decide what it may do and see, as for an API key) and its public keys:
a JWKS given inline or a JWKS URL (fetched over HTTPS, cached for five minutes, fetched again once
when a token names an unknown ``kid``). A token is accepted when

* its issuer is registered and its signature verifies with one of that client's keys, under an
  asymmetric algorithm (:data:`ALGORITHMS`; ``none`` and HMAC are refused), and a ``jku`` header,
  if present, is the registered JWKS URL;
* ``aud`` is this CDS service's endpoint URL (a string, or a list of strings holding it), ``exp``
  is in the future and at most five minutes ahead (CDS Hooks), ``nbf`` and ``iat``, when present,
  are not in the future (each a finite number: NaN, infinities and booleans are refused), and
  ``jti`` is present and not seen before from that issuer (a replayed token is refused; token ids
  are kept until they expire, in the database, so every worker sees them).

The token's segments are read as strictly as a request body (:func:`mednec.hygiene.load_json`)
before the issuer is looked up: JSON nested thousands deep or holding NaN is a 401, never a 500.

JOSE is done by joserfc. API keys keep working alongside (``mk_...`` tokens).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from mednec.errors import AuthError, InputError
from mednec.store.access import Principal
from mednec.store.db import Database
from mednec.store.models import CdsTokenId, User

__all__ = ["ALGORITHMS", "CdsClient", "CdsTrust", "looks_like_jwt", "load_clients"]

#: asymmetric algorithms only (CDS Hooks: clients sign with ES384 or RS384)
ALGORITHMS = ("ES384", "RS384", "ES256", "RS256", "PS384", "PS256", "ES512", "RS512")
MAX_LIFETIME = 300  # seconds: CDS Hooks asks for exp no more than 5 minutes ahead
LEEWAY = 30
JWKS_TTL = 300.0
#: a token naming a key id the cached JWKS lacks refetches it at most this often (seconds): a client that
#: rotated its keys is heard within it, and tokens with made-up key ids cannot make mednec hammer the EHR
UNKNOWN_KID_REFETCH = 60.0


@dataclass(frozen=True)
class CdsClient:
    """A registered CDS client: its issuer, the mednec user it acts as, and its keys."""

    iss: str
    user_id: str
    jwks: Mapping[str, Any] | None = None
    jwks_url: str | None = None


def load_clients(data: Any) -> tuple[CdsClient, ...]:
    """Clients from JSON data: ``[{"iss", "user_id", "jwks" | "jwks_url"}, ...]``."""
    if not isinstance(data, list):
        raise InputError("CDS clients are a list of {iss, user_id, jwks | jwks_url}", field="cds_clients")
    out = []
    for i, c in enumerate(data):
        if not isinstance(c, Mapping) or not c.get("iss") or not c.get("user_id") or not (
                c.get("jwks") or c.get("jwks_url")):
            raise InputError("each CDS client needs iss, user_id and jwks or jwks_url", field=f"cds_clients[{i}]")
        out.append(CdsClient(str(c["iss"]), str(c["user_id"]), c.get("jwks"), c.get("jwks_url")))
    return tuple(out)


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated base64url parts (an API key is ``mk_...``)."""
    return token.count(".") == 2 and not token.startswith("mk_")


def _segment(token: str, n: int) -> dict[str, Any]:
    """One JSON segment of the token, read as strictly as a request body (:func:`mednec.hygiene.load_json`:
    no NaN, no 1e999999, no NUL or lone surrogate, at most 48 levels deep), before any JOSE code sees it."""
    from mednec.hygiene import load_json

    part = token.split(".")[n]
    try:
        data = load_json(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)), "Authorization")
    except (ValueError, InputError):
        raise AuthError("the bearer token is not a JWT") from None
    if not isinstance(data, dict):
        raise AuthError("the bearer token is not a JWT")
    return data


#: what a JWKS URL may answer (RFC 7517 section 8.5 registers application/jwk-set+json)
JWKS_TYPES = ("application/jwk-set+json", "application/json")
#: seconds for a whole JWKS answer
JWKS_TIMEOUT = 3.0


def _fetch_jwks(url: str) -> Any:
    """The registered JWKS URL's key set, fetched as a FHIR server's answer is (the operator listed
    the URL; its server is the client's): no redirects, at most 16 MiB, within
    :data:`JWKS_TIMEOUT` for the whole answer, JSON read strictly (:func:`mednec.fhir.fetching.get_json`)."""
    from mednec.fhir.fetching import get_json

    return get_json(url, None, listed=(url,), timeout=JWKS_TIMEOUT, types=JWKS_TYPES, what="the JWKS URL")


def _time_claim(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim (RFC 7519): None when absent; a finite number, else :class:`AuthError`."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AuthError(f"the token's {name} is not a time (seconds since 1970)")
    return float(value)


class CdsTrust:
    """Verifies CDS clients' JWTs (see the module docstring)."""

    def __init__(self, clients: Sequence[CdsClient], db: Database, *,
                 fetch: Callable[[str], Any] = _fetch_jwks, clock: Callable[[], float] = time.time) -> None:
        self.clients = {c.iss: c for c in clients}
        self.db, self.fetch, self.clock = db, fetch, clock
        self._jwks: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def _keys(self, client: CdsClient, kid: str | None) -> Any:
        from joserfc.jwk import KeySet

        if client.jwks is not None:
            return KeySet.import_key_set(dict(client.jwks))  # type: ignore[arg-type]
        url = str(client.jwks_url)
        with self._lock:
            cached = self._jwks.get(url)
        now = time.monotonic()
        fresh = cached is not None and cached[0] > now
        known = cached is not None and (kid is None or any(k.get("kid") == kid for k in cached[1].get("keys", ())))
        recently = cached is not None and now - (cached[0] - JWKS_TTL) < UNKNOWN_KID_REFETCH
        if not fresh or not (known or recently):
            try:
                data = self.fetch(url)
            except Exception:  # noqa: BLE001 - any failure to get the keys refuses the token
                raise AuthError(f"could not fetch the JWKS of {client.iss}") from None
            if not isinstance(data, Mapping) or not isinstance(data.get("keys"), list):
                raise AuthError(f"the JWKS of {client.iss} is not a key set")
            with self._lock:
                self._jwks[url] = (time.monotonic() + JWKS_TTL, data)
            cached = (0.0, data)
        assert cached is not None
        return KeySet.import_key_set(dict(cached[1]))  # type: ignore[arg-type]

    def verify(self, token: str, audience: str) -> Principal:
        """The principal of a valid token from a registered client; :class:`AuthError` otherwise."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        header, unverified = _segment(token, 0), _segment(token, 1)
        client = self.clients.get(str(unverified.get("iss") or ""))
        if client is None:
            raise AuthError("the token's issuer is not a registered CDS client")
        if header.get("alg") not in ALGORITHMS:
            raise AuthError(f"algorithm {header.get('alg')!r} is not accepted; use one of: {', '.join(ALGORITHMS)}")
        if header.get("jku") and header.get("jku") != client.jwks_url:
            raise AuthError("the token's jku is not the client's registered JWKS URL")
        try:
            decoded = jwt.decode(token, self._keys(client, header.get("kid")), algorithms=list(ALGORITHMS))
        except JoseError as exc:
            raise AuthError(f"the token's signature does not verify ({exc.error})") from None
        claims = decoded.claims
        now = self.clock()
        self._check_claims(claims, client, audience, now)
        self._remember(client.iss, str(claims["jti"]), float(claims["exp"]), now)
        return self._principal(client)

    @staticmethod
    def _check_claims(claims: Mapping[str, Any], client: CdsClient, audience: str, now: float) -> None:
        if claims.get("iss") != client.iss:
            raise AuthError("the token's iss changed after it was read")
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if audience not in [a for a in auds if isinstance(a, str)]:
            raise AuthError(f"the token's aud is not this CDS service ({audience})")
        exp = _time_claim(claims, "exp")
        if exp is None:
            raise AuthError("the token has no exp")
        if exp < now - LEEWAY:
            raise AuthError("the token has expired")
        if exp > now + MAX_LIFETIME + LEEWAY:
            raise AuthError("the token's exp is more than five minutes ahead")
        for name in ("nbf", "iat"):  # optional; when present, not after now
            when = _time_claim(claims, name)
            if when is not None and when > now + LEEWAY:
                raise AuthError(f"the token's {name} is in the future (not valid yet)")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 200:
            raise AuthError("the token has no jti (a unique token id)")

    def _remember(self, iss: str, jti: str, exp: float, now: float) -> None:
        expires = dt.datetime.fromtimestamp(exp, dt.UTC)
        try:
            with self.db.session() as s:
                s.execute(sa.delete(CdsTokenId).where(CdsTokenId.expires < dt.datetime.fromtimestamp(
                    now - LEEWAY, dt.UTC)))
                s.add(CdsTokenId(iss=iss[:300], jti=jti, expires=expires))
        except IntegrityError:
            raise AuthError("this token was already used (replayed jti)") from None

    def _principal(self, client: CdsClient) -> Principal:
        with self.db.reading() as s:
            user = s.get(User, client.user_id)
        if user is None:
            raise AuthError(f"the CDS client {client.iss} acts as an unknown user")
        return Principal(user.id, user.org_id, user.role, user.name)
