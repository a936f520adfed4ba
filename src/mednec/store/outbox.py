"""Notifications when a decision is made: an outbox written in the decision's own transaction,
delivered later by :func:`deliver` (``mednec outbox deliver``).

- :func:`enqueue_decision` adds one row per channel the organisation configured
  (:func:`configure`): ``email`` and/or ``webhook``. A decision that rolls back leaves no message;
  a committed decision always has its messages.
- :func:`deliver` sends what is due: e-mail through the SMTP server of the settings
  (``MEDNEC_SMTP_*``), webhooks as a JSON POST signed with the organisation's secret
  (header ``Mednec-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, the scheme
  Stripe and others use, so a receiver can refuse old or replayed deliveries). A failure is retried
  after 1, 2, 4 ... minutes (at most an hour apart); after :data:`MAX_ATTEMPTS` the message is
  ``failed``.
- No patient facts anywhere: the payload holds ids, the decision, the state and times; the e-mail
  says a decision was made and links to the answer page (sign-in needed). Log lines carry the
  message id, channel and the error's class only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mednec.errors import InputError
from mednec.settings import DEFAULT_PUBLIC_URL, Settings
from mednec.store.access import ServicePart
from mednec.store.db import Database
from mednec.store.models import Evaluation, OrgNotifications, OutboxMessage

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["MAX_ATTEMPTS", "Attempt", "Notifications", "OutboxStatus", "SIGNATURE_HEADER", "backoff", "configure", "deliver", "enqueue_decision", "sign"]

MAX_ATTEMPTS = 8
SIGNATURE_HEADER = "Mednec-Signature"
EVENT = "evaluation.decided"
log = logging.getLogger("mednec.outbox")


class OutboxStatus(StrEnum):
    """A message's status (stored as these strings): waiting to be sent or retried, sent, or given up
    on after :data:`MAX_ATTEMPTS`."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Attempt(StrEnum):
    """What one delivery attempt did (the counts :func:`deliver` returns)."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after ``attempts`` failures: 1, 2, 4 ... minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Mednec-Signature`` header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def configure(db: Database, org_id: str, *, email_to: str | None, webhook_url: str | None,
              webhook_secret: str | None) -> None:
    """Set where ``org_id`` hears of decisions (None/empty clears a channel)."""
    if email_to and ("@" not in email_to or any(c.isspace() for c in email_to) or len(email_to) > 300):
        raise InputError("an e-mail address like reviews@clinic.example", field="email")
    if webhook_url and not webhook_url.startswith(("https://", "http://")):
        raise InputError("a webhook URL starts with https:// (or http:// on a private network)", field="webhook-url")
    if webhook_url and not (webhook_secret and len(webhook_secret) >= 16):
        raise InputError("a webhook needs a secret of at least 16 characters to sign with", field="webhook-secret")
    with db.session() as s:
        row = s.get(OrgNotifications, org_id) or OrgNotifications(org_id=org_id)
        row.email_to, row.webhook_url = email_to or None, webhook_url or None
        row.webhook_secret = webhook_secret or None
        s.add(row)


def enqueue_decision(s: Session, ev: Evaluation, now: dt.datetime) -> int:
    """Add the notifications of ``ev``'s decision to the session's transaction; how many."""
    cfg = s.get(OrgNotifications, ev.org_id)
    if cfg is None:
        return 0
    payload = {"event": EVENT, "evaluation": ev.id, "case": ev.case_id, "organization": ev.org_id,
               "drug": ev.drug, "state": ev.state, "decision": ev.decision,
               "decided_at": now.isoformat(), "policy": f"{ev.policy_id}@{ev.policy_version}"}
    channels = [c for c, on in (("email", cfg.email_to), ("webhook", cfg.webhook_url)) if on]
    for channel in channels:
        s.add(OutboxMessage(org_id=ev.org_id, channel=channel, event=EVENT, payload=payload, status=OutboxStatus.PENDING,
                            attempts=0, next_attempt_at=now, created_at=now))
    return len(channels)


def _email(settings: Settings, to: str, payload: dict[str, Any]) -> None:
    if not settings.smtp_host:
        raise RuntimeError("MEDNEC_SMTP_HOST is not set")
    msg = EmailMessage()
    msg["From"], msg["To"] = settings.mail_from, to
    msg["Subject"] = f"mednec: a decision was made on request {payload['evaluation']}"
    msg.set_content(
        f"A physician reviewer made a decision on request {payload['evaluation']} "
        f"({payload['decision']}, {payload['decided_at'][:16].replace('T', ' ')} UTC).\n\n"
        f"Sign in to read it: {settings.public_url or DEFAULT_PUBLIC_URL}/answers/{payload['evaluation']}\n\n"
        "This message holds no patient information.\n")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(msg)


def _webhook(url: str, secret: str, payload: dict[str, Any], now: dt.datetime) -> None:
    import httpx

    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(secret, int(now.timestamp()), body),
               "Mednec-Delivery": str(payload["delivery"]), "user-agent": "mednec-outbox"}
    r = httpx.post(url, content=body, headers=headers, timeout=20.0, follow_redirects=False)
    if r.status_code >= 300:
        raise RuntimeError(f"HTTP {r.status_code}")


def deliver(db: Database, settings: Settings, now: Callable[[], dt.datetime], *, limit: int = 100) -> dict[str, int]:
    """Send the messages that are due (oldest first, at most ``limit``); counts of sent, retried, failed.

    Sending happens outside any database transaction (a slow server holds no lock); delivery is at
    least once, so receivers use the ``Mednec-Delivery`` id to drop a repeat."""
    counts = {a.value: 0 for a in Attempt}  # plain strings: the command line prints them as JSON
    with db.reading() as s:
        due = list(s.execute(sa.select(OutboxMessage, OrgNotifications)
                             .join(OrgNotifications, OrgNotifications.org_id == OutboxMessage.org_id, isouter=True)
                             .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now())
                             .order_by(OutboxMessage.id).limit(limit)).all())
    for msg, cfg in due:
        at = now()
        error = _send(settings, msg, cfg, at)
        counts[_record(db, msg.id, error, at)] += 1
    return counts


def _send(settings: Settings, msg: OutboxMessage, cfg: OrgNotifications | None, at: dt.datetime) -> Exception | None:
    try:
        if msg.channel == "email" and cfg is not None and cfg.email_to:
            _email(settings, cfg.email_to, msg.payload)
        elif msg.channel == "webhook" and cfg is not None and cfg.webhook_url and cfg.webhook_secret:
            _webhook(cfg.webhook_url, cfg.webhook_secret, {**msg.payload, "delivery": msg.id}, at)
        else:
            raise RuntimeError(f"the organisation has no {msg.channel} setting any more")
    except Exception as exc:  # noqa: BLE001 - any failure to deliver is retried, never raised
        return exc
    return None


def _record(db: Database, msg_id: int, error: Exception | None, at: dt.datetime) -> Attempt:
    with db.session() as s:
        msg = s.get(OutboxMessage, msg_id)
        assert msg is not None  # outbox rows are never deleted
        msg.attempts += 1
        if error is None:
            msg.status, msg.sent_at, msg.last_error = OutboxStatus.SENT, at, None
            return Attempt.SENT
        # the error's class, and our own messages (no server text: it may echo an address)
        msg.last_error = (type(error).__name__ + (f": {error}" if type(error) is RuntimeError else ""))[:200]
        if msg.attempts >= MAX_ATTEMPTS:
            msg.status = OutboxStatus.FAILED
            log.warning("outbox message %s (%s) failed after %s attempts: %s", msg.id, msg.channel, msg.attempts,
                        type(error).__name__)
            return Attempt.FAILED
        msg.next_attempt_at = at + backoff(msg.attempts)
        log.info("outbox message %s (%s) attempt %s failed: %s", msg.id, msg.channel, msg.attempts,
                 type(error).__name__)
        return Attempt.RETRY


class Notifications(ServicePart):
    """Delivering the decision notifications the review workflow enqueued."""

    def deliver(self, settings: Settings, *, limit: int = 100) -> dict[str, int]:
        """Send the notifications that are due (see :func:`deliver`)."""
        return deliver(self.db, settings, self.now, limit=limit)
