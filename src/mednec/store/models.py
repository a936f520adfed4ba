"""SQLAlchemy 2 models. Patient data lives only in ``cases.data`` and ``evaluations.result``;
the audit log and every log line carry ids, versions and hashes, never patient facts."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mednec.states import PolicyState, ReviewState

__all__ = [
    "ApiKey",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Case",
    "CaseMessage",
    "CdsTokenId",
    "DtrAssertion",
    "DtrQuestionnaire",
    "Evaluation",
    "IdempotencyRecord",
    "OrgNotifications",
    "Organization",
    "OutboxMessage",
    "PolicyVersion",
    "PriorAuthClaim",
    "PriorAuthIdentifier",
    "ReviewAction",
    "User",
    "UserIdentity",
    "UserPassword",
]

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
ROLES = ("requester", "physician_reviewer", "policy_author", "auditor", "admin")
STATES = tuple(s.value for s in ReviewState)  # plain strings: the CHECK constraint is written from their repr


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONType}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    # the organisation reviews other organisations' requests (the plan): its physician reviewers,
    # auditors and admins read every organisation's cases; elsewhere they read their own only
    reviews_all: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    # an admin of every organisation (else an admin manages its own organisation's users only)
    system_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # raised at sign-out and key revocation: browser sessions of an older version are ended
    session_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    __table_args__ = (sa.CheckConstraint(f"role in {ROLES}", name="ck_users_role"),)


class OrgNotifications(Base):
    """Where an organisation hears of decisions: an e-mail address and/or a signed webhook."""

    __tablename__ = "org_notifications"
    org_id: Mapped[str] = mapped_column(sa.ForeignKey("organizations.id"), primary_key=True)
    email_to: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(sa.String(1000), nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)


class OutboxMessage(Base):
    """One notification to deliver (``channel`` email | webhook). The payload carries ids, states and
    times only, never patient facts; the address comes from the organisation's settings at delivery."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[str] = mapped_column(sa.String(16))
    event: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(16))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(sa.Integer)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    __table_args__ = (sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),)


class UserIdentity(Base):
    """An OpenID Connect identity (issuer, subject) that signs in as a user."""

    __tablename__ = "user_identities"
    issuer: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class UserPassword(Base):
    """A person's password sign-in: the username and an Argon2id hash (never the password)."""

    __tablename__ = "user_passwords"
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    failed: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    __table_args__ = (sa.UniqueConstraint("username", name="uq_user_passwords_username"),)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 hex; the key itself is never stored
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    created_by: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    source: Mapped[str] = mapped_column(sa.String(32), default="case")  # case | fhir | question
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    __mapper_args__ = {"version_id_col": version}


class Evaluation(Base):
    __tablename__ = "evaluations"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    org_id: Mapped[str] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    created_by: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    policy_id: Mapped[str] = mapped_column(sa.String(100))
    policy_version: Mapped[str] = mapped_column(sa.String(50))
    drug: Mapped[str] = mapped_column(sa.String(100), index=True)
    phase: Mapped[str] = mapped_column(sa.String(20))
    urgency: Mapped[str] = mapped_column(sa.String(20), default="standard")
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    determination: Mapped[str] = mapped_column(sa.String(40))
    input_hash: Mapped[str] = mapped_column(sa.String(80))
    # the full determination as delivered: zlib-compressed JSON (rows before migration 0006 kept
    # it in the JSON column `result`); read it through `.result`
    result_json: Mapped[dict[str, Any] | None] = mapped_column("result", JSONType, nullable=True)
    result_z: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    state: Mapped[str] = mapped_column(sa.String(32), default="submitted", index=True)
    reviewer_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    decision: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)  # approved | denied
    decision_reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    signature: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    signature_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)  # SHA-256 of what was signed
    appealed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    due_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint(f"state in {STATES}", name="ck_evaluations_state"),)

    @property
    def result(self) -> dict[str, Any]:
        """The determination exactly as it was delivered."""
        return orjson.loads(self.result_raw)  # type: ignore[no-any-return]

    @property
    def result_raw(self) -> bytes:
        """The determination as JSON text (UTF-8), without parsing it: responses embed it as is."""
        if self.result_z is not None:
            return zlib.decompress(self.result_z)
        return orjson.dumps(self.result_json or {})

    @staticmethod
    def pack_result(result: dict[str, Any]) -> bytes:
        """Compress a determination for storage (one serialisation, no JSON parsing in the database)."""
        return zlib.compress(orjson.dumps(result), 1)

    def row(self) -> dict[str, Any]:
        """Every column's value, keyed by column name, for a Core INSERT of this object."""
        return {column: getattr(self, attr) for attr, column in _EVALUATION_COLUMNS}


_EVALUATION_COLUMNS = tuple((a.key, a.columns[0].name) for a in sa.inspect(Evaluation).column_attrs)


