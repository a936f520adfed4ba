"""Published policy versions: what the service evaluates with.

Policies ship in the package; each shipped version is recorded in ``policy_versions`` on
start-up. New versions are drafted through the API, submitted for review, and published by a
different policy author (or an admin); publishing retires the previous version. Nothing is
edited in place, and every evaluation records the version it used.

Workers learn of a newly published version within ``REFRESH_SECONDS``.

A version names one logic. At start-up, a stored version of a loaded policy whose logic
(:mod:`mednec.policies.logic`) differs from the loaded file of the same version stops the service
(:class:`~mednec.errors.ConfigError`): the evaluations stored under that version were made with other
logic than the one it would now run (an upgrade that changed a policy without bumping its version, or
an edited row). A difference of wording or comments only is not one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from mednec.errors import ConfigError, ConflictError, ForbiddenError, InputError, NotFoundError
from mednec.policies.loader import compile_policy_text
from mednec.policies.model import Pack, Policy
from mednec.runtime import Runtime
from mednec.states import PolicyState
from mednec.store import audit
from mednec.store.db import Database
from mednec.store.models import PolicyVersion

__all__ = ["REFRESH_SECONDS", "PolicyRegistry"]

REFRESH_SECONDS = 5.0
#: the longest version a policy may have (policy_versions.version)
MAX_VERSION = 50


class PolicyRegistry:
    """Maps policy ids to their published, compiled versions."""

    def __init__(self, db: Database, runtime: Runtime) -> None:
        self.db, self.runtime = db, runtime
        self._compiled: dict[tuple[str, str], Policy] = {
            (p.id, p.version): p for p in runtime.catalog.policies()
        }
        self._published: dict[str, str] = {}
        self._packs: dict[tuple[str, tuple[str, ...]], Pack] = {}
        self._expires = 0.0

    def sync_shipped(self, now: dt.datetime) -> None:
        """Record the shipped versions; publish one where nothing is published yet.
        Safe when several workers start at once (the loser of a race sees the rows and stops)."""
        from sqlalchemy.exc import IntegrityError

        try:
            self._sync(now)
        except IntegrityError:
            self._sync(now)

    def _sync(self, now: dt.datetime) -> None:
        with self.db.session() as s:
            problems = self._logic_problems(s)
            if problems:
                raise ConfigError(
                    "a stored policy version's logic differs from the shipped file of the same version: "
                    + "; ".join(problems) + ". Same version + same facts must give the same answer, so the service "
                    "does not start: ship the changed logic under a new version (bump `version:`, then `mednec "
                    "policies check --record-versions`), or restore the policy file of that version",
                    field="policy_versions")
            for p in self.runtime.catalog.policies():
                if s.get(PolicyVersion, (p.id, p.version)) is not None:
                    continue
                published = s.execute(sa.select(PolicyVersion).where(
                    PolicyVersion.policy_id == p.id, PolicyVersion.status == PolicyState.PUBLISHED)).scalar_one_or_none()
                if published is None:
                    status = PolicyState.PUBLISHED
                elif published.source == "shipped":
                    published.status = PolicyState.RETIRED  # a package upgrade replaces a shipped version
                    status = PolicyState.PUBLISHED
                else:
                    status = PolicyState.IN_REVIEW  # a locally published version stays until an author decides
                s.add(PolicyVersion(policy_id=p.id, version=p.version, status=status,
                                    yaml_text=Path(p.source).read_text("utf-8"), source="shipped",
                                    created_at=now, published_at=now if status == PolicyState.PUBLISHED else None))
                audit.append(s, actor_id=None, action="policy.register", entity_type="policy",
                             entity_id=p.id, policy_version=f"{p.id}@{p.version}", detail={"status": status}, at=now)
        self._expires = 0.0

    def _logic_problems(self, s: Session) -> list[str]:
        """``policy@version: ...`` for each loaded policy whose version is stored with other logic (its
        logic digest, :mod:`mednec.policies.logic`, differs from the loaded file's). Stored text equal to the
        file's is not parsed; a difference of wording or comments only is no problem."""
        from mednec.packcheck.versions import digest_of
        from mednec.policies.loader import parse_yaml_text
        from mednec.policies.logic import logic_digest

        out = []
        for p in self.runtime.catalog.policies():
            row = s.get(PolicyVersion, (p.id, p.version))
            if row is None or row.yaml_text == Path(p.source).read_text("utf-8"):
                continue
            try:
                stored = logic_digest(parse_yaml_text(row.yaml_text, name=f"{p.id}@{p.version}"))
            except ConfigError:
                stored = "unreadable"
            shipped = digest_of(p)
            if stored != shipped:
                out.append(f"{p.id}@{p.version} (stored {row.source}, logic digest {stored[:12]}; the loaded file's "
                           f"{shipped[:12]})")
        return out

    def _refresh(self) -> None:
        if time.monotonic() < self._expires:
            return
        with self.db.reading() as s:
            rows = s.execute(sa.select(PolicyVersion.policy_id, PolicyVersion.version)
                             .where(PolicyVersion.status == PolicyState.PUBLISHED)).all()
        self._published = {pid: ver for pid, ver in rows}
        self._expires = time.monotonic() + REFRESH_SECONDS

    def compiled(self, policy_id: str, version: str) -> Policy:
        """A version compiled (once per process)."""
        key = (policy_id, version)
        if key not in self._compiled:
            with self.db.reading() as s:
                row = s.get(PolicyVersion, key)
                if row is None:
                    raise NotFoundError(f"no policy {policy_id} version {version}")
                text = row.yaml_text
            self._compiled[key] = compile_policy_text(text, self.runtime.catalog, source=f"policy {policy_id}@{version}")
        return self._compiled[key]

    def current(self, shipped: Policy) -> tuple[Policy, Pack]:
        """The published version of ``shipped``'s policy, and its pack with every policy current."""
        self._refresh()
        pack = self.runtime.catalog.pack_of(shipped)
        versions = tuple(self._published.get(p.id, p.version) for p in pack.policies)
        key = (pack.id, versions)
        if key not in self._packs:
            current = tuple(self.compiled(p.id, v) for p, v in zip(pack.policies, versions, strict=True))
            self._packs[key] = dataclasses.replace(pack, policies=current)
        cur_pack = self._packs[key]
        policy = next(p for p in cur_pack.policies if p.id == shipped.id)
        return policy, cur_pack

    # ---- authoring ------------------------------------------------------------------
    def draft(self, s: Session, actor_id: str, policy_id: str, yaml_text: str, now: dt.datetime) -> PolicyVersion:
        policy = compile_policy_text(yaml_text, self.runtime.catalog, source="draft")
        if policy.id != policy_id:
            raise ConflictError(f"the YAML is for policy {policy.id}, not {policy_id}", field="yaml")
        if len(policy.version) > MAX_VERSION:  # the column's length: PostgreSQL refuses a longer one (a 500 before)
            raise InputError(f"a version is at most {MAX_VERSION} characters", field="yaml.version")
        if s.get(PolicyVersion, (policy.id, policy.version)) is not None:
            raise ConflictError(f"version {policy.version} exists; versions are never edited, give a new version",
                                field="yaml.version")
        row = PolicyVersion(policy_id=policy.id, version=policy.version, status=PolicyState.DRAFT, yaml_text=yaml_text,
                            source="api", author_id=actor_id, created_at=now)
        s.add(row)
        self._compiled[(policy.id, policy.version)] = policy
        return row

    def transition(self, s: Session, actor_id: str, actor_role: str, policy_id: str, version: str,
                   action: str, now: dt.datetime, note: str | None = None) -> PolicyVersion:
        row = s.get(PolicyVersion, (policy_id, version), with_for_update=True)
        if row is None:
            raise NotFoundError(f"no policy {policy_id} version {version}")
        allowed = {"submit": (PolicyState.DRAFT,), "publish": (PolicyState.IN_REVIEW,),
                   "reject": (PolicyState.IN_REVIEW,)}
        if action not in allowed:
            raise ConflictError(f"unknown action {action!r}", field="action")
        if row.status not in allowed[action]:
            raise ConflictError(f"cannot {action} a version that is {row.status.replace('_', ' ')}")
        if action == "submit":
            if row.author_id != actor_id and actor_role != "admin":
                raise ForbiddenError("only the author submits a draft")
            row.status = PolicyState.IN_REVIEW
        else:
            if row.author_id == actor_id:
                raise ForbiddenError("a different policy author (or an admin) must review a version")
            row.reviewer_id, row.note = actor_id, note
            if action == "reject":
                row.status = PolicyState.REJECTED
            else:
                for old in s.execute(sa.select(PolicyVersion).where(
                        PolicyVersion.policy_id == policy_id, PolicyVersion.status == PolicyState.PUBLISHED)).scalars():
                    old.status = PolicyState.RETIRED
                row.status, row.published_at = PolicyState.PUBLISHED, now
                self._expires = 0.0
        return row
