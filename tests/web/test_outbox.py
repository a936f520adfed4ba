"""Notifications of decisions: the outbox row commits with the decision (and not without it),
e-mail reaches a local SMTP sink (aiosmtpd), webhooks reach a local HTTP receiver that checks
the HMAC-SHA256 signature, failures are retried with growing waits and then given up, and no
patient fact appears in a message, a payload or a log line."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from mednec.errors import InputError
from mednec.settings import Settings
from mednec.store import outbox
from mednec.store.models import OutboxMessage
from tests.web.conftest import Web, example

SECRET = "whsec_0123456789abcdef"
CASE = "luspatercept-first-line.yaml"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """A local webhook endpoint: records each delivery and whether its signature verifies."""

    def __init__(self, status: int = 204) -> None:
        self.status, self.got = status, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["content-length"]))
                sig = dict(p.split("=", 1) for p in self.headers["Mednec-Signature"].split(","))
                mac = hmac.new(SECRET.encode(), f"{sig['t']}.".encode() + body, hashlib.sha256).hexdigest()
                outer.got.append({"ok": hmac.compare_digest(mac, sig["v1"]), "t": int(sig["t"]),
                                  "delivery": self.headers["Mednec-Delivery"], "body": json.loads(body)})
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/mednec"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Sink:
    """An aiosmtpd server on a free port that keeps every message it is sent."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[dict[str, Any]] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                body = msg.get_body()
                outer.messages.append({"to": list(envelope.rcpt_tos), "subject": str(msg["subject"]),
                                       "data": body.get_content() if body is not None else ""})
                return "250 OK"

        self.port = _port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _decide(web: Web, case: str = CASE) -> str:
    ev = web.submit_case("req", example(case), "luspatercept")
    doc = web.service.accounts.authenticate(web.keys["doc"])
    web.service.reviews.act(doc, ev, "claim")
    web.service.reviews.act(doc, ev, "approve", signature="Maria Chen, MD")
    return ev


