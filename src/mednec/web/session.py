"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie, and a CSRF token for every form.

The cookie holds no credential: after a sign-in it carries the SHA-256 hash of the API key
(the same hash the database stores), the CSRF token and the time it was issued, signed with
the application's secret (itsdangerous). Each request looks
the hash up again, so revoking the key ends every browser session signed in with it (within
the look-up cache's 30 seconds).

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
from mednec.store.service import Principal, Service

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
    changed: bool = False
    cleared: bool = False

    @classmethod
    def from_cookie(cls, signer: Signer, raw: str | None) -> SessionData:
        data = signer.loads(raw, MAX_AGE) if raw else None
        if not data or not isinstance(data.get("c"), str):
            return cls(changed=True)
        kh = data.get("k")
        return cls(csrf=data["c"], key_hash=kh if isinstance(kh, str) else None)

    def to_cookie(self, signer: Signer) -> str:
        out: dict[str, Any] = {"c": self.csrf}
        if self.key_hash:
            out["k"] = self.key_hash
        return signer.dumps(out)

    def sign_in(self, key_hash: str) -> None:
        """A new CSRF token at sign-in, so a token seen before it is worthless after."""
        self.key_hash, self.csrf, self.changed = key_hash, secrets.token_urlsafe(24), True

    def sign_out(self) -> None:
        self.key_hash, self.csrf, self.changed, self.cleared = None, secrets.token_urlsafe(24), True, True

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf)


def principal_for(service: Service, key_hash: str | None) -> Principal | None:
    """The user whose unrevoked API key has this hash (the service's cached look-up)."""
    if not key_hash:
        return None
    return service.principal_for_key_hash(key_hash)
