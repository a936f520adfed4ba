"""Password sign-in for people (API keys stay for machines).

- Hashes are Argon2id (``argon2-cffi``, the maintained binding of the reference implementation),
  with its default parameters; a hash made with older parameters is replaced at the next sign-in.
- A wrong password counts against the username; after :data:`LOCK_AFTER` failures in a row the
  username is locked for :data:`LOCK_FOR`, and the lockout is written to the audit log
  (``auth.lockout``) like every failure (``auth.failed``). A sign-in during a lockout is refused
  without checking the password, so guessing on stops counting.
- An unknown username costs the same hash check as a known one and gets the same answer.
- A browser session signed in by password carries :func:`session_token`: the user id and a digest
  of the current hash, so setting a new password ends every session signed in with the old one.
- Nothing here logs; the audit entries carry the user id (or ``?``), never the password or the
  username typed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mednec.errors import AuthError, InputError, NotFoundError
from mednec.store import audit
from mednec.store.db import Database
from mednec.store.models import User, UserPassword

__all__ = [
    "LOCK_AFTER",
    "LOCK_FOR",
    "MIN_LENGTH",
    "SESSION_PREFIX",
    "LockedOut",
    "check_password",
    "session_token",
    "set_password",
    "user_for_session",
]

LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)
MIN_LENGTH = 12
MAX_LENGTH = 256
SESSION_PREFIX = "pw:"
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("mednec: a hash to check unknown usernames against")


class LockedOut(AuthError):  # noqa: N818 - an AuthError with the time the lockout ends
    """Too many failed attempts: the username is locked until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__("too many failed sign-in attempts: try again later")
        self.until = until


def _clean_username(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InputError("a username is 1 to 100 characters without spaces", field="username")
    return name


def _check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password has at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise InputError(f"a password has at most {MAX_LENGTH} characters", field="password")


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)  # SQLite returns naive times


def set_password(db: Database, user_id: str, username: str, password: str, *, now: dt.datetime,
                 actor_id: str | None = None) -> None:
    """Give ``user_id`` the sign-in ``username`` / ``password`` (replacing any earlier one; clears a lockout)."""
    name = _clean_username(username)
    _check_strength(password)
    digest = _HASHER.hash(password)
    with db.session() as s:
        if s.get(User, user_id) is None:
            raise NotFoundError(f"no user {user_id}", field="user")
        taken = s.execute(sa.select(UserPassword.user_id).where(UserPassword.username == name)).scalar_one_or_none()
        if taken is not None and taken != user_id:
            raise InputError("that username belongs to another user", field="username")
        row = s.get(UserPassword, user_id)
        if row is None:
            s.add(UserPassword(user_id=user_id, username=name, password_hash=digest, failed=0, changed_at=now))
        else:
            row.username, row.password_hash, row.failed, row.locked_until, row.changed_at = name, digest, 0, None, now
        audit.append(s, actor_id=actor_id, action="user.set_password", entity_type="user", entity_id=user_id, at=now)


def check_password(db: Database, username: str, password: str, *, now: dt.datetime) -> tuple[User, str]:
    """The user whose username and password these are, and their session token; else :class:`AuthError`
    (:class:`LockedOut` during a lockout). Every failure and lockout is audited."""
    try:
        name = _clean_username(username)
    except InputError:
        name = ""
    with db.session() as s:
        row = None if not name else s.execute(
            sa.select(UserPassword).where(UserPassword.username == name).with_for_update()).scalar_one_or_none()
        if row is None or len(password) > MAX_LENGTH:
            _verify(_DUMMY, password[:MAX_LENGTH])  # the same cost as a known username
            audit.append(s, actor_id=None, action="auth.failed", entity_type="user", entity_id="?",
                         detail={"via": "password"}, at=now)
            raise_after = AuthError("unknown username or wrong password")
        elif row.locked_until is not None and _aware(row.locked_until) > now:
            audit.append(s, actor_id=None, action="auth.failed", entity_type="user", entity_id=row.user_id,
                         detail={"via": "password", "locked": True}, at=now)
            raise_after = LockedOut(_aware(row.locked_until))
        elif not _verify(row.password_hash, password):
            row.failed += 1
            audit.append(s, actor_id=None, action="auth.failed", entity_type="user", entity_id=row.user_id,
                         detail={"via": "password", "failed": row.failed}, at=now)
            raise_after = AuthError("unknown username or wrong password")
            if row.failed >= LOCK_AFTER:
                row.locked_until, row.failed = now + LOCK_FOR, 0
                audit.append(s, actor_id=None, action="auth.lockout", entity_type="user", entity_id=row.user_id,
                             detail={"until": row.locked_until.isoformat(), "after": LOCK_AFTER}, at=now)
                raise_after = LockedOut(row.locked_until)
        else:
            if _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            row.failed, row.locked_until = 0, None
            user = s.get(User, row.user_id)
            assert user is not None  # the foreign key
            return user, session_token(row.user_id, row.password_hash)
    raise raise_after  # after the session committed, so the failure stays on record


def _verify(digest: str, password: str) -> bool:
    try:
        return _HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def session_token(user_id: str, password_hash: str) -> str:
    """What a password-signed-in browser session carries: the user and a digest of the current hash."""
    return f"{SESSION_PREFIX}{user_id}:{hashlib.sha256(password_hash.encode()).hexdigest()[:32]}"


def user_for_session(db: Database, token: str) -> User | None:
    """The user of a :func:`session_token`, when their password has not changed since."""
    user_id, _, fp = token.removeprefix(SESSION_PREFIX).partition(":")
    with db.reading() as s:
        row = s.get(UserPassword, user_id)
        if row is None:
            return None
        expected = session_token(user_id, row.password_hash)
        return s.get(User, user_id) if hmac.compare_digest(expected, token) and fp else None