def _messages(web: Web) -> list[OutboxMessage]:
    with web.service.db.reading() as s:
        return list(s.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def _settings(sink: Sink | None) -> Settings:
    return Settings(smtp_host="127.0.0.1" if sink else None, smtp_port=sink.port if sink else 25,
                    mail_from="reviews@plan.example", public_url="https://mednec.plan.example")


def _patient_words() -> list[str]:
    """Free-text values of the case that must never leave in a notification."""
    data = example(CASE)
    words = [str(v) for v in data.values() if isinstance(v, str) and len(v) > 6]
    return [w for w in words if w not in ("luspatercept",)]


def test_a_decision_is_delivered_by_email_and_signed_webhook(web: Web, sink: Sink, receiver: Receiver,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    outbox.configure(web.service.db, "clinic-a", email_to="pa-team@clinic-a.example", webhook_url=receiver.url,
                     webhook_secret=SECRET)
    ev = _decide(web)
    msgs = _messages(web)
    assert [(m.channel, m.status, m.payload["evaluation"]) for m in msgs] == [
        ("email", "pending", ev), ("webhook", "pending", ev)]
    caplog.set_level(logging.DEBUG, logger="mednec")
    assert web.service.notifications.deliver(_settings(sink)) == {"sent": 2, "retry": 0, "failed": 0}
    assert [m.status for m in _messages(web)] == ["sent", "sent"]
    # e-mail
    assert len(sink.messages) == 1 and sink.messages[0]["to"] == ["pa-team@clinic-a.example"]
    mail = sink.messages[0]["data"]
    assert f"https://mednec.plan.example/answers/{ev}" in mail and "approved" in mail
    # webhook: signature verifies with the organisation's secret, timestamp is the delivery time
    assert len(receiver.got) == 1
    hook = receiver.got[0]
    assert hook["ok"] and hook["t"] == int(web.clock.t.timestamp())
    assert hook["body"]["evaluation"] == ev and hook["body"]["decision"] == "approved"
    assert hook["body"]["event"] == "evaluation.decided" and hook["delivery"] == str(hook["body"]["delivery"])
    # nothing of the patient anywhere
    mednec_logs = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("mednec"))
    for text in (mail, sink.messages[0]["subject"], json.dumps(hook["body"]), mednec_logs):
        for word in _patient_words():
            assert word not in text, word
    assert "pa-team@clinic-a.example" not in mednec_logs
    # delivered once: a second run sends nothing
    assert web.service.notifications.deliver(_settings(sink)) == {"sent": 0, "retry": 0, "failed": 0}


def test_no_decision_no_message_and_other_orgs_are_not_told(web: Web) -> None:
    outbox.configure(web.service.db, "clinic-b", email_to="b@clinic-b.example", webhook_url=None, webhook_secret=None)
    ev = web.submit_case("req", example(CASE), "luspatercept")
    doc = web.service.accounts.authenticate(web.keys["doc"])
    web.service.reviews.act(doc, ev, "claim")
    assert _messages(web) == []  # claiming is not a decision
    with pytest.raises(InputError):  # a denial without the signature fails: its transaction rolls back
        web.service.reviews.act(doc, ev, "overturn", decision="denied", reason="not convinced")
    assert _messages(web) == []
    web.service.reviews.act(doc, ev, "approve")
    assert _messages(web) == []  # clinic-a has no settings; clinic-b's are not clinic-a's


def test_failures_are_retried_with_backoff_then_given_up(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mednec")
    bad = Receiver(status=500)
    try:
        outbox.configure(web.service.db, "clinic-a", email_to="pa@clinic-a.example", webhook_url=bad.url,
                         webhook_secret=SECRET)
        _decide(web)
        settings = replace(_settings(None), smtp_host="127.0.0.1", smtp_port=_port())  # nothing listens there
        waits = []
        for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
            counts = web.service.notifications.deliver(settings)
            msgs = _messages(web)
            assert all(m.attempts == attempt for m in msgs)
            if attempt < outbox.MAX_ATTEMPTS:
                assert counts == {"sent": 0, "retry": 2, "failed": 0}
                assert web.service.notifications.deliver(settings) == {"sent": 0, "retry": 0, "failed": 0}  # not yet due
                wait = msgs[0].next_attempt_at.replace(tzinfo=dt.UTC) - web.clock.t
                waits.append(wait)
                web.clock.t += wait
            else:
                assert counts == {"sent": 0, "retry": 0, "failed": 2}
        assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 60]
        msgs = _messages(web)
        assert [m.status for m in msgs] == ["failed", "failed"]
        assert msgs[0].last_error == "ConnectionRefusedError" and msgs[1].last_error == "RuntimeError: HTTP 500"
        assert len(bad.got) == outbox.MAX_ATTEMPTS and all(g["ok"] for g in bad.got)
        logs = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("mednec"))
        assert "failed after 8 attempts" in logs and "pa@clinic-a.example" not in logs
    finally:
        bad.close()


def test_configuration_is_checked() -> None:
    with pytest.raises(InputError):
        outbox.configure(None, "x", email_to="not an address", webhook_url=None, webhook_secret=None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        outbox.configure(None, "x", email_to=None, webhook_url="ftp://x", webhook_secret=SECRET)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        outbox.configure(None, "x", email_to=None, webhook_url="https://x.example/h", webhook_secret="short")  # type: ignore[arg-type]


def test_signature_scheme() -> None:
    assert outbox.sign("k" * 16, 1700000000, b"{}") == "t=1700000000,v1=" + hmac.new(
        b"k" * 16, b"1700000000.{}", hashlib.sha256).hexdigest()
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [60, 120, 240, 3600, 3600, 3600]


def test_cli_configure_and_deliver(web: Web, sink: Sink, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mednec.cli import app

    url = str(web.service.db.engine.url)
    r = CliRunner().invoke(app, ["outbox", "configure", "clinic-a", "--email", "pa@clinic-a.example",
                                 "--webhook-url", receiver.url, "--webhook-secret-stdin", "--database-url", url],
                           input=SECRET + "\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"org": "clinic-a", "email": True, "webhook": True} and SECRET not in r.output
    ev = _decide(web)
    monkeypatch.setenv("MEDNEC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MEDNEC_SMTP_PORT", str(sink.port))
    r = CliRunner().invoke(app, ["outbox", "deliver", "--database-url", url])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"sent": 2, "retry": 0, "failed": 0}
    assert receiver.got[0]["ok"] and receiver.got[0]["body"]["evaluation"] == ev
    assert sink.messages[0]["to"] == ["pa@clinic-a.example"]
