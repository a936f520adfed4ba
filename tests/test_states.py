"""The vocabularies as types (mednec.states): every member is exactly the string it replaced, so
JSON, stored rows and templates are unchanged; the engine's determinations carry the type."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import yaml

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, Determination
from mednec.runtime import Runtime
from mednec.states import Audience, OutputFormat, ReviewState, Verdict

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_members_are_the_strings_they_replaced() -> None:
    assert [v.value for v in Verdict] == ["meets_criteria", "does_not_meet_criteria", "insufficient_information"]
    assert (MEETS, NOT_MET, INSUFFICIENT) == ("meets_criteria", "does_not_meet_criteria", "insufficient_information")
    # 'withdrawn' added by round 5 (PAS cancellation and updates; migration 0019): the earlier members unchanged
    assert [s.value for s in ReviewState] == ["submitted", "under_review", "approved", "overturned",
                                             "changes_requested", "info_requested", "appealed", "withdrawn"]
    assert [a.value for a in Audience] == ["clinician", "payer", "patient"]
    assert [f.value for f in OutputFormat] == ["markdown", "html", "pdf", "json"]
    assert json.dumps({"d": Verdict.MEETS}) == '{"d": "meets_criteria"}'
    assert orjson.dumps(Verdict.NOT_MET) == b'"does_not_meet_criteria"'
    assert f"{ReviewState.UNDER_REVIEW}" == "under_review" and str(Audience.PAYER) == "payer"
    assert {Verdict.MEETS: 1}.get("meets_criteria") == 1  # dict keys: a member and its string are one key


def test_open_and_final_states() -> None:
    assert {s for s in ReviewState if s.is_open} == {"submitted", "under_review", "appealed"}
    assert {s for s in ReviewState if s.is_final} == {"approved", "overturned"}


def test_the_database_constraint_lists_plain_strings() -> None:
    from mednec.store.models import STATES, Evaluation

    check = next(c for c in Evaluation.__table__.constraints if c.name == "ck_evaluations_state")
    assert "ReviewState" not in str(check.sqltext) and "'info_requested'" in str(check.sqltext)
    assert all(type(s) is str for s in STATES)


def test_a_determination_carries_the_type_and_serialises_as_before() -> None:
    rt = Runtime.load()
    case = rt.read_case(EXAMPLES / "luspatercept-first-line.yaml")
    det = rt.evaluate(case.facts, "luspatercept")
    assert type(det.determination) is Verdict
    out = det.to_dict()
    assert type(out["determination"]) is str
    assert all(type(a["determination"]) is str for a in out["alternatives"])
    yaml.safe_dump(out)  # plain strings: the safe dumper refuses str subclasses
    back = Determination.from_dict(json.loads(json.dumps(out, default=str)), rt.dictionary)
    assert type(back.determination) is Verdict and back.determination == det.determination


def test_document_review_policy_and_claim_states_are_the_strings_they_replaced() -> None:
    from mednec.render.article import REVIEW_STATUSES
    from mednec.states import ClaimStatus, DocumentReview, PolicyState
    from mednec.store.models import POLICY_STATES, PolicyVersion

    # 'withdrawn' added by round 6 (a document of a withdrawn request says so, never "pending review")
    assert REVIEW_STATUSES == ("submitted", "under_review", "approved", "denied", "info_requested", "withdrawn")
    assert all(type(s) is str for s in REVIEW_STATUSES)
    assert {s for s in DocumentReview if s.is_decided} == {"approved", "denied"}
    assert POLICY_STATES == ("draft", "in_review", "published", "retired", "rejected")
    assert all(type(s) is str for s in POLICY_STATES) and [s.value for s in PolicyState] == list(POLICY_STATES)
    check = next(c for c in PolicyVersion.__table__.constraints if c.name == "ck_policy_versions_status")
    assert "PolicyState" not in str(check.sqltext) and "'in_review'" in str(check.sqltext)
    # 'cancelled' added by round 5 (a pended PAS request its organisation cancelled)
    assert [s.value for s in ClaimStatus] == ["approved", "pended", "denied", "cancelled"]


def test_the_figures_are_named_once() -> None:
    from mednec.store.metrics import Figure, Figures
    from mednec.web.routes_audit import FIGURES

    assert [f.value for f in Figure] == list(Figures.__annotations__)
    assert [k for k, _ in FIGURES] == list(Figure)


def test_the_scaffold_writes_verdicts_as_plain_words(tmp_path: Path) -> None:
    from mednec.packcheck.scaffold import write_pack

    folder = write_pack(tmp_path, "toy_pack")
    expected = {yaml.safe_load(p.read_text())["expect"]["determination"] for p in folder.rglob("cases/*.yaml")}
    assert expected == {v.value for v in Verdict}


def test_the_outbox_statuses_are_the_strings_stored() -> None:
    from mednec.store.outbox import Attempt, OutboxStatus

    assert [s.value for s in OutboxStatus] == ["pending", "sent", "failed"]
    assert [a.value for a in Attempt] == ["sent", "retry", "failed"]