class ReviewAction(Base):
    __tablename__ = "review_actions"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[str] = mapped_column(sa.ForeignKey("evaluations.id"), index=True)
    actor_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[str] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class AuditHead(Base):
    """The last sequence number and hash of one audit chain (stripe); appends lock its row."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # the stripe
    seq: Mapped[int] = mapped_column(sa.Integer)
    hash: Mapped[str] = mapped_column(sa.String(64))


AUDIT_SEQ = sa.Sequence("audit_log_seq_seq", start=1)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(sa.Integer, AUDIT_SEQ, primary_key=True)  # global order of writing
    stripe: Mapped[int] = mapped_column(sa.Integer, default=0)
    stripe_seq: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    policy_version: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)
    input_hash: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # "sha256" (plain; every entry before 0016) or "hmac-sha256:<key id>" (keyed by MEDNEC_AUDIT_KEY)
    hash_scheme: Mapped[str] = mapped_column(sa.String(32), server_default="sha256")
    __table_args__ = (sa.UniqueConstraint("stripe", "stripe_seq", name="uq_audit_log_stripe_seq"),)


POLICY_STATES = tuple(s.value for s in PolicyState)  # plain strings, as STATES


class PolicyVersion(Base):
    """One version of a policy. Versions are never edited: a change is a new version that is
    drafted, reviewed and published; evaluations keep the version they used."""

    __tablename__ = "policy_versions"
    policy_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    yaml_text: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(20), default="api")  # shipped | api
    author_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    reviewer_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)
    published_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    # the impact analysis over the stored cases (mednec.population.impact), recorded at submit
    # and at publish: what the version changes compared with the version published then
    impact: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    __table_args__ = (sa.CheckConstraint(f"status in {POLICY_STATES}", name="ck_policy_versions_status"),)


class PriorAuthClaim(Base):
    """A PAS prior-authorization request, its last ClaimResponse, and the evaluation reviewers act on."""

    __tablename__ = "prior_auth_claims"
    org_id: Mapped[str] = mapped_column(sa.String(64))
    pre_auth_ref: Mapped[str] = mapped_column(sa.String(120))
    claim_system: Mapped[str] = mapped_column(sa.String(300))
    claim_value: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16))
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)
    determinations: Mapped[dict[str, Any]] = mapped_column(JSONType)
    evaluation_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    updated: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    __table_args__ = (  # scoped by organisation: the same Claim.identifier from two organisations is two requests
        sa.PrimaryKeyConstraint("org_id", "pre_auth_ref", name="pk_prior_auth_claims_org_ref"),
        sa.UniqueConstraint("org_id", "claim_system", "claim_value", name="uq_prior_auth_claims_org_identifier"),
    )


class PriorAuthIdentifier(Base):
    """A Claim.identifier a prior-authorization request was sent under: its current one and every one an update
    replaced (Da Vinci PAS: an update has its own identifier and names the prior Claim in Claim.related)."""

    __tablename__ = "prior_auth_identifiers"
    org_id: Mapped[str] = mapped_column(sa.String(64))
    claim_system: Mapped[str] = mapped_column(sa.String(300))
    claim_value: Mapped[str] = mapped_column(sa.String(200))
    pre_auth_ref: Mapped[str] = mapped_column(sa.String(120))
    __table_args__ = (
        sa.PrimaryKeyConstraint("org_id", "claim_system", "claim_value", name="pk_prior_auth_identifiers"),
        sa.Index("ix_prior_auth_identifiers_ref", "org_id", "pre_auth_ref"),
    )


class CaseMessage(Base):
    """A question asked about a case and a summary of the answer (`mednec ask`, follow-ups)."""

    __tablename__ = "case_messages"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    actor_id: Mapped[str] = mapped_column(sa.String(64))
    question: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(32))
    answer: Mapped[dict[str, Any]] = mapped_column(JSONType)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    user_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column(sa.Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class DtrQuestionnaire(Base):
    """A DTR Questionnaire mednec handed out, under its content-addressed id, so its canonical URL resolves.

    It holds questions and criteria only, no patient data.
    """

    __tablename__ = "dtr_questionnaires"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(300), index=True)
    version: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class DtrAssertion(Base):
    """Which Questionnaire a CRD coverage-assertion-id (a determination's input hash) asked for."""

    __tablename__ = "dtr_assertions"
    assertion_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    created: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)


class CdsTokenId(Base):
    """A CDS client's JWT id (``jti``), kept until the token expires so a replay is refused."""

    __tablename__ = "cds_token_ids"
    iss: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    jti: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    expires: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


class RateCount(Base):
    """How many events one client (a keyed hash of its address, never the address) had in one time
    bucket of one rate limit; shared by every worker of the service (:mod:`mednec.store.ratelimit`)."""

    __tablename__ = "rate_counts"
    scope: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    bucket: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(sa.Integer)
    __table_args__ = (sa.Index("ix_rate_counts_scope_bucket", "scope", "bucket"),)
