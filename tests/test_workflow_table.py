"""The review workflow's transition table (mednec.store.workflow), action by action and state by
state, through Reviews._transition (mednec.store.reviews)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the service extra")

from mednec.errors import ConflictError  # noqa: E402
from mednec.states import ReviewState as S  # noqa: E402
from mednec.store.reviews import Reviews  # noqa: E402
from mednec.store.workflow import TRANSITIONS  # noqa: E402

#: The workflow written out by hand: action -> (from states, to state).
EXPECTED = {
    "claim": ({S.SUBMITTED, S.APPEALED}, S.UNDER_REVIEW),
    "request_changes": ({S.UNDER_REVIEW}, S.CHANGES_REQUESTED),
    "request_info": ({S.UNDER_REVIEW}, S.INFO_REQUESTED),
    "approve": ({S.UNDER_REVIEW}, S.APPROVED),
    "overturn": ({S.UNDER_REVIEW}, S.OVERTURNED),
    "appeal": ({S.APPROVED, S.OVERTURNED}, S.APPEALED),
    "release": ({S.UNDER_REVIEW}, S.SUBMITTED),  # or back to appealed: tests/api/test_attack_stuck_claim.py
}


def test_the_table_is_the_workflow() -> None:
    assert {a: (set(t.sources), t.target) for a, t in TRANSITIONS.items()} == EXPECTED


def _service() -> Any:
    fake = SimpleNamespace(_require=lambda p, role: None)
    fake._final_decision = Reviews._final_decision  # noqa: SLF001
    fake._signature = Reviews._signature  # noqa: SLF001
    return fake


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("state", list(S))
def test_an_action_is_taken_exactly_from_its_states(action: str, state: S) -> None:
    p = SimpleNamespace(id="rev", role="physician_reviewer", name="Dr A")
    ev = SimpleNamespace(state=state.value, decision="denied", reviewer_id="rev", determination="does_not_meet_criteria",
                         appealed=False, decision_reason=None, signature=None, signature_hash=None, decided_at=None,
                         result_raw=b"{}")
    sources, target = EXPECTED[action]
    if state in sources:
        Reviews._transition(_service(), p, ev, action, "a reason", "approved", "Dr A", None)  # type: ignore[arg-type]  # noqa: SLF001
        assert ev.state == target
    else:
        with pytest.raises(ConflictError, match=f"cannot {action} an evaluation that is"):
            Reviews._transition(_service(), p, ev, action, "a reason", "approved", "Dr A", None)  # type: ignore[arg-type]  # noqa: SLF001
        assert ev.state == state.value


def test_nothing_changes_when_an_approval_is_refused() -> None:
    p = SimpleNamespace(id="rev", role="physician_reviewer", name="Dr A")
    ev = SimpleNamespace(state="under_review", decision=None, reviewer_id="rev", determination="does_not_meet_criteria",
                         appealed=False, decision_reason=None, signature=None, signature_hash=None, decided_at=None,
                         result_raw=b"{}")
    with pytest.raises(Exception, match="signature"):
        Reviews._transition(_service(), p, ev, "approve", None, None, None, None)  # type: ignore[arg-type]  # noqa: SLF001
    assert ev.state == "under_review" and ev.decision is None
