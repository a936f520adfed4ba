"""Findings -> one case mapping, resolving duplicates and disagreements.

For each fact the value kept is, in order: a stated (or synthesized) value over an inferred
one; the newer date (an undated value counts as of the evaluation date, so a question's
"Hb 8.1" is current); the more specific wording (``Finding.rank``); the later mention (so the
question, merged after a note, wins a tie). Every disagreement is kept as a
:class:`Conflict`. Dated transfusions from one source are pooled; an ESA history pools its
courses, and a course outweighs "ESA-naive". Each kept value is checked against the fact
dictionary (unit, plausible range, date not in the future); a value that fails becomes an
:class:`Unused` with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from mednec.errors import ContradictionError, MednecError
from mednec.facts import icd10
from mednec.facts.dictionary import FactDictionary
from mednec.intake.case_file import parse_case
from mednec.intake.text.context import context_rules
from mednec.intake.text.model import PRE_COUNT_SAID, SINCE_MODIFIER, WITHIN_MODIFIER, Conflict, Finding, Unused
from mednec.intake.values import parse_fact_value, parse_text_form

__all__ = ["Assembly", "assemble", "condition_facts"]

_PATIENT = ("age", "sex", "birth_date")


@dataclass(frozen=True)
class Assembly:
    """The case mapping and how it was made."""

    case: dict[str, Any]
    used: tuple[Finding, ...]
    unused: tuple[Unused, ...]
    conflicts: tuple[Conflict, ...]


def _when(f: Finding, as_of: dt.date) -> dt.date:
    """A finding's date for ordering: a question speaks as of the evaluation date; an undated
    note value (prose) is older than any dated one."""
    return f.date or (as_of if f.source == "question" else dt.date.min)


def _key(f: Finding, order: int, as_of: dt.date) -> tuple[int, dt.date, int, int]:
    return (0 if f.kind == "inferred" else 1, _when(f, as_of), f.rank, order)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return bool(a == b)


def _pick(cands: list[tuple[int, Finding]], as_of: dt.date) -> tuple[Finding, list[Conflict]]:
    ranked = sorted(cands, key=lambda c: _key(c[1], c[0], as_of), reverse=True)
    best = ranked[0][1]
    conflicts = []
    seen: list[Any] = [best.value]
    for _, f in ranked[1:]:
        if any(_same(f.value, v) and f.unit == best.unit for v in seen):
            continue
        seen.append(f.value)
        if f.fact == "diagnosis" and f.value == "D46.9":
            continue  # "MDS" and then "MDS-RS": the specific code refines the general one
        why = ("a stated value outweighs an inferred one" if f.kind == "inferred" and best.kind != "inferred"
               else "the newer value wins" if _when(f, as_of) < _when(best, as_of)
               else "the more specific wording wins" if f.rank < best.rank else "the later statement wins")
        conflicts.append(Conflict(f.fact, best, f, why))
    return best, conflicts


def _events(fact: str, cands: list[tuple[int, Finding]], as_of: dt.date) -> tuple[Finding | None, list[Conflict]]:
    """One events finding per source (dated ones pooled), then the newest source wins; None when no source
    gives one (ESA courses found without any outcome: the history stays unread, never a crash)."""
    by_source: dict[str, list[Finding]] = {}
    for _, f in cands:
        by_source.setdefault(f.source, []).append(f)
    merged: list[tuple[int, Finding]] = []
    conflicts: list[Conflict] = []
    for i, (_, fs) in enumerate(by_source.items()):
        if fact == "rbc_transfusions":
            one: Finding | None = _one_source_transfusions(fact, fs, as_of, conflicts)
        elif fact == "medication_history":
            one = _one_source_treatments(fact, fs)
        elif fact == "treatment_doses":
            one = _one_source_doses(fact, fs)
        else:
            one = _one_source_esa(fact, fs, as_of, conflicts)
        if one is not None:
            merged.append((i, one))
    if not merged:
        return None, conflicts
    best, cs = _pick(merged, as_of)
    return best, conflicts + cs


def _one_source_transfusions(fact: str, fs: list[Finding], as_of: dt.date, conflicts: list[Conflict]) -> Finding | None:
    """Dated transfusions pooled (they outweigh a rate); else the best rate. A count said to be from
    before the treatment (placed before its start) is kept beside them: the transfusions after the start
    come from the others, none of which reaches back before it."""
    pre = [f for f in fs if "pretreatment" in f.modifiers]
    rest = [f for f in fs if "pretreatment" not in f.modifiers]
    if pre and not rest and any(PRE_COUNT_SAID in f.modifiers for f in pre):
        # a count before the treatment is placed only when the text speaks of the transfusions since the start
        # too; none of those read ("last 16 weeks 5 units (2u 9/3, ...)" in words the readers do not take) is no
        # record of none: the pre-treatment count alone would read as a patient transfusion-free on treatment (a
        # confident fall; held-out renew8 rw23), so the record is left to be asked
        return None
    if pre and rest:
        last_pre = max((e["date"] for f in pre for e in f.value), default=None)
        now = _pooled(fact, rest, as_of, conflicts)
        events = [e for f in pre for e in f.value] + [e for e in now.value if last_pre is None or e["date"] > last_pre]
        return Finding(fact, sorted(events, key=lambda e: e["date"]), now.span, kind=now.kind, date=now.date,
                       source=now.source, rank=now.rank, note="; ".join(x for x in (pre[0].note, now.note) if x))
    return _pooled(fact, fs, as_of, conflicts)


def _one_source_doses(fact: str, fs: list[Finding]) -> Finding:
    """The doses named, pooled by date; doses placed without their dates only when none is dated."""
    stated = [f for f in fs if f.kind == "stated"] or fs[:1]
    doses = {e["date"]: e for f in stated for e in f.value}
    first = stated[0]
    return Finding(fact, sorted(doses.values(), key=lambda e: e["date"]), first.span, kind=first.kind, date=first.date,
                   source=first.source, rank=2, note="; ".join(f.note for f in stated))


def _pooled(fact: str, fs: list[Finding], as_of: dt.date, conflicts: list[Conflict]) -> Finding:
    """Dated transfusions pooled (they outweigh a rate); else the best rate (no count before the treatment)."""
    dated = [f for f in fs if f.rank == 3]
    if not dated:
        best, cs = _pick(list(enumerate(fs)), as_of)
        conflicts += cs
        return _widest_window(best, fs)
    pool = {e["date"]: e for f in dated for e in f.value}
    first = dated[0]
    f0 = Finding(fact, sorted(pool.values(), key=lambda e: e["date"]), first.span, kind="stated",
                 date=max(pool), source=first.source, rank=3, note=f"{len(pool)} dated transfusions")
    conflicts += [Conflict(fact, f0, f, "dated transfusions outweigh a rate") for f in fs if f.rank != 3]
    return f0


def _since(f: Finding) -> dt.date | None:
    """The date a transfusion-free window's empty list is complete from (``since:<date>``), else None."""
    mark = next((m for m in f.modifiers if m.startswith(SINCE_MODIFIER)), None)
    return dt.date.fromisoformat(mark[len(SINCE_MODIFIER):]) if mark else None


