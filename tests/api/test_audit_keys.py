"""Keyed audit entries (HMAC-SHA256 under MEDNEC_AUDIT_KEY): someone who can write to the database but
does not hold the key cannot rewrite an entry and recompute the chain, also after the newest
checkpoint; entries written before keying (plain SHA-256) still verify, and keyed entries that
cannot be checked are reported, never passed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from mednec.store.anchor import verify_anchor, write_checkpoint
from mednec.store.audit import GENESIS, PLAIN, entry_hash, entry_key, key_id, schemes, verify
from tests.api.conftest import World
from tests.api.test_audit import _flow
from tests.tamper import drop_audit_guard

SECRET = "audit-key-kept-outside-the-database"
KEY = SECRET.encode()


@pytest.fixture
def _key_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", SECRET)


@pytest.fixture
def keyed(_key_set: None, world: World) -> World:
    """A world whose every entry is keyed (the key is set before the first one is written: fixtures
    are set up in the order they are asked for)."""
    return world


def _problems(w: World) -> list[str]:
    with w.service.db.reading() as s:
        return [p.problem for p in verify(s)[1]]


def _rows(w: World, stripe: int) -> list[sa.Row[tuple[object, ...]]]:
    with w.service.db.engine.connect() as c:
        return list(c.execute(sa.text(
            "SELECT seq, stripe_seq, at, actor_id, action, entity_type, entity_id, policy_version, input_hash, detail, "
            f"hash, hash_scheme FROM audit_log WHERE stripe = {stripe} ORDER BY stripe_seq")))


def _longest_chain(w: World) -> int:
    with w.service.db.engine.connect() as c:
        return int(c.execute(sa.text("SELECT stripe FROM audit_log GROUP BY stripe "
                                     "ORDER BY count(*) DESC, stripe")).scalars().first() or 0)


def _at(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _detail(value: object) -> object:
    import json

    return json.loads(value) if isinstance(value, str) else value


def _rewrite(w: World, stripe: int, start: int, key: bytes | None, scheme: str, action: str = "review.overturn") -> None:
    """What a database-only attacker can do: change the entry at position ``start`` of a chain, then
    recompute that entry's and every later entry's hash (under ``key``; plain without one), their
    links and the head, so the chain is consistent again."""
    rows = _rows(w, stripe)
    prev = GENESIS if start == 1 else str(rows[start - 2].hash)
    with w.service.db.engine.begin() as c:
        drop_audit_guard(c)
        for r in rows[start - 1:]:
            act = action if r.stripe_seq == start else r.action
            h = entry_hash(prev, r.stripe_seq, _at(r.at), r.actor_id, act, r.entity_type, r.entity_id,
                           r.policy_version, r.input_hash, _detail(r.detail), key)
            c.execute(sa.text("UPDATE audit_log SET action = :a, prev_hash = :p, hash = :h, hash_scheme = :s "
                              "WHERE seq = :seq"), {"a": act, "p": prev, "h": h, "s": scheme, "seq": r.seq})
            prev = h
        c.execute(sa.text("UPDATE audit_head SET hash = :h WHERE id = :id"), {"h": prev, "id": stripe})


def test_new_entries_are_keyed_and_verify(keyed: World) -> None:
    _flow(keyed)
    with keyed.service.db.engine.connect() as c:
        found = set(c.execute(sa.text("SELECT DISTINCT hash_scheme FROM audit_log")).scalars())
    assert found == {f"hmac-sha256:{key_id(SECRET)}"}
    assert _problems(keyed) == []
    with keyed.service.db.reading() as s:
        kinds = schemes(s)
    assert kinds["plain"] == 0 and kinds["keyed"] > 5
    r = keyed.client.get("/audit/verify", headers=keyed.h("auditor")).json()
    assert r["ok"] is True and r["unkeyed"] == 0 and r["keyed"] == r["entries"]


def test_plain_entries_written_before_the_key_still_verify(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _flow(world)  # written without a key: plain
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", SECRET)
    _flow(world)  # the same chains go on keyed
    with world.service.db.reading() as s:
        kinds = schemes(s)
    assert kinds["plain"] > 0 and kinds["keyed"] > 0
    assert _problems(world) == []
    r = world.client.get("/audit/verify", headers=world.h("auditor")).json()
    assert r["ok"] is True and r["unkeyed"] == kinds["plain"] and r["keyed"] == kinds["keyed"]


def test_a_rewritten_entry_with_recomputed_plain_hashes_is_detected_when_keyed(keyed: World) -> None:
    _flow(keyed)
    stripe = _longest_chain(keyed)
    assert len(_rows(keyed, stripe)) >= 3
    _rewrite(keyed, stripe, 2, None, PLAIN)
    problems = _problems(keyed)
    assert any(f"chain {stripe} position 2: not keyed although earlier entries" in p for p in problems), problems


def test_without_the_key_the_same_rewrite_passes_the_chain_check(world: World) -> None:
    """The limit keying removes: on a plain log the rewrite above is consistent (only a checkpoint
    that anchored a rewritten entry shows it)."""
    _flow(world)
    stripe = _longest_chain(world)
    _rewrite(world, stripe, 2, None, PLAIN)
    assert _problems(world) == []


def test_a_rewrite_under_a_guessed_key_is_detected(keyed: World) -> None:
    _flow(keyed)
    stripe = _longest_chain(keyed)
    scheme = f"hmac-sha256:{key_id(SECRET)}"  # the key id is public; the key is not
    _rewrite(keyed, stripe, 2, entry_key("a guess"), scheme)
    problems = _problems(keyed)
    assert any(f"chain {stripe} position 2: content does not match its hash (edited)" in p for p in problems), problems


def test_keyed_entries_that_cannot_be_checked_are_reported(keyed: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _flow(keyed)
    monkeypatch.delenv("MEDNEC_AUDIT_KEY")
    unset = _problems(keyed)
    assert unset and all("cannot be checked: MEDNEC_AUDIT_KEY is not set" in p for p in unset), unset
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", "another secret")
    other = _problems(keyed)
    assert other and all(f"keyed under another key (id {key_id(SECRET)}; MEDNEC_AUDIT_KEY has id "
                         f"{key_id('another secret')})" in p for p in other), other
    assert keyed.client.get("/audit/verify", headers=keyed.h("auditor")).json()["ok"] is False


def test_a_whole_chain_rewritten_plain_after_a_keyed_checkpoint_is_reported(keyed: World, tmp_path: Path) -> None:
    """Rewriting every entry of a chain as plain leaves no keyed entry before it to give it away; a
    checkpoint that found the log keyed does."""
    anchor = tmp_path / "anchor.jsonl"
    with keyed.service.db.reading() as s:
        cp = write_checkpoint(s, KEY, anchor, dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC))
    assert cp["keyed"] is True
    _flow(keyed)  # entries after the checkpoint, not anchored yet
    chains = cp["chains"]
    assert isinstance(chains, dict)
    after = {st: len(_rows(keyed, st)) - int(chains[str(st)]["position"]) for st in range(8)}
    stripe = max(after, key=lambda st: after[st])
    assert after[stripe] > 0
    _rewrite(keyed, stripe, 1, None, PLAIN)  # the whole chain, as plain entries
    assert _problems(keyed) == []  # consistent: the chain alone cannot see it
    with keyed.service.db.reading() as s:
        _, found = verify_anchor(s, KEY, anchor)
    assert any(f"chain {stripe}: {after[stripe]} entries from position " in a.problem
               and "are not keyed, although the log was keyed" in a.problem for a in found), [a.problem for a in found]


def test_the_cli_says_when_entries_are_unkeyed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import subprocess
    import sys

    _flow(world)
    url = str(world.service.db.engine.url.render_as_string(hide_password=False))
    env = {k: v for k, v in os.environ.items() if k != "MEDNEC_AUDIT_KEY"}
    plain = subprocess.run([sys.executable, "-m", "mednec", "audit", "verify", "--database-url", url],
                           env=env, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "unkeyed (plain SHA-256" in plain.stdout and "MEDNEC_AUDIT_KEY is not set" in plain.stdout
