"""What a letter of medical necessity states beyond the criteria: the request itself (drug, dose
in mg/kg and in mg from the documented weight, frequency, HCPCS code and billing units, site of
care, start date), the qualifying facts in prose with their dates, the response on treatment for
a continuation (transfusions before and after, dose levels with their unit), the sentences the
prescriber attests by signing, and the enclosures that exist.

Every value comes from the determination's facts and the pack's evidence file; a value the case
does not document is a bracketed blank for the prescriber to fill, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mednec.engine.determination import Determination
from mednec.render.model import Article, Cited, CriteriaGroup, DocumentRow, EvidenceItem
from mednec.render.phrases import phrase
from mednec.render.values import long_date

if TYPE_CHECKING:
    from mednec.render.context import ArticleSources

__all__ = ["attestations", "enclosures", "qualifying_facts", "request_details", "response_on_treatment"]

_DIAGNOSIS = re.compile(r"^([A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?) — (.+)$")


def _num(v: float) -> str:
    return f"{round(v, 2):g}"


def _nums(a: Article, cites: Iterable[Any]) -> tuple[int, ...]:
    """Citation numbers of pack citations in the article's reference list (those it has)."""
    by_id = {r.id: r.n for r in a.references}
    return tuple(dict.fromkeys(by_id[c.ref] for c in cites if c.ref in by_id))


def current_dose(det: Determination) -> float | None:
    """The dose level of the last dose given (continuation), else None."""
    rows = det.fact_set.value("treatment_doses") or ()
    dated = sorted((r for r in rows if "dose" in r), key=lambda r: str(r.get("date", "")))
    return float(dated[-1]["dose"]) if dated else None


def _labelled_dosing(a: Article, src: ArticleSources) -> list[tuple[str, Cited | str]]:
    """Dose, frequency and quantity from the policy's dosing rules, cited (a drug the pack's evidence
    gives no weight-based request for: a fixed-dose, self-given drug); a bracketed blank without rules."""
    rules = src.policy.dosing
    dose = [d for d in rules if d.id != "quantity"]
    quantity = [d for d in rules if d.id == "quantity"]
    if not dose:
        return [("Dose and frequency", phrase("letter.blank_dose"))]
    rows: list[tuple[str, Cited | str]] = [
        ("Dose and frequency", Cited(" ".join(d.text for d in dose), _nums(a, (c for d in dose for c in d.cites))))]
    rows.append(("Quantity", Cited(" ".join(d.text for d in quantity), _nums(a, (c for d in quantity for c in d.cites)))
                 if quantity else phrase("letter.blank_quantity")))
    return rows


def request_details(a: Article, det: Determination, src: ArticleSources) -> tuple[tuple[str, Cited | str], ...]:
    """(label, value) rows of the request."""
    rq = src.evidence.policy(src.policy.id).request
    auth = a.authorization or {}
    drug = f"{a.drug['generic']} ({', '.join(a.drug['brands'])})"
    rows: list[tuple[str, Cited | str]] = [("Drug", drug)]
    weight = det.fact_set.get("body_weight")
    if rq is None:
        rows.extend(_labelled_dosing(a, src))
    else:
        nums = _nums(a, rq.cites)
        level = current_dose(det) if det.phase == "continuation" else None
        dose = level if level is not None else rq.start_dose
        which = phrase("letter.dose_current") if level is not None else phrase("letter.dose_start")
        if weight is not None and rq.unit == "mg/kg":
            mg = dose * float(weight.value)
            dose_text = phrase("letter.dose_mg", dose=_num(dose), unit=rq.unit, which=which, mg=_num(mg),
                               weight=_num(float(weight.value)), date=long_date(weight.observed))
        else:
            mg = None
            dose_text = phrase("letter.dose_no_weight", dose=_num(dose), unit=rq.unit, which=which)
        rows.append(("Dose", Cited(dose_text, nums)))
        rows.append(("Frequency and route", Cited(f"{rq.frequency[:1].upper()}{rq.frequency[1:]}, {rq.route}.", nums)))
        for h in a.drug["hcpcs"]:
            units = (phrase("letter.units", units=_num(mg / rq.mg_per_billing_unit), per=_num(rq.mg_per_billing_unit))
                     if mg is not None and rq.mg_per_billing_unit else phrase("letter.units_blank"))
            rows.append(("HCPCS code and billing units", f"{h['code']} ({h['text']}): {units}"))
    if rq is None:
        for h in a.drug["hcpcs"]:
            rows.append(("HCPCS code", f"{h['code']} ({h['text']})"))
    rows.append(("Site of care", phrase("letter.site")))
    if auth.get("start"):
        rows.append(("Start date", Cited(phrase("letter.start", start=long_date(auth["start"]), period=auth["period"],
                                                end=long_date(auth["end"])), tuple(auth.get("cites", ())))))
    return tuple(rows)


