"""The pack's evidence file (``packs/<pack>/evidence.yaml``): cited statements for documents.

Policies decide; this file explains. It holds, per policy, the guideline status, key trials,
safety, monitoring, a milestone schedule, emerging evidence, common pitfalls and the
patient wording of every criterion, and pack-wide statements (ESA ineligibility, appeal
rights). Every statement cites ids from the pack's ``references.yaml``; the loader rejects
unknown keys (naming the allowed ones), unknown references and unknown criterion ids.

Example::

    ev = load_evidence(pack)
    ev.policy("luspatercept-mds").key_trials[0].result   # 'Transfusion independence ...'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from mednec.errors import ConfigError
from mednec.policies.model import Pack, Policy
from mednec.policies.references import Citation, parse_citation
from mednec.yaml_loader import strict_mapping

__all__ = ["PackEvidence", "PlainWords", "PolicyEvidence", "Milestone", "Program", "RequestDose", "Statement",
           "Trial", "load_evidence"]

_STATUSES = ("confirmed", "secondary")


class Statement(NamedTuple):
    """One cited sentence."""

    text: str
    cites: tuple[Citation, ...]
    status: str = "confirmed"


class Trial(NamedTuple):
    """A key trial: name, design and main result."""

    name: str
    design: str
    result: str
    cites: tuple[Citation, ...]


class Milestone(NamedTuple):
    """A treatment milestone, in weeks after the first dose."""

    week: int
    text: str
    cites: tuple[Citation, ...]


class PlainWords(NamedTuple):
    """Patient wording for one policy."""

    name: str
    what: str
    pathways: Mapping[str, str]
    criteria: Mapping[str, str]
    questions: tuple[str, ...]
    unmet: Mapping[str, str] = {}  # a denial's plain reason for a criterion that is not met
    side_effects: tuple[Statement, ...] = ()  # for the patient: what to expect, what to report


class Program(NamedTuple):
    """Decision and appeal timeframes of one program; an empty figure is the plan's to state."""

    id: str
    label: str
    label_plain: str
    standard: str
    expedited: str
    appeal_deadline: str
    appeal_expedited: str
    external_review: str
    external_review_plain: str
    cites: tuple[Citation, ...]


class RequestDose(NamedTuple):
    """What a letter of medical necessity asks for: the label's starting dose, how often and how
    it is given, and the milligrams in one billing unit of the drug's HCPCS code."""

    start_dose: float
    unit: str
    frequency: str
    route: str
    mg_per_billing_unit: float | None
    cites: tuple[Citation, ...]


class PolicyEvidence(NamedTuple):
    """Everything the documents say about one policy beyond the policy itself."""

    label: str
    guideline: tuple[Statement, ...]
    key_trials: tuple[Trial, ...]
    safety: tuple[Statement, ...]
    monitoring: tuple[Statement, ...]
    schedule: tuple[Milestone, ...]
    emerging: tuple[Statement, ...]
    pitfalls: tuple[Statement, ...]
    plain: PlainWords
    request: RequestDose | None = None


@dataclass(frozen=True)
class PackEvidence:
    """The evidence file of one pack."""

    version: str
    source: str
    esa_ineligibility: tuple[Statement, ...]
    timeframes: tuple[Statement, ...]
    timeframes_plain: tuple[Statement, ...]
    appeals: tuple[Statement, ...]
    appeals_plain: tuple[Statement, ...]
    questions: tuple[str, ...]
    policies: Mapping[str, PolicyEvidence]
    programs: Mapping[str, Program]

    def policy(self, policy_id: str) -> PolicyEvidence:
        try:
            return self.policies[policy_id]
        except KeyError:
            raise ConfigError(f"no evidence entry for policy {policy_id!r}", field="evidence.yaml") from None


