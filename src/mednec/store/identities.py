"""Single sign-on identities: an OpenID Connect issuer and subject linked to a user
(``mednec users link-sso``). A browser session signed in this way carries :func:`session_token`
(the user and a digest of the identity), so unlinking the identity ends those sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import sqlalchemy as sa

from mednec.errors import InputError, NotFoundError
from mednec.store import audit
from mednec.store.db import Database
from mednec.store.models import User, UserIdentity

__all__ = ["SESSION_PREFIX", "link", "session_token", "user_for", "user_for_session"]

SESSION_PREFIX = "sso:"


def _digest(issuer: str, subject: str) -> str:
    return hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]


def session_token(user_id: str, issuer: str, subject: str) -> str:
    return f"{SESSION_PREFIX}{user_id}:{_digest(issuer, subject)}"


def link(db: Database, user_id: str, issuer: str, subject: str, *, now: dt.datetime, actor_id: str | None = None) -> None:
    """Let the identity ``subject`` at ``issuer`` sign in as ``user_id`` (replacing an earlier link of it)."""
    if not issuer.startswith(("https://", "http://")) or not subject or len(subject) > 200 or len(issuer) > 300:
        raise InputError("an issuer URL and a subject of 1 to 200 characters", field="subject")
    with db.session() as s:
        if s.get(User, user_id) is None:
            raise NotFoundError(f"no user {user_id}", field="user")
        row = s.get(UserIdentity, (issuer, subject))
        if row is None:
            s.add(UserIdentity(issuer=issuer, subject=subject, user_id=user_id, created_at=now))
        else:
            row.user_id = user_id
        audit.append(s, actor_id=actor_id, action="user.link_sso", entity_type="user", entity_id=user_id, at=now)


def user_for(db: Database, issuer: str, subject: str) -> User | None:
    with db.reading() as s:
        row = s.get(UserIdentity, (issuer, subject))
        return None if row is None else s.get(User, row.user_id)


def user_for_session(db: Database, token: str) -> User | None:
    """The user of a :func:`session_token`, while the identity is still linked to them."""
    user_id, _, digest = token.removeprefix(SESSION_PREFIX).partition(":")
    with db.reading() as s:
        rows = s.execute(sa.select(UserIdentity).where(UserIdentity.user_id == user_id)).scalars()
        if any(hmac.compare_digest(_digest(r.issuer, r.subject), digest) for r in rows):
            return s.get(User, user_id)
    return None