def _sentence(e: EvidenceItem) -> str:
    when = f" on {long_date(e.date)}" if e.date else ""
    m = _DIAGNOSIS.match(e.value)
    if m:
        return phrase("letter.fact_diagnosis", label=m.group(2)[:1].lower() + m.group(2)[1:], code=m.group(1))
    if e.value in ("yes", "no"):
        return f"{e.label}: {e.value}{when and ' (' + when.strip().removeprefix('on ') + ')'}."
    return f"{e.label} was {e.value}{when}."


def qualifying_facts(groups: tuple[CriteriaGroup, ...]) -> tuple[Cited, ...]:
    """The documented facts behind the met criteria, one sentence each, in criterion order."""
    seen: set[str] = set()
    out = []
    for g in groups:
        for c in g.criteria:
            for e in c.evidence:
                if e.missing or e.fact in seen:
                    continue
                seen.add(e.fact)
                out.append(Cited(_sentence(e), e.cites or c.cites))
    return tuple(out)


def response_on_treatment(a: Article, det: Determination, unit: str) -> tuple[Cited, ...]:
    """A continuation: RBC units per 16 weeks before and on treatment, and the dose levels given."""
    if det.phase != "continuation":
        return ()
    fs = det.fact_set
    out = []
    before, after = fs.value("rbc_units_16w_pretreatment"), fs.value("rbc_units_16w_on_treatment")
    start = fs.value("treatment_start")
    if before is not None and after is not None:
        out.append(Cited(phrase("letter.burden", before=_num(float(before)), after=_num(float(after)),
                                start=long_date(start) if start else phrase("letter.first_dose"),
                                as_of=long_date(det.as_of))))
    rows = sorted((r for r in fs.value("treatment_doses") or () if "dose" in r), key=lambda r: str(r["date"]))
    runs: list[list[Any]] = []
    for r in rows:
        if runs and float(runs[-1][0]) == float(r["dose"]):
            runs[-1][1].append(r["date"])
        else:
            runs.append([r["dose"], [r["date"]]])
    if runs:
        parts = [phrase("letter.dose_run", dose=_num(float(d)), unit=str(rows[0].get("unit") or unit), n=len(dates),
                        first=long_date(dates[0]), last=long_date(dates[-1]))
                 for d, dates in runs]
        out.append(Cited(phrase("letter.doses", runs="; ".join(parts))))
    return tuple(out)


def attestations(groups: tuple[CriteriaGroup, ...], det: Determination) -> tuple[str, ...]:
    """What the prescriber attests by signing: each met criterion the prescriber's statement
    establishes, every assumption the determination made, and the accuracy of the letter."""
    out = []
    presumed = {a.criterion for a in det.assumptions}
    for g in groups:
        for c in g.criteria:
            if "prescriber_attestation" in c.documentation and c.status == "met" and c.id not in presumed:
                out.append(phrase("letter.attest", text=c.text))
    for assumption in det.assumptions:  # presumed: the records do not state it, the signature does
        out.append(phrase("letter.attest", text=assumption.attest.rstrip(".")))
    out.append(phrase("letter.attest_accurate"))
    return tuple(dict.fromkeys(out))


def enclosures(a: Article, det: Determination, src: ArticleSources) -> tuple[DocumentRow, ...]:
    """The documents the case has (attached, or stated: the prescriber encloses them) that hold something: not the prescriber's statement (the
    letter is that statement), not a record whose facts are all empty (no ESA records for an
    ESA-naive patient)."""
    facts = src.dictionary.facts
    out = []
    for d in a.documents:
        if d.status not in ("present", "stated") or d.id == "prescriber_attestation":
            continue
        given = [det.fact_set.get(f) for f, fd in facts.items() if fd.document == d.id and f in det.fact_set]
        if not any(fv is not None and not fv.derived and fv.value != () for fv in given):
            continue  # only derived or empty facts: the record does not exist as a document
        out.append(d)
    return tuple(out)