class _Ctx:
    def __init__(self, where: str, refs: Mapping[str, Any]) -> None:
        self.where, self.refs = where, refs

    def keys(self, raw: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> Mapping[str, Any]:
        checked = strict_mapping(raw, allowed, field=f"{self.where}:{path}")
        for k in required:
            if checked.get(k) in (None, ""):
                raise ConfigError(f"{k} is required", field=f"{self.where}:{path}")
        return checked

    def cites(self, raw: Any, path: str) -> tuple[Citation, ...]:
        cites = tuple(parse_citation(str(c)) for c in (raw or ()))
        if not cites:
            raise ConfigError("at least one cite is required", field=f"{self.where}:{path}")
        for c in cites:
            if c.ref not in self.refs:
                raise ConfigError(f"citation {c.ref!r} is not in references.yaml", field=f"{self.where}:{path}")
        return cites

    def statements(self, raw: Any, path: str) -> tuple[Statement, ...]:
        out = []
        for i, s in enumerate(raw or ()):
            p = f"{path}[{i}]"
            m = self.keys(s, p, ("text", "cite", "status"), ("text",))
            status = str(m.get("status", "confirmed"))
            if status not in _STATUSES:
                raise ConfigError(f"status must be one of {', '.join(_STATUSES)}", field=f"{self.where}:{p}")
            out.append(Statement(str(m["text"]).strip(), self.cites(m.get("cite"), p), status))
        return tuple(out)


_POLICY_KEYS = ("label", "guideline", "key_trials", "safety", "monitoring", "schedule", "emerging",
                "pitfalls", "plain", "request")


def _request(ctx: _Ctx, raw: Any, path: str) -> RequestDose | None:
    if raw is None:
        return None
    m = ctx.keys(raw, path, ("start_dose", "unit", "frequency", "route", "mg_per_billing_unit", "cite"),
                 ("start_dose", "unit", "frequency", "route"))
    numbers = {}
    for key in ("start_dose", "mg_per_billing_unit"):
        v = m.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or v <= 0):
            raise ConfigError(f"{key} must be a positive number", field=f"{ctx.where}:{path}.{key}")
        numbers[key] = None if v is None else float(v)
    start = numbers["start_dose"]
    assert start is not None
    return RequestDose(start, str(m["unit"]), str(m["frequency"]), str(m["route"]),
                       numbers["mg_per_billing_unit"], ctx.cites(m.get("cite"), path))


def _policy(ctx: _Ctx, pid: str, raw: Any, policy: Policy) -> PolicyEvidence:
    path = f"policies.{pid}"
    m = ctx.keys(raw, path, _POLICY_KEYS, ("label", "plain"))
    if m["label"] not in ctx.refs:
        raise ConfigError(f"label {m['label']!r} is not in references.yaml", field=f"{ctx.where}:{path}.label")
    trials = []
    for i, raw_trial in enumerate(m.get("key_trials") or ()):
        p = f"{path}.key_trials[{i}]"
        t = ctx.keys(raw_trial, p, ("name", "design", "result", "cite"), ("name", "design", "result"))
        trials.append(Trial(str(t["name"]), str(t["design"]).strip(), str(t["result"]).strip(),
                            ctx.cites(t.get("cite"), p)))
    schedule = []
    for i, s in enumerate(m.get("schedule") or ()):
        sm = ctx.keys(s, f"{path}.schedule[{i}]", ("week", "text", "cite"), ("text",))
        week = sm.get("week")
        if isinstance(week, bool) or not isinstance(week, int) or week < 0:
            raise ConfigError("week must be a whole number ≥ 0", field=f"{ctx.where}:{path}.schedule[{i}]")
        schedule.append(Milestone(week, str(sm["text"]), ctx.cites(sm.get("cite"), f"{path}.schedule[{i}]")))
    pm = ctx.keys(m["plain"], f"{path}.plain", ("name", "what", "pathways", "criteria", "questions", "unmet",
                                                 "side_effects"),
                  ("name", "what", "pathways", "criteria"))
    words = _exact(ctx, pm["criteria"], {str(n.id) for _, tree in policy.trees() for n in tree.criteria},
                   f"{path}.plain.criteria")
    pathways = _exact(ctx, pm["pathways"], {p.id for p in policy.pathways}, f"{path}.plain.pathways")
    return PolicyEvidence(
        label=str(m["label"]),
        guideline=ctx.statements(m.get("guideline"), f"{path}.guideline"),
        key_trials=tuple(trials),
        safety=ctx.statements(m.get("safety"), f"{path}.safety"),
        monitoring=ctx.statements(m.get("monitoring"), f"{path}.monitoring"),
        schedule=tuple(sorted(schedule, key=lambda s: s.week)),
        emerging=ctx.statements(m.get("emerging"), f"{path}.emerging"),
        pitfalls=ctx.statements(m.get("pitfalls"), f"{path}.pitfalls"),
        request=_request(ctx, m.get("request"), f"{path}.request"),
        plain=PlainWords(str(pm["name"]), str(pm["what"]), pathways, words, tuple(map(str, pm.get("questions") or ())),
                         {str(k): str(v) for k, v in dict(ctx.keys(pm.get("unmet") or {}, f"{path}.plain.unmet",
                                                                   tuple(sorted(words)))).items()},
                         ctx.statements(pm.get("side_effects"), f"{path}.plain.side_effects")),
    )


