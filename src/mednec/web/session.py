"""Browser sessions: a signed, HttpOnly, SameSite=Strict cookie, and a CSRF token for every form.

The cookie holds no credential: after a sign-in it carries the SHA-256 hash of the API key
(the same hash the database stores), the CSRF token and the time it was issued, signed with
the application's secret (itsdangerous when installed, else HMAC-SHA256). Each request looks
the hash up again, so revoking the key ends every browser session signed in with it (within
the look-up cache's 30 seconds).

The secret comes from ``MEDNEC_SECRET_KEY``; without it a random one is made per process, so
sessions end when the server restarts and several workers need the variable set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
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
    """Sign and check a JSON payload with a timestamp (itsdangerous, else HMAC-SHA256)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        try:
            from itsdangerous import URLSafeTimedSerializer
        except ImportError:  # pragma: no cover - itsdangerous ships with the test extras
            self._its: Any = None
        else:
            self._its = URLSafeTimedSerializer(secret, salt="mednec.web.session")

    def dumps(self, data: dict[str, Any]) -> str:
        if self._its is not None:
            return str(self._its.dumps(data))
        body = base64.urlsafe_b64encode(json.dumps({"d": data, "t": int(time.time())}).encode()).decode()
        return f"{body}.{self._mac(body)}"

    def loads(self, token: str, max_age: int) -> dict[str, Any] | None:
        if self._its is not None:
            from itsdangerous import BadSignature

            try:
                data = self._its.loads(token, max_age=max_age)
            except BadSignature:
                return None
            return data if isinstance(data, dict) else None
        body, _, mac = token.rpartition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(body.encode()))
        except ValueError:
            return None
        if not isinstance(raw, dict) or time.time() - float(raw.get("t", 0)) > max_age:
            return None
        d = raw.get("d")
        return d if isinstance(d, dict) else None

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()


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
