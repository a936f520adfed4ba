"""Rotating MEDNEC_AUDIT_KEY: the new key keys new entries and signs new checkpoints; retired keys,
listed in MEDNEC_AUDIT_OLD_KEYS, only verify what was written under them. Each keyed entry records
the id of its key (``hmac-sha256:<key id>``), so verification picks the key per entry.

- entries keyed under the old key, then the new one, in the same chains: no problem with the old
  key listed; without it, the old entries are reported as keyed under another key (as before);
- an entry edited (and its chain recomputed) under a guessed key is still reported, whatever keys
  are listed; a retired key cannot key new entries;
- checkpoints signed under the old key still check; an edited one does not;
- `mednec audit verify` reads MEDNEC_AUDIT_OLD_KEYS.

First contact (2026-12-07, 01:10 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from mednec.store.anchor import write_checkpoint
from mednec.store.audit import entry_key, key_id, verify
from tests.api.conftest import World
from tests.api.test_audit import _flow
from tests.api.test_audit_keys import _longest_chain, _rewrite

OLD, NEW = "the-old-audit-secret-2025", "the-new-audit-secret-2026"


def _problems(w: World) -> list[str]:
    with w.service.db.reading() as s:
        return [p.problem for p in verify(s)[1]]


def _rotated(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", OLD)
    _flow(w)
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", NEW)
    monkeypatch.setenv("MEDNEC_AUDIT_OLD_KEYS", OLD)
    _flow(w)


def test_entries_under_a_retired_key_verify_when_it_is_listed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _rotated(world, monkeypatch)
    with world.service.db.engine.connect() as c:
        found = set(c.execute(sa.text("SELECT DISTINCT hash_scheme FROM audit_log")).scalars())
    assert {f"hmac-sha256:{key_id(OLD)}", f"hmac-sha256:{key_id(NEW)}"} <= found
    assert _problems(world) == []
    r = world.client.get("/audit/verify", headers=world.h("auditor")).json()
    assert r["ok"] is True, r


def test_without_the_retired_key_its_entries_are_reported(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _rotated(world, monkeypatch)
    monkeypatch.delenv("MEDNEC_AUDIT_OLD_KEYS")
    problems = _problems(world)
    assert problems and all(f"keyed under another key (id {key_id(OLD)}" in p for p in problems), problems


def test_several_retired_keys_are_accepted(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", "first-secret-of-three")
    _flow(world)
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", OLD)
    _flow(world)
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", NEW)
    monkeypatch.setenv("MEDNEC_AUDIT_OLD_KEYS", f"{OLD}, first-secret-of-three")
    _flow(world)
    assert _problems(world) == []


def test_an_edit_is_still_found_under_a_retired_key(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _rotated(world, monkeypatch)
    stripe = _longest_chain(world)
    _rewrite(world, stripe, 2, entry_key("a guess"), f"hmac-sha256:{key_id(OLD)}")
    problems = _problems(world)
    assert any(f"chain {stripe} position 2: content does not match its hash (edited)" in p for p in problems), problems


def test_new_entries_are_keyed_under_the_current_key_only(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _rotated(world, monkeypatch)
    with world.service.db.engine.connect() as c:  # closed before the writes: an open read blocks SQLite
        before = c.execute(sa.text("SELECT max(seq) FROM audit_log")).scalar_one()
    _flow(world)
    with world.service.db.engine.connect() as c:
        after = set(c.execute(sa.text("SELECT DISTINCT hash_scheme FROM audit_log WHERE seq > :s"),
                              {"s": before}).scalars())
    assert after == {f"hmac-sha256:{key_id(NEW)}"}


def test_checkpoints_signed_under_a_retired_key_still_check(world: World, monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.jsonl"
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", OLD)
    _flow(world)
    with world.service.db.reading() as s:
        write_checkpoint(s, OLD.encode(), anchor, dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", NEW)
    monkeypatch.setenv("MEDNEC_AUDIT_OLD_KEYS", OLD)
    _flow(world)
    with world.service.db.reading() as s:
        write_checkpoint(s, NEW.encode(), anchor, dt.datetime(2026, 12, 6, 13, 0, tzinfo=dt.UTC))
    env = {**os.environ, "MEDNEC_AUDIT_KEY": NEW, "MEDNEC_AUDIT_OLD_KEYS": OLD, "MEDNEC_AUDIT_ANCHOR": str(anchor)}
    url = str(world.service.db.engine.url.render_as_string(hide_password=False))
    done = subprocess.run([sys.executable, "-m", "mednec", "audit", "verify", "--database-url", url],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = anchor.read_text().splitlines()
    anchor.write_text("\n".join([lines[0].replace('"entries":', '"entries":1'), lines[1]]) + "\n")
    done = subprocess.run([sys.executable, "-m", "mednec", "audit", "verify", "--database-url", url],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "line 1" in done.stdout or "signature" in done.stdout, done.stdout


def test_the_cli_verifies_a_rotated_log(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _rotated(world, monkeypatch)
    url = str(world.service.db.engine.url.render_as_string(hide_password=False))
    env = {**os.environ, "MEDNEC_AUDIT_KEY": NEW, "MEDNEC_AUDIT_OLD_KEYS": OLD}
    env.pop("MEDNEC_AUDIT_ANCHOR", None)
    done = subprocess.run([sys.executable, "-m", "mednec", "audit", "verify", "--database-url", url],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert OLD not in done.stdout + done.stderr and NEW not in done.stdout + done.stderr
