"""Impact analysis over the stored cases: what a policy version would change if published.

The population is every stored case that has been evaluated against the policy (of one
organisation when ``org_id`` is given: the reader's, unless it may read every organisation's,
:func:`mednec.store.access.impact_scope`; the report says which in ``population`` and
``organisation``); each is
evaluated again with the published version and with the version under review, at the
evaluation date and phase of its latest evaluation (so a case judged last month is judged
on the same date by both versions). The comparison is
:func:`mednec.population.impact.summarize`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol

import sqlalchemy as sa

from mednec.engine.evaluate import evaluate
from mednec.errors import MednecError, NotFoundError
from mednec.population.impact import ImpactReport, summarize
from mednec.population.results import result_row
from mednec.runtime import Runtime
from mednec.store.db import Database
from mednec.store.models import Case, Evaluation, PolicyVersion
from mednec.store.policies import PolicyRegistry

__all__ = ["MAX_CASES", "stored_impact"]

#: At most this many stored cases (the most recently evaluated) enter an analysis in a request.
MAX_CASES = 20_000


class Service(Protocol):
    """What an analysis reads (the service's database, runtime and policy versions); a protocol, so
    this module does not import the service that calls it."""

    @property
    def db(self) -> Database: ...

    @property
    def runtime(self) -> Runtime: ...

    @property
    def policies(self) -> PolicyRegistry: ...


def _latest_evaluations(service: Service, policy_id: str, org_id: str | None) -> dict[str, tuple[str, dt.date]]:
    """Each case (of ``org_id``, or of every organisation) evaluated against the policy -> (phase,
    as_of) of its latest evaluation."""
    q = (sa.select(Evaluation.case_id, Evaluation.phase, Evaluation.as_of, Evaluation.submitted_at)
         .where(Evaluation.policy_id == policy_id).order_by(Evaluation.submitted_at.desc(), Evaluation.id))
    if org_id is not None:
        q = q.where(Evaluation.org_id == org_id)
    out: dict[str, tuple[str, dt.date]] = {}
    with service.db.reading() as s:
        for case_id, phase, as_of, _ in s.execute(q):
            if case_id not in out:
                out[case_id] = (phase, as_of)
                if len(out) >= MAX_CASES:
                    break
    return out


def population_of(policy_id: str, org_id: str | None) -> str:
    """The population an analysis used, in words (recorded with a draft's review)."""
    whose = "every organisation" if org_id is None else f"organisation {org_id}"
    return f"stored cases of {whose} evaluated against {policy_id}"


def stored_impact(service: Service, policy_id: str, version: str, *, org_id: str | None) -> ImpactReport:
    """The impact of ``policy_id`` ``version`` against the published version, over the stored cases
    of ``org_id`` (None: of every organisation)."""
    shipped = next((p for p in service.runtime.catalog.policies() if p.id == policy_id), None)
    if shipped is None:
        raise NotFoundError(f"no policy {policy_id}")
    published, pack = service.policies.current(shipped)
    draft = service.policies.compiled(policy_id, version)
    draft_pack = dataclasses.replace(pack, policies=tuple(draft if p.id == policy_id else p for p in pack.policies))
    latest = _latest_evaluations(service, policy_id, org_id)
    q = sa.select(Case.id, Case.data).where(Case.id.in_(list(latest)))
    if org_id is not None:
        q = q.where(Case.org_id == org_id)
    with service.db.reading() as s:
        rows = s.execute(q).all() if latest else []
    dictionary = service.runtime.dictionary
    pairs: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = []
    for case_id, data in sorted(rows):
        phase, as_of = latest[case_id]
        try:
            facts = service.runtime.parse_case(data, as_of=as_of).facts
        except MednecError:
            pairs.append((case_id, None, None))
            continue
        got: list[dict[str, Any] | None] = []
        for policy, p_pack in ((published, pack), (draft, draft_pack)):
            if phase == "continuation" and policy.continuation is None:
                got.append(None)
                continue
            try:
                got.append(result_row(case_id, evaluate(policy, facts, p_pack, dictionary, phase=phase), None))
            except MednecError:
                got.append(None)
        pairs.append((case_id, got[0], got[1]))
    return summarize(pairs, policy_id=policy_id, published=published.version, draft=version,
                     population=population_of(policy_id, org_id), organisation=org_id)


def recorded_organisation(row: PolicyVersion) -> str | None:
    """The organisation whose cases the analysis recorded with ``row`` used (None: every
    organisation's; so are analyses recorded before the population was scoped)."""
    org = (row.impact or {}).get("organisation")
    return str(org) if org is not None else None


def impact_view(row: PolicyVersion, *, samples: bool) -> dict[str, Any] | None:
    """The impact recorded with a version, without sample case ids for readers who may not open
    cases. Who may see it at all: ``PolicyVersions.recorded_impact``."""
    if row.impact is None:
        return None
    out = dict(row.impact)
    out.setdefault("organisation", None)
    if not samples:
        out["moves"] = [{k: v for k, v in m.items() if k != "samples"} for m in out.get("moves", [])]
    return out
