"""Browser sessions: a signed, HttpOnly, SameSite=Lax cookie, and a CSRF token for every form.

The cookie holds no credential: after a sign-in it carries the SHA-256 hash of the API key
(the same hash the database stores), the user's session version, the CSRF token and the time
it was issued, signed with the application's secret (itsdangerous). Each request looks the
hash up again (no cache), so revoking the key ends every browser session signed in with it at
once; signing out raises the user's session version, so a copied cookie of that user stops
working at once too.

SameSite=Lax: a link from another site (a deep link in an e-mail or an EHR) opens the page
signed in; a cross-site POST carries no cookie, so it fails the CSRF check. A response to a
cross-site request that brought no cookie writes none either, so it cannot replace (wipe) a
valid session.

The secret comes from ``MEDNEC_SECRET_KEY``; without it a random one is made per process, so
sessions end when the server restarts and several workers need the variable set.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from mednec.settings import current
from mednec.store.access import Principal
from mednec.store.service import Service

__all__ = ["COOKIE", "MAX_AGE", "SessionData", "Signer", "principal_for", "secret_key"]

COOKIE = "mednec_session"
MAX_AGE = 12 * 3600  # a working day
log = logging.getLogger("mednec.web")


def secret_key() -> bytes:
    """``MEDNEC_SECRET_KEY`` or a random per-process secret (sessions then end at restart)."""
    env = current().secret_key
    if env:
        return env.encode()
    log.info("MEDNEC_SECRET_KEY is not set: browser sessions use a per-process secret")
    return secrets.token_bytes(32)


class Signer:
    """Sign and check a JSON payload with a timestamp (itsdangerous, part of the service extra)."""

    def __init__(self, secret: bytes) -> None:
        from itsdangerous import URLSafeTimedSerializer

        self._its = URLSafeTimedSerializer(secret, salt="mednec.web.session")

    def dumps(self, data: dict[str, Any]) -> str:
        return str(self._its.dumps(data))

    def loads(self, token: str, max_age: int) -> dict[str, Any] | None:
        from itsdangerous import BadSignature

        try:
            data = self._its.loads(token, max_age=max_age)
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None


@dataclass
class SessionData:
    """What the cookie carries. ``changed`` tells the response to write the cookie again."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    key_hash: str | None = None
    version: int = 0  # the user's session version at sign-in
    changed: bool = False
    cleared: bool = False

    @classmethod
    def from_cookie(cls, signer: Signer, raw: str | None) -> SessionData:
        data = signer.loads(raw, MAX_AGE) if raw else None
        if not data or not isinstance(data.get("c"), str):
            return cls(changed=True)
        kh, v = data.get("k"), data.get("v")
        return cls(csrf=data["c"], key_hash=kh if isinstance(kh, str) else None,
                   version=v if isinstance(v, int) and not isinstance(v, bool) else -1)

    def to_cookie(self, signer: Signer) -> str:
        out: dict[str, Any] = {"c": self.csrf}
        if self.key_hash:
            out["k"], out["v"] = self.key_hash, self.version
        return signer.dumps(out)

    def sign_in(self, key_hash: str, version: int = 0) -> None:
        """A new CSRF token at sign-in, so a token seen before it is worthless after."""
        self.key_hash, self.version, self.csrf, self.changed = key_hash, version, secrets.token_urlsafe(24), True

    def sign_out(self) -> None:
        self.key_hash, self.csrf, self.changed, self.cleared = None, secrets.token_urlsafe(24), True, True

    def csrf_ok(self, token: str | None) -> bool:
        # as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500)
        return bool(token) and hmac.compare_digest(str(token).encode("utf-8", "replace"), self.csrf.encode())


def principal_for(service: Service, session: SessionData) -> Principal | None:
    """The user whose unrevoked API key has the session's hash, when the session is of the
    user's current session version (else the user signed out since, everywhere)."""
    if not session.key_hash:
        return None
    p = service.accounts.principal_for_key_hash(session.key_hash)
    return p if p is not None and p.session_version == session.version else None
