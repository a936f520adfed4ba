"""Signed checkpoints outside the database (mednec.store.anchor): what the hash chains alone cannot
show -- the newest entries removed with their head row, a whole chain deleted, the log emptied --
is reported by `mednec audit verify` against the anchor file; an edited checkpoint is reported too."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from mednec.store.anchor import verify_anchor, write_checkpoint
from mednec.store.audit import verify
from tests.api.conftest import World
from tests.api.test_audit import _flow
from tests.tamper import drop_audit_guard

KEY = b"audit-key-kept-outside"
AT = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


def _checkpoint(w: World, path: Path, key: bytes = KEY) -> dict[str, object]:
    with w.service.db.reading() as s:
        return write_checkpoint(s, key, path, AT)


def _check(w: World, path: Path, key: bytes = KEY) -> tuple[list[str], list[str]]:
    """(chain problems, anchor problems)."""
    with w.service.db.reading() as s:
        _, chain = verify(s)
        _, anchored = verify_anchor(s, key, path)
    return [p.problem for p in chain], [a.problem for a in anchored]


def _sql(w: World, *stmts: str) -> None:
    with w.service.db.engine.begin() as c:
        drop_audit_guard(c)
        for stmt in stmts:
            c.execute(sa.text(stmt))


def _longest_chain(w: World) -> tuple[int, int]:
    with w.service.db.engine.connect() as c:
        row = c.execute(sa.text("SELECT stripe, max(stripe_seq) FROM audit_log GROUP BY stripe "
                                "ORDER BY max(stripe_seq) DESC, stripe")).first()
    assert row is not None
    return int(row[0]), int(row[1])


def test_an_untouched_log_matches_its_checkpoints(world: World, tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.jsonl"
    _flow(world)
    _checkpoint(world, anchor)
    _flow(world)  # entries after a checkpoint are fine
    _checkpoint(world, anchor)
    assert _check(world, anchor) == ([], [])
    assert len(anchor.read_text().splitlines()) == 2


def test_tail_truncation_with_the_head_rolled_back_is_reported(world: World, tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.jsonl"
    _flow(world)
    _checkpoint(world, anchor)
    stripe, top = _longest_chain(world)
    prev = f"(SELECT hash FROM audit_log WHERE stripe = {stripe} AND stripe_seq = {top - 1})"
    _sql(world, f"UPDATE audit_head SET seq = {top - 1}, hash = {prev} WHERE id = {stripe}",
         f"DELETE FROM audit_log WHERE stripe = {stripe} AND stripe_seq = {top}")
    chain, anchored = _check(world, anchor)
    assert chain == []  # the chain alone cannot see it
    assert any(f"chain {stripe}: entry {top}" in a and "gone" in a for a in anchored), anchored


@pytest.mark.parametrize("what", ["chain", "everything"])
def test_a_deleted_chain_or_an_emptied_log_is_reported(world: World, tmp_path: Path, what: str) -> None:
    anchor = tmp_path / "anchor.jsonl"
    _flow(world)
    _checkpoint(world, anchor)
    stripe, _ = _longest_chain(world)
    where = f" WHERE stripe = {stripe}" if what == "chain" else ""
    head = f" WHERE id = {stripe}" if what == "chain" else ""
    _sql(world, f"DELETE FROM audit_log{where}", f"DELETE FROM audit_head{head}")
    _, anchored = _check(world, anchor)
    assert anchored and all("gone" in a for a in anchored)
    assert any(f"chain {stripe}:" in a for a in anchored)


def test_an_edited_checkpoint_or_another_key_is_reported(world: World, tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.jsonl"
    _flow(world)
    cp = _checkpoint(world, anchor)
    assert _check(world, anchor, b"another key")[1] == ["checkpoint line 1: signature does not match (the line "
                                                        "was edited, or another key)"]
    forged = dict(cp, entries=0, chains={k: {"position": 0, "hash": None} for k in cp["chains"]})  # type: ignore[union-attr]
    anchor.write_text(json.dumps(forged) + "\n")
    assert "signature does not match" in _check(world, anchor)[1][0]


def test_the_cli_checks_the_anchor_and_exits_1(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mednec.cli import app

    anchor = tmp_path / "anchor.jsonl"
    _flow(world)
    url = str(world.service.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MEDNEC_AUDIT_KEY", KEY.decode())
    monkeypatch.setenv("MEDNEC_AUDIT_ANCHOR", str(anchor))
    runner = CliRunner()
    made = runner.invoke(app, ["audit", "checkpoint", "--database-url", url])
    assert made.exit_code == 0, made.output
    ok = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert ok.exit_code == 0 and "every anchored entry present" in ok.output, ok.output
    _sql(world, "DELETE FROM audit_log", "DELETE FROM audit_head")
    bad = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert bad.exit_code == 1 and "gone" in bad.output, bad.output
    # through the real entry point: no key is a usage error (exit 2) naming the variable
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "MEDNEC_AUDIT_KEY"}
    nokey = subprocess.run([sys.executable, "-m", "mednec", "audit", "checkpoint", "--database-url", url],
                           env=env, capture_output=True, text=True, timeout=120)
    assert nokey.returncode == 2 and "MEDNEC_AUDIT_KEY" in nokey.stderr + nokey.stdout