def _widest_window(best: Finding, fs: list[Finding]) -> Finding:
    """An empty list kept: among the source's empty lists, the widest window says what is known (one
    without a start, e.g. "none in the last 6 months" or "transfusion-independent", covers the 16 weeks)."""
    if best.value or _since(best) is None:
        return best
    starts = [_since(f) for f in fs if not f.value]
    keep = tuple(m for m in best.modifiers if not m.startswith(SINCE_MODIFIER))
    if any(d is None for d in starts):
        return replace(best, modifiers=keep)
    return replace(best, modifiers=(*keep, SINCE_MODIFIER + min(d for d in starts if d is not None).isoformat()))


def _one_source_treatments(fact: str, fs: list[Finding]) -> Finding:
    """The treatments named, pooled: one per drug and response."""
    treatments: dict[tuple[str, str], dict[str, Any]] = {}
    for f in fs:
        for entry in f.value:
            treatments.setdefault((entry["drug"], entry["response"]), entry)
    first = fs[0]
    return Finding(fact, list(treatments.values()), first.span, kind=first.kind, date=first.date, source=first.source,
                   rank=2, note="; ".join(f.note for f in fs))


def _one_source_esa(fact: str, fs: list[Finding], as_of: dt.date, conflicts: list[Conflict]) -> Finding | None:
    """ESA courses pooled; a course outweighs "naive"."""
    withc = [f for f in fs if f.value]
    courses = _merge_courses([c for f in withc for c in f.value])
    if not courses:
        return None if withc else fs[0]
    first = withc[0]
    note = "; ".join(f"{c['drug']}, {c['response'].replace('_', ' ')}, {c['start'].isoformat()} to "
                     f"{c['end'].isoformat() if c.get('end') else 'now'}" for c in courses)
    assumed = [f.note[f.note.index("("):] for f in withc if "(" in f.note]
    f0 = Finding(fact, courses, first.span, kind=first.kind, date=max(_when(f, as_of) for f in withc),
                 source=first.source, rank=2, note=note + (f" {assumed[0]}" if assumed and len(withc) == 1 else ""))
    conflicts += [Conflict(fact, f0, f, "a documented ESA course outweighs 'ESA-naive'") for f in fs if not f.value]
    return f0


