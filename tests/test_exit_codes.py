"""Exit codes through the real entry point (issue 12, item 3): 0 success, 1 problems found,
2 bad input or usage, 69 a missing extra (tests/test_extras.py), 70 an internal error. Each
command runs as ``python -m mednec ...`` in a subprocess, as a user would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.tamper import drop_audit_guard
from tests.test_cli_errors import EXAMPLE, run


def _db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mednec.db'}"


def test_success_is_0() -> None:
    assert run("--help").returncode == 0
    assert run("evaluate", EXAMPLE, "--drug", "luspatercept", "--format", "json").returncode == 0
    assert run("facts", "--format", "json").returncode == 0
    assert run("policies", "list").returncode == 0


def test_usage_errors_and_bad_input_are_2(tmp_path: Path) -> None:
    assert run("evaluate", EXAMPLE).returncode == 2  # --drug missing
    assert run("no-such-command").returncode == 2
    assert run("evaluate", EXAMPLE, "--drug", "luspatercept", "--format", "yaml-ish").returncode == 2
    assert run("evaluate", EXAMPLE, "--drug", "aspirin-xyz").returncode == 2
    assert run("evaluate", tmp_path / "missing.yaml", "--drug", "luspatercept").returncode == 2
    proc = run("keys", "revoke", "key_nope", "--database-url", _db(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = run("users", "add", "--org", "o", "--name", "n", "--role", "emperor", "--database-url", _db(tmp_path))
    assert proc.returncode == 2 and "role" in proc.stderr


def test_audit_verify_is_0_when_intact_and_1_when_an_entry_was_edited(tmp_path: Path) -> None:
    url = _db(tmp_path)
    assert run("users", "add", "--org", "o", "--name", "n", "--role", "auditor", "--database-url", url).returncode == 0
    ok = run("audit", "verify", "--database-url", url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with sqlite3.connect(tmp_path / "mednec.db") as conn:
        drop_audit_guard(conn)
        conn.execute("UPDATE audit_log SET action = 'user.delete' WHERE action = 'user.create'")
    bad = run("audit", "verify", "--database-url", url)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "problem" in bad.stdout
