"""Impact analysis: the transition table, the criteria that drive each move and sample cases
(`mednec.population.impact`), and `mednec impact` on stored cases and on a population."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mednec.cli import app
from mednec.population.impact import DETERMINATIONS, summarize
from mednec.runtime import Runtime

SHIPPED = Path(__file__).resolve().parents[2] / "src/mednec/packs/mds_anemia/luspatercept/policy.yaml"
VERSION = "2026.11.2-test"


def draft_yaml() -> str:
    """A test-only revision: the hemoglobin ceiling moves from 11.5 to 8.0 g/dL."""
    text = SHIPPED.read_text()
    assert 'version: "2026.12.2"' in text and text.count("lt: 11.5") == 1
    return text.replace('version: "2026.12.2"', f'version: "{VERSION}"').replace("lt: 11.5", "lt: 8.0")


def _row(det: str, criteria: dict[str, str], pathway: str | None = None) -> dict[str, Any]:
    return {"determination": det, "pathway": pathway, "criteria": [{"id": k, "status": v} for k, v in criteria.items()]}


def test_transition_table_drivers_and_samples() -> None:
    pairs = [
        ("a", _row("meets_criteria", {"hb": "met", "x": "met"}, "p1"), _row("does_not_meet_criteria", {"hb": "not_met", "x": "met"})),
        ("b", _row("meets_criteria", {"hb": "met"}, "p1"), _row("does_not_meet_criteria", {"hb": "not_met", "new": "met"})),
        ("c", _row("meets_criteria", {"hb": "met"}, "p1"), _row("meets_criteria", {"hb": "met"}, "p2")),
        ("d", _row("insufficient_information", {"hb": "unknown"}), _row("insufficient_information", {"hb": "unknown"})),
        ("e", None, _row("meets_criteria", {})),
    ]
    r = summarize(pairs, policy_id="x", published="1", draft="2", population="test").to_dict()
    assert (r["patients"], r["errors"], r["moved"], r["pathway_changes"]) == (4, 1, 2, 1)
    table = {row["from"]: row for row in r["table"]}
    assert [row["from"] for row in r["table"]] == list(DETERMINATIONS)
    assert table["meets_criteria"]["total"] == 3
    assert table["meets_criteria"]["to"] == {"meets_criteria": 1, "insufficient_information": 0,
                                             "does_not_meet_criteria": 2}
    (move,) = r["moves"]
    assert move["drivers"][0] == {"criterion": "hb", "was": "met", "now": "not_met", "count": 2}
    assert {"criterion": "new", "was": "absent", "now": "met", "count": 1} in move["drivers"]
    assert move["samples"] == ["a", "b"]
    assert "samples" not in summarize(pairs, policy_id="x", published="1", draft="2",
                                      population="t").to_dict(samples=False)["moves"][0]


def test_cli_impact_on_stored_cases_and_on_a_population(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    from mednec.store.db import Database
    from mednec.store.service import Service

    url = f"sqlite:///{tmp_path / 'store.db'}"
    db = Database(url)
    db.upgrade()
    service = Service(db, rt)
    service.policies.sync_shipped(service.now())
    author = service.accounts.add_user("plan", "author", "policy_author")
    p = service.accounts.authenticate(service.accounts.create_key(author.id))
    service.policy_versions.draft(p, "luspatercept-mds", draft_yaml())
    runner = CliRunner()
    r = runner.invoke(app, ["impact", "--policy", "Reblozyl", "--draft", VERSION, "--database-url", url,
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["patients"] == 0  # no stored case was evaluated against it
    r = runner.invoke(app, ["impact", "--policy", "luspatercept-mds", "--draft", VERSION, "--database-url", url,
                            "--population", str(population_dir / "members.parquet"), "--as-of", "2026-11-20",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["patients"] + report["errors"] == 120 and report["moved"] > 0
    assert all(m["to"] == "does_not_meet_criteria" for m in report["moves"])  # a lower ceiling only rules out
    assert report["moves"][0]["drivers"][0]["criterion"] == "hemoglobin_below_hold"
    r = runner.invoke(app, ["impact", "--policy", "luspatercept-mds", "--draft", "9.9", "--database-url", url])
    assert r.exit_code != 0


