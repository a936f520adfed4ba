"""Password sign-in for people: Argon2id hashes, lockout audited, failed attempts rate-limited,
``mednec users set-password``; API keys still sign machines (and administrators) in."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from mednec.errors import AuthError, InputError
from mednec.store import passwords
from mednec.store.models import AuditEntry, UserPassword
from tests.web.conftest import Web, csrf_of, text_of

PASSWORD = "correct horse battery staple"


def _post(c: TestClient, **data: str) -> object:
    token = csrf_of(c.get("/sign-in").text)
    return c.post("/sign-in", data={"csrf": token, "next": "/queue", **data}, follow_redirects=False)


def _actions(web: Web) -> list[tuple[str, str, dict[str, object]]]:
    with web.service.db.reading() as s:
        return [(e.action, e.entity_id, e.detail) for e in s.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars()]


def test_sign_in_with_username_and_password(web: Web) -> None:
    web.service.accounts.set_password(web.users["doc"], "Maria.Chen", PASSWORD)
    with web.service.db.reading() as s:
        row = s.get(UserPassword, web.users["doc"])
        assert row is not None and row.username == "maria.chen"
        assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    c = TestClient(web.app)
    r = _post(c, username="maria.chen", password=PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/queue"  # type: ignore[attr-defined]
    assert PASSWORD not in r.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "Dr Maria Chen" in c.get("/queue").text
    assert ("auth.login", web.users["doc"], {"via": "password"}) in [
        (a, i, {k: v for k, v in d.items() if k == "via"}) for a, i, d in _actions(web)]
    # a new password ends the sessions signed in with the old one
    web.service.accounts.set_password(web.users["doc"], "maria.chen", PASSWORD + " again")
    r2 = c.get("/queue", follow_redirects=False)
    assert r2.status_code in (302, 303) and "/sign-in" in r2.headers["location"]


@pytest.mark.parametrize("username,password", [("maria.chen", "wrong password here"), ("nobody", PASSWORD),
                                               ("", PASSWORD), ("maria.chen", ""), ("maria chen", PASSWORD)])
def test_wrong_or_missing_credentials_get_one_plain_answer(web: Web, username: str, password: str) -> None:
    web.service.accounts.set_password(web.users["doc"], "maria.chen", PASSWORD)
    c = TestClient(web.app)
    r = _post(c, username=username, password=password)
    assert r.status_code == 401  # type: ignore[attr-defined]
    text = text_of(r.text)  # type: ignore[attr-defined]
    assert "username or password is not right" in text or "Enter your username and password" in text
    assert 'aria-invalid="true"' in r.text  # type: ignore[attr-defined]
    assert c.get("/queue", follow_redirects=False).status_code in (302, 303)


def test_lockout_after_five_failures_is_audited_and_refuses_the_right_password(web: Web) -> None:
    web.service.accounts.set_password(web.users["req"], "m.chen", PASSWORD)
    c = TestClient(web.app)
    for _ in range(passwords.LOCK_AFTER - 1):
        assert _post(c, username="m.chen", password="not the password").status_code == 401  # type: ignore[attr-defined]
    assert not [a for a, _, _ in _actions(web) if a == "auth.lockout"]
    r = _post(c, username="m.chen", password="not the password")
    assert "locked for 15 minutes" in text_of(r.text)  # type: ignore[attr-defined]
    lockouts = [(i, d) for a, i, d in _actions(web) if a == "auth.lockout"]
    assert len(lockouts) == 1 and lockouts[0][0] == web.users["req"]
    r = _post(c, username="m.chen", password=PASSWORD)  # right password, still locked
    assert r.status_code == 401 and "locked" in text_of(r.text)  # type: ignore[attr-defined]
    web.clock.t += dt.timedelta(minutes=16)  # the lockout ends
    assert _post(c, username="m.chen", password=PASSWORD).status_code == 303  # type: ignore[attr-defined]
    # nothing the person typed is in the audit log
    for _, _, detail in _actions(web):
        assert PASSWORD not in str(detail) and "not the password" not in str(detail) and "m.chen" not in str(detail)


def test_success_resets_the_failure_count(web: Web) -> None:
    web.service.accounts.set_password(web.users["req"], "m.chen", PASSWORD)
    c = TestClient(web.app)
    for _round in range(3):
        for _ in range(passwords.LOCK_AFTER - 1):
            _post(c, username="m.chen", password="not the password")
        assert _post(c, username="m.chen", password=PASSWORD).status_code == 303  # type: ignore[attr-defined]
        c.cookies.clear()
    assert not [a for a, _, _ in _actions(web) if a == "auth.lockout"]


def test_failed_sign_ins_from_one_address_are_rate_limited(web: Web) -> None:
    c = TestClient(web.app)
    codes = [_post(c, username=f"guess{i}", password="x" * 12).status_code for i in range(25)]  # type: ignore[attr-defined]
    assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}
    r = _post(c, api_key=web.keys["req"])  # even a right key waits: the address is throttled
    assert r.status_code == 429 and r.headers["retry-after"] == "300"  # type: ignore[attr-defined]


def test_set_password_rules(web: Web) -> None:
    with pytest.raises(InputError):
        web.service.accounts.set_password(web.users["req"], "m.chen", "short")
    with pytest.raises(InputError):
        web.service.accounts.set_password(web.users["req"], "two words", PASSWORD)
    web.service.accounts.set_password(web.users["req"], "m.chen", PASSWORD)
    with pytest.raises(InputError):  # another user's username
        web.service.accounts.set_password(web.users["doc"], "M.Chen", PASSWORD)
    with pytest.raises(AuthError):
        web.service.accounts.sign_in_password("m.chen", PASSWORD + "x")
    p, token = web.service.accounts.sign_in_password(" M.CHEN ", PASSWORD)
    assert p.id == web.users["req"] and token.startswith(passwords.SESSION_PREFIX)
    forged = token[:-1] + ("1" if token.endswith("0") else "0")
    assert web.service.accounts.principal_for_key_hash(forged) is None
    assert web.service.accounts.principal_for_key_hash(token) == p
    assert web.service.accounts.principal_for_key_hash(f"{passwords.SESSION_PREFIX}{web.users['doc']}:{token.split(':')[-1]}") is None


def test_cli_set_password(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mednec.cli import app

    url = str(web.service.db.engine.url)
    r = CliRunner().invoke(app, ["users", "set-password", web.users["auditor"], "--username", "auditor1",
                                 "--password-stdin", "--database-url", url], input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert '"username": "auditor1"' in r.output and PASSWORD not in r.output
    p, _ = web.service.accounts.sign_in_password("auditor1", PASSWORD)
    assert p.id == web.users["auditor"]
    r = CliRunner().invoke(app, ["users", "set-password", web.users["auditor"], "--username", "auditor1",
                                 "--password-stdin", "--database-url", url], input="short\n")
    assert r.exit_code != 0 and "12 characters" in (r.output + str(r.exception))
