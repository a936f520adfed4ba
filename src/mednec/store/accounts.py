"""Accounts: organisations, users, API keys, passwords and browser sessions, and authentication.

API keys are stored as SHA-256 hashes and looked up on every request, so revoking a key (or
ending a person's sessions) takes effect at once. Passwords: :mod:`mednec.store.passwords`;
single sign-on sessions: :mod:`mednec.store.identities`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mednec.errors import AuthError, ForbiddenError, InputError, NotFoundError
from mednec.store import audit, identities, passwords
from mednec.store.access import Principal, ServicePart, of_reviewing_org, principal_of, require_admin_of
from mednec.store.models import ROLES, ApiKey, Organization, User

__all__ = ["Accounts", "hash_key"]

_USERS = cast(sa.Table, User.__table__)
_KEYS = cast(sa.Table, ApiKey.__table__)
# one indexed look-up per request, not cached: a revoked key or an ended session stops at once
_PRINCIPAL_ROW = (sa.select(_USERS.c.id, _USERS.c.org_id, _USERS.c.role, _USERS.c.name, _USERS.c.system_admin,
                            _USERS.c.session_version)
                  .select_from(_USERS.join(_KEYS, _KEYS.c.user_id == _USERS.c.id))
                  .where(_KEYS.c.key_hash == sa.bindparam("digest"), _KEYS.c.revoked_at.is_(None)))


def hash_key(key: str) -> str:
    """API keys are stored as SHA-256 hashes (they are 256-bit random, so no stretching is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


class Accounts(ServicePart):
    """Organisations, users and their credentials; who a request comes from."""

    def ensure_org(self, s: Session, org_id: str, name: str | None = None) -> Organization:
        org = s.get(Organization, org_id)
        if org is None:
            org = Organization(id=org_id, name=name or org_id, created_at=self.now())
            s.add(org)
            audit.append(s, actor_id=None, action="org.create", entity_type="organization", entity_id=org_id, at=self.now())
        return org

    def add_user(self, org_id: str, name: str, role: str, *, actor_id: str | None = None,
                 system_admin: bool = False, actor: Principal | None = None) -> User:
        """Create a user. With ``actor`` (an admin through the API) the admin's scope applies: its
        own organisation only, and only a system administrator makes another one."""
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}", field="role")
        if system_admin and role != "admin":
            raise InputError("only an admin can be a system administrator", field="system_admin")
        if actor is not None:
            require_admin_of(actor, org_id)
            if system_admin and not actor.system_admin:
                raise ForbiddenError("only a system administrator makes another one")
            actor_id = actor.id
        with self.db.session() as s:
            if actor is not None and role == "policy_author" and not of_reviewing_org(s, actor):
                # a policy author's versions, once published, apply to every organisation: the role is
                # granted by a system administrator or a reviewing organisation's admin only
                raise ForbiddenError("only a system administrator or an admin of a reviewing organisation "
                                     "grants the policy_author role")
            org = self.ensure_org(s, org_id)
            if actor is None and (role in ("physician_reviewer", "auditor") or system_admin) and not org.reviews_all:
                # the operator (CLI, set-up) placing a reviewer, auditor or system administrator in an
                # organisation makes it a reviewing one; an admin through the API never does
                org.reviews_all = True
                audit.append(s, actor_id=actor_id, action="org.reviewing", entity_type="organization",
                             entity_id=org_id, detail={"because": role}, at=self.now())
            user = User(id=f"usr_{uuid.uuid4().hex[:16]}", org_id=org_id, name=name, role=role, created_at=self.now(),
                        system_admin=system_admin, session_version=0)
            s.add(user)
            s.flush()
            audit.append(s, actor_id=actor_id, action="user.create", entity_type="user", entity_id=user.id,
                         detail={"role": role, "org": org_id, "system_admin": system_admin}, at=self.now())
            return user

    def create_key(self, user_id: str, *, actor_id: str | None = None) -> str:
        """Create an API key for a user; the plain key is returned once and never stored."""
        return self.issue_key(user_id, actor_id=actor_id)[1]

    def issue_key(self, user_id: str, *, actor_id: str | None = None,
                  actor: Principal | None = None) -> tuple[str, str]:
        """``(key id, plain key)``: a new API key for a user (the plain key is never stored). With
        ``actor``, an admin of the user's organisation (or a system administrator) only."""
        with self.db.session() as s:
            user = s.get(User, user_id)
            if actor is not None:
                if user is None or not (actor.system_admin or user.org_id == actor.org_id):
                    require_admin_of(actor, actor.org_id)  # a non-admin learns nothing more
                    raise NotFoundError(f"no user {user_id}", field="user")
                require_admin_of(actor, user.org_id)
                actor_id = actor.id
            if user is None:
                raise NotFoundError(f"no user {user_id}", field="user")
            key = "mk_" + secrets.token_urlsafe(32)
            rec = ApiKey(id=f"key_{uuid.uuid4().hex[:16]}", user_id=user_id, key_hash=hash_key(key),
                         prefix=key[:10], created_at=self.now())
            s.add(rec)
            s.flush()
            audit.append(s, actor_id=actor_id, action="key.create", entity_type="api_key", entity_id=rec.id,
                         detail={"user": user_id}, at=self.now())
            return rec.id, key

    def revoke_key(self, key_id: str, *, user_id: str | None = None, actor: Principal | None = None) -> ApiKey:
        """Revoke an API key at once (every request looks keys up afresh). ``user_id``, when given,
        must own it; ``actor`` (through the API) must be an admin of the owner's organisation."""
        with self.db.session() as s:
            rec = s.get(ApiKey, key_id, with_for_update=True)
            owner = s.get(User, rec.user_id) if rec is not None else None
            if actor is not None:
                require_admin_of(actor, actor.org_id)
            if rec is None or owner is None or (user_id is not None and rec.user_id != user_id) or (
                    actor is not None and not actor.system_admin and owner.org_id != actor.org_id):
                raise NotFoundError(f"no key {key_id}", field="key")
            if rec.revoked_at is None:
                rec.revoked_at = self.now()
                owner.session_version += 1  # browser sessions of the owner end too
                audit.append(s, actor_id=actor.id if actor else None, action="key.revoke", entity_type="api_key",
                             entity_id=rec.id, detail={"user": rec.user_id}, at=self.now())
            return rec

    def user_keys(self, user_id: str) -> list[ApiKey]:
        with self.db.reading() as s:
            if s.get(User, user_id) is None:
                raise NotFoundError(f"no user {user_id}", field="user")
            return list(s.execute(sa.select(ApiKey).where(ApiKey.user_id == user_id)
                                  .order_by(ApiKey.created_at)).scalars())

    def end_sessions(self, p: Principal) -> None:
        """Sign-out: every browser session of the user ends (their cookies carry an older version)."""
        with self.db.session() as s:
            s.execute(sa.update(User).where(User.id == p.id).values(session_version=User.session_version + 1))
            audit.append(s, actor_id=p.id, action="auth.logout", entity_type="user", entity_id=p.id,
                         detail={"via": "web"}, at=self.now())

    def principal_for_key_hash(self, digest: str) -> Principal | None:
        """The user whose unrevoked API key has this SHA-256 hash (or whose password session this
        is), or None. Looked up on every request (one indexed query), so revoking a key takes
        effect at once."""
        if digest.startswith((passwords.SESSION_PREFIX, identities.SESSION_PREFIX)):  # a person's browser session
            lookup = passwords.user_for_session if digest.startswith(passwords.SESSION_PREFIX) else identities.user_for_session
            user = lookup(self.db, digest)
            return None if user is None else principal_of(user)
        with self.db.read_engine.connect() as conn:
            row = conn.execute(_PRINCIPAL_ROW, {"digest": digest}).one_or_none()
        if row is None:
            return None
        return principal_of(row)

    def authenticate(self, key: str | None, *, on_failure: Callable[[], None] | None = None) -> Principal:
        """The user an unrevoked API key belongs to (looked up on every call); failures are audited.
        ``on_failure`` runs first on a wrong key: it counts it, and raises (429) when the client has
        tried too many, so a flood of wrong keys writes nothing more."""
        if not key:
            raise AuthError("missing credentials: send 'Authorization: Bearer <api key>'")
        principal = self.principal_for_key_hash(hash_key(key))
        if principal is not None:
            return principal
        if on_failure is not None:
            on_failure()
        with self.db.session() as s:  # committed before raising, so the failure stays on record
            audit.append(s, actor_id=None, action="auth.failed", entity_type="api_key",
                         entity_id=key[:10] if key.startswith("mk_") else "?", at=self.now())
        raise AuthError("unknown or revoked API key")

    def set_password(self, user_id: str, username: str, password: str, *, actor_id: str | None = None) -> None:
        """Give a person a username and password for the web pages (see :mod:`mednec.store.passwords`)."""
        passwords.set_password(self.db, user_id, username, password, now=self.now(), actor_id=actor_id)

    def sign_in_password(self, username: str, password: str) -> tuple[Principal, str]:
        """The person and their browser-session token, or :class:`AuthError` (failures and lockouts audited)."""
        user, token = passwords.check_password(self.db, username, password, now=self.now())
        return principal_of(user), token

    def list_users(self) -> list[User]:
        with self.db.reading() as s:
            return list(s.execute(sa.select(User).order_by(User.created_at)).scalars())
