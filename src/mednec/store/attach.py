"""Attach a document to an open request: its facts join the case and the evaluation is
re-evaluated in place (same id, same place in the queue, same due time), history kept.

A requester answers "documents needed" by uploading the note, report or FHIR resource. The
facts read from it (sources ``note document <file> [...]`` or ``FHIR <Resource>/<id>``, which
the documents call *attached*) replace the stated ones of the same name; the case gets a new
version, the evaluation a new determination under the policy version it was made under, and
the review history an ``attach`` entry saying what was attached and how the recommendation
moved. A request waiting for information goes back to the reviewers (``submitted``); a decided
request is not re-opened (appeal it instead).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mednec.engine.evaluate import evaluate as run_policy
from mednec.errors import ConflictError, InputError
from mednec.states import ReviewState as S
from mednec.states import Verdict
from mednec.store import audit
from mednec.store.access import Principal, require, visible_case, visible_eval
from mednec.store.models import Evaluation, ReviewAction

if TYPE_CHECKING:
    from mednec.store.service import Service

__all__ = ["ATTACHABLE", "attach_document"]

#: the states in which a requester may attach a document (not decided, not being decided)
ATTACHABLE = (S.SUBMITTED, S.INFO_REQUESTED, S.CHANGES_REQUESTED, S.UNDER_REVIEW, S.APPEALED)
_WORD: dict[str, str] = {Verdict.MEETS: "meets criteria", Verdict.NOT_MET: "does not meet criteria",
         Verdict.INSUFFICIENT: "insufficient information"}


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def attach_document(service: Service, p: Principal, eval_id: str, data: Mapping[str, Any], *,
                    name: str) -> Evaluation:
    """Merge ``data`` (a case's ``patient``/``facts`` read from the document ``name``) into the
    evaluation's case and re-evaluate it in place. Raises InputError when the document gave no
    fact, ConflictError when the request is decided."""
    require(p, "requester")
    data = json.loads(json.dumps(dict(data), default=_iso))  # dates as ISO text, as the case stores them
    patient = dict(data.get("patient") or {})
    facts = dict(data.get("facts") or {})
    if not patient and not facts:
        raise InputError(f"nothing in {name} could be read as a fact of the case", field="upload")
    now = service.now()
    with service.db.session() as s:
        ev = visible_eval(s, p, eval_id)
        if ev.state not in ATTACHABLE:
            raise ConflictError("this request is decided; appeal the decision to add a document")
        case = visible_case(s, p, ev.case_id)
        merged = dict(case.data)
        for part, new in (("patient", patient), ("facts", facts)):
            if new:
                merged[part] = {**dict(merged.get(part) or {}), **new}
        parsed = service.runtime.parse_case(merged, as_of=ev.as_of)  # bad values are the upload's 422
        policy = service.policies.compiled(ev.policy_id, ev.policy_version)
        pack = service.policies.current(service.runtime.catalog.policy(ev.policy_id))[1]
        det = run_policy(policy, parsed.facts, pack, service.runtime.dictionary, phase=ev.phase)
        before, state_before = ev.determination, ev.state
        case.data, case.updated_at = merged, now
        ev.result_json, ev.result_z = None, Evaluation.pack_result(det.to_dict())
        ev.determination, ev.input_hash = det.determination, det.input_hash
        if ev.state in (S.INFO_REQUESTED, S.CHANGES_REQUESTED):
            ev.state = S.SUBMITTED  # the information arrived: back to the reviewers
        moved = (f"recommendation {_WORD.get(before, before)} → {_WORD.get(det.determination, det.determination)}"
                 if before != det.determination else f"recommendation unchanged ({_WORD.get(before, before)})")
        read = sorted({*patient, *facts})
        reason = f"Attached {name}: {len(read)} fact{'s' if len(read) != 1 else ''} read; {moved}."
        s.flush()
        s.add(ReviewAction(evaluation_id=ev.id, actor_id=p.id, action="attach", from_state=state_before,
                           to_state=ev.state, reason=reason[:4000], at=now))
        audit.append(s, actor_id=p.id, action="evaluation.attach", entity_type="evaluation", entity_id=ev.id,
                     policy_version=f"{ev.policy_id}@{ev.policy_version}", input_hash=det.input_hash,
                     detail={"case": case.id, "facts": read, "from": before, "to": det.determination}, at=now)
        return ev