_OUTCOME = {"lost_response": 5, "none": 4, "intolerant": 3, "response": 2, "partial": 2, "ongoing": 1}


def _merge_courses(courses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One course per drug: stated dates (``dated``) with the strongest outcome said of that drug.

    "started darbepoetin 04/15/2025 to 08/30/2025" and "lost response to darbepoetin" are one
    course; an unnamed "ESA failure" joins the one named drug when there is exactly one.
    """
    by_drug: dict[str, list[dict[str, Any]]] = {}
    for c in courses:
        by_drug.setdefault(c["drug"], []).append(c)
    generic = by_drug.pop("ESA (unspecified)", [])
    if generic and len(by_drug) == 1:
        next(iter(by_drug.values())).extend(generic)
    elif generic:
        by_drug["ESA (unspecified)"] = generic
    out = []
    for drug, cs in by_drug.items():
        outcomes = [c for c in cs if c.get("response")]
        if not outcomes:
            continue
        best = max(outcomes, key=lambda c: _OUTCOME.get(c["response"], 0))
        dated = next((c for c in cs if c.get("dated")), None)
        course = {"drug": drug, "start": (dated or best)["start"], "response": best["response"]}
        end = (dated or best).get("end")
        if end is not None and best["response"] != "ongoing":
            course["end"] = end
        out.append(course)
    return sorted(out, key=lambda c: c["start"])


def _raw(f: Finding, fd_type: str) -> Any:
    if fd_type == "events":
        return [{k: v for k, v in e.items() if k != "dated"} for e in f.value]
    out: dict[str, Any] = {"value": f.value}
    if f.unit and fd_type == "number":
        out["unit"] = f.unit
    if f.date:
        # a range of days as an ISO interval: the case file reads it as its first and last possible day
        out["date"] = f"{f.date.isoformat()}/{f.date_last.isoformat()}" if f.date_last and f.date_last != f.date else f.date
    out["source"] = f.where
    return out


def assemble(findings: Iterable[Finding], unused: Iterable[Unused], dictionary: FactDictionary,
             as_of: dt.date) -> Assembly:
    """Resolve the findings into a case mapping (``patient`` and ``facts``) ready for ``parse_case``."""
    groups: dict[str, list[tuple[int, Finding]]] = {}
    for i, f in enumerate(findings):
        groups.setdefault(f.fact, []).append((i, f))
    drop: list[Unused] = list(unused)
    conflicts: list[Conflict] = []
    chosen: dict[str, Finding] = {}
    for fact, cands in groups.items():
        fd = dictionary.get(fact)
        best, cs = (_events(fact, cands, as_of) if fd.type == "events" else _pick(cands, as_of))
        conflicts += cs
        if best is None:
            continue
        try:
            raw = _raw(best, fd.type)
            # a diagnosis code that is no value but names a number as a range (Z68.35): parse_case reads the code
            if fd.text_form != "icd10" or parse_text_form(fd, raw, dictionary, as_of=as_of, path=fact,
                                                          source=best.where) is None:
                parse_fact_value(fd, raw, as_of=as_of, path=fact, source=best.where)
        except MednecError as exc:
            drop.append(Unused(best.span, f"not used: {exc}", fact, best.source))
            continue
        chosen[fact] = best
    _window_start(chosen, dictionary)
    _placed_within(chosen, dictionary)
    chosen, more = _without_contradictions(chosen, dictionary, as_of)
    drop += more
    case: dict[str, Any] = {"as_of": as_of, "patient": {}, "facts": {}}
    for fact, f in sorted(chosen.items()):
        raw = _raw(f, dictionary.get(fact).type)
        (case["patient"] if fact in _PATIENT else case["facts"])[fact] = raw
    return Assembly(case, tuple(sorted(chosen.values(), key=lambda f: (f.source != "question", f.span.start))),
                    tuple(drop), tuple(conflicts))


def _placed_within(chosen: dict[str, Finding], dictionary: FactDictionary) -> None:
    """A transfusion list made from an undated count over a window longer than 8 weeks ("1 unit in the past 16
    weeks", ``within:<date>``) keeps its list and adds ``rbc_transfusions_within``: the units fell after that
    date, where is not said, so a shorter look-back is known only within bounds (asked when they decide)."""
    tx = chosen.get("rbc_transfusions")
    mark = next((m for m in tx.modifiers if m.startswith(WITHIN_MODIFIER)), None) if tx is not None else None
    if tx is None or mark is None or not tx.value or "rbc_transfusions_within" not in dictionary.facts:
        return
    start = dt.date.fromisoformat(mark[len(WITHIN_MODIFIER):])
    chosen["rbc_transfusions_within"] = Finding("rbc_transfusions_within", start, tx.span, kind=tx.kind, date=tx.date,
                                                note=f"the transfusions listed fell after {start.isoformat()}; their dates "
                                                     "are not said", source=tx.source, rank=tx.rank)


def _window_start(chosen: dict[str, Finding], dictionary: FactDictionary) -> None:
    """A transfusion-free window of 8 to 16 weeks kept as the transfusion record (no dated log outweighed
    it) is not an empty log: it becomes ``rbc_transfusions_since`` alone (no RBC transfusion after the
    window's start, nothing known before it), so the 8-week count is 0 and the 16-week counts are asked,
    never read as 0. A count in a window ("2 units in the last 8 weeks") keeps its list and adds
    ``rbc_transfusions_since`` (the window's start): the 16-week counts are known only from below."""
    tx = chosen.get("rbc_transfusions")
    start = _since(tx) if tx is not None else None
    if tx is None or start is None or "rbc_transfusions_since" not in dictionary.facts:
        return
    if tx.value:  # "2 units in the last 8 weeks": the list and, before it, nothing known
        chosen["rbc_transfusions_since"] = Finding("rbc_transfusions_since", start, tx.span, kind=tx.kind, date=tx.date,
                                                   note=f"the transfusions listed are those after {start.isoformat()}, "
                                                        "nothing said before it", source=tx.source, rank=tx.rank)
        return
    del chosen["rbc_transfusions"]
    chosen["rbc_transfusions_since"] = Finding("rbc_transfusions_since", start, tx.span, kind=tx.kind, date=tx.date,
                                               note=f"{tx.note}: no RBC transfusion after {start.isoformat()}, "
                                                    "nothing said before it", source=tx.source, rank=tx.rank)


def condition_facts(code: str, dictionary: FactDictionary) -> list[str]:
    """The boolean condition facts a diagnosis code gives: those listing the code or a code above it
    (type2_diabetes lists E11, so E11.9 gives it; mednec.facts.icd10)."""
    canonical = icd10.canonical(code)
    return [fid for fid, _ in icd10.code_facts(canonical, dictionary)
            if dictionary.facts[fid].may_give] if canonical else []


def _without_contradictions(chosen: dict[str, Finding], dictionary: FactDictionary,
                            as_of: dt.date) -> tuple[dict[str, Finding], list[Unused]]:
    """Drop the inferred side of a declared contradiction; both sides when both were stated."""
    dropped: list[Unused] = []
    for _ in range(len(dictionary.contradictions) + 1):
        data = {"patient": {}, "facts": {k: _raw(f, dictionary.get(k).type) for k, f in chosen.items()
                                         if k not in _PATIENT}}
        try:
            parse_case(data, dictionary, as_of=as_of)
            return chosen, dropped
        except ContradictionError as exc:
            rule = next(c for c in dictionary.contradictions if c.message == exc.message)
            names = [k for k in (*rule.when, *rule.conflicts) if k in chosen]
            inferred = [k for k in names if chosen[k].kind == "inferred"]
            for k in inferred or names:
                f = chosen.pop(k)
                dropped.append(Unused(f.span, f"contradicts another statement ({exc.message}); not used", k, f.source))
                sign = context_rules().unc_to.get(k, "")
                if not inferred and f.value is True and sign in dictionary.facts and sign not in chosen:
                    # two statements that cannot both be right leave each in doubt: a dropped statement of a
                    # presumed exclusion is its warning sign ("T2D ... also T1D": type 1 diabetes possible), never
                    # silence, so the exclusion is asked instead of presumed away
                    chosen[sign] = replace(f, fact=sign, kind="stated", note=f"{f.note or k} contradicted ({exc.message}): "
                                                                              "in doubt")
                for other in [o for o, g in chosen.items() if g.kind == "inferred" and g.span == f.span]:
                    g = chosen.pop(other)  # what was inferred from a dropped statement goes with it
                    dropped.append(Unused(g.span, "inferred from a contradicted statement; not used", other, g.source))
        except MednecError:
            return chosen, dropped
    return chosen, dropped