def _exact(ctx: _Ctx, raw: Any, known: set[str], path: str) -> dict[str, str]:
    """A mapping that must name exactly the ``known`` ids."""
    words = {str(k): str(v) for k, v in dict(ctx.keys(raw, path, tuple(sorted(known)))).items()}
    missing = sorted(known - set(words))
    if missing:
        raise ConfigError(f"missing entries for {', '.join(missing)}", field=f"{ctx.where}:{path}")
    return words


def parse_evidence(data: Any, pack: Pack, *, where: str = "evidence.yaml") -> PackEvidence:
    """Validate an evidence mapping against the pack's policies and references."""
    ctx = _Ctx(where, pack.references)
    top = ctx.keys(data, "", ("version", "source", "common", "policies"), ("version", "policies"))
    common = ctx.keys(top.get("common") or {}, "common", ("esa_ineligibility", "timeframes", "timeframes_plain",
                                                         "appeals", "appeals_plain", "questions", "programs"))
    by_id = {p.id: p for p in pack.policies}
    raw_policies = ctx.keys(top["policies"], "policies", tuple(by_id))
    missing = sorted(set(by_id) - set(map(str, raw_policies)))
    if missing:
        raise ConfigError(f"no evidence for policies {missing}", field=f"{where}:policies")
    return PackEvidence(
        version=str(top["version"]),
        source=str(top.get("source", "")),
        esa_ineligibility=ctx.statements(common.get("esa_ineligibility"), "common.esa_ineligibility"),
        timeframes=ctx.statements(common.get("timeframes"), "common.timeframes"),
        timeframes_plain=ctx.statements(common.get("timeframes_plain"), "common.timeframes_plain"),
        appeals=ctx.statements(common.get("appeals"), "common.appeals"),
        appeals_plain=ctx.statements(common.get("appeals_plain"), "common.appeals_plain"),
        questions=tuple(map(str, common.get("questions") or ())),
        policies={pid: _policy(ctx, pid, raw, by_id[pid]) for pid, raw in raw_policies.items()},
        programs=_programs(ctx, common.get("programs") or {}),
    )


_PROGRAM_KEYS = ("label", "label_plain", "standard", "expedited", "appeal_deadline", "appeal_expedited",
                 "external_review", "external_review_plain", "cite")


def _programs(ctx: _Ctx, raw: Any) -> dict[str, Program]:
    """The timeframe table: every program of :data:`mednec.render.payer.PROGRAMS`, no other; a
    pack without one has none (a notice then leaves every timeframe to the plan)."""
    from mednec.render.payer import PROGRAMS

    if not raw:
        return {}
    table = ctx.keys(raw, "common.programs", PROGRAMS)
    out = {}
    for pid in PROGRAMS:
        if pid not in table:
            raise ConfigError(f"no timeframes for program {pid}", field=f"{ctx.where}:common.programs")
        path = f"common.programs.{pid}"
        m = ctx.keys(table[pid], path, _PROGRAM_KEYS, ("label", "label_plain", "external_review",
                                                       "external_review_plain"))
        text = {k: str(m.get(k) or "").strip() for k in _PROGRAM_KEYS if k != "cite"}
        out[pid] = Program(id=pid, cites=ctx.cites(m.get("cite"), path) if m.get("cite") else (), **text)
    return out


@cache
def load_evidence(pack: Pack) -> PackEvidence:
    """Load and validate ``evidence.yaml`` beside the pack's ``pack.yaml`` (once per pack)."""
    from mednec.policies.loader import read_yaml

    path = Path(pack.path) / "evidence.yaml"
    if not path.is_file():
        raise ConfigError("the pack has no evidence.yaml; documents need one", field=str(path))
    return parse_evidence(read_yaml(path), pack, where=str(path))
