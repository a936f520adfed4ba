"""Follow-up questions on a stored case (`mednec ask --case`), and the case history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mednec.ask import answer
from mednec.engine.determination import MEETS
from mednec.followup import follow_up, history, local_session, record_ask
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
QUESTION = ("Is luspatercept medically necessary for a 70-year-old man with lower-risk MDS (IPSS-R low), "
            "SF3B1 mutation, ring sideroblasts 20%, no del(5q), Hb 8.1, ESA-naive, not for immediate correction, "
            "who needs 2 units of blood twice a month?")


def test_follow_ups_answer_in_the_case_context(runtime: Runtime, tmp_path: Path) -> None:
    service, p = local_session(runtime, f"sqlite:///{tmp_path / 'm.db'}")
    a = answer(QUESTION, runtime, as_of=AS_OF)
    assert a.determination is not None
    case_id = record_ask(service, p, QUESTION, a.understood.case, a.determination, a.kind)

    r = follow_up(service, p, case_id, "what if the serum EPO were 300?", as_of=AS_OF)
    assert r.kind == "what_if" and r.case_version == 2
    assert r.determination is not None and r.determination.determination == MEETS
    assert "serum epo 300" in r.text

    r = follow_up(service, p, case_id, "What documentation is missing?", as_of=AS_OF)
    assert r.kind == "missing" and "Nothing is missing" in r.text

    r = follow_up(service, p, case_id, "when is re-authorisation due?", as_of=AS_OF)
    assert r.kind == "reauthorization" and "2027-05-06" in r.text  # 24 weeks from 2026-11-20

    r = follow_up(service, p, case_id, "what about imetelstat instead?", as_of=AS_OF)
    assert r.kind == "other_drug" and r.determination is not None
    assert r.determination.policy["id"] == "imetelstat-mds"

    r = follow_up(service, p, case_id, "explain this for the patient", as_of=AS_OF)
    assert r.kind == "patient" and "#" in r.text

    case, messages = history(service, p, case_id)
    assert [m.kind for m in messages] == ["determination", "what_if", "missing", "reauthorization",
                                          "other_drug", "patient"]
    assert case.data["facts"]["serum_epo"]["value"] == 300
