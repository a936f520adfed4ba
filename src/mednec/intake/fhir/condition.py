"""Condition -> ``diagnosis`` (ICD-10-CM D46.x, or SNOMED CT 109995007 for MDS unspecified), and
-> a boolean condition fact (``hypertension``, ``type2_diabetes``, ...) whose ICD-10-CM or SNOMED CT codes list it.

Codes come from the fact dictionary's ``diagnosis`` values, so a code is recognised exactly
when the dictionary lists it; a Condition coded only in text is matched by the value's label
or synonyms ("MDS-RS", "MDS/MPN-RS-T"). Only active conditions (clinicalStatus active,
recurrence or relapse, or none given and no ``abatement[x]``: R4 con-4 makes an abated condition inactive,
resolved or in remission) that are confirmed (or carry no verificationStatus) count: refuted,
entered-in-error, unconfirmed, provisional and differential ones are listed, not used -- but a doubted
(unconfirmed, provisional, differential) condition of a fact the text reader reads with doubt as a warning sign
(``context_rules.yaml`` ``uncertain.doubt_to``: pregnant -> pregnancy_possible, mtc_men2_history ->
mtc_men2_possible) gives that warning sign, so a presumed exclusion the record itself doubts is asked. When
several MDS diagnoses are recorded the latest (recordedDate, else onset) wins, and on the same
date a specific code beats "MDS, unspecified" (D46.9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from mednec.errors import InputError
from mednec.facts import icd10
from mednec.facts.dictionary import FactDictionary
from mednec.intake.fhir.codes import ICD10CM, SNOMED, codings, concept_texts, fold, system_uri
from mednec.intake.fhir.common import Context, Finding, NotMapped, Source, fhir_date_of, fhir_datetime, validated_value

__all__ = ["CURRENT_FOR_DAYS", "doubt_to", "map_claim", "map_condition", "map_family_history", "map_procedure"]

_ACTIVE = {"active", "recurrence", "relapse"}
#: R4 condition-ver-status codes that do not establish the condition: refuted and entered-in-error say it is
#: not so; unconfirmed ("not sufficient diagnostic and/or clinical evidence to treat this as a confirmed
#: condition") and its children provisional (a tentative diagnosis still being evaluated) and differential
#: (one of several possible diagnoses) leave it unestablished -- listed with why, so the fact is asked
_EXCLUDED_VERIFICATION = {"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"}
_DOUBTED_VERIFICATION = {"unconfirmed", "provisional", "differential"}
_UNSPECIFIED = "D46.9"
#: A state an Observation reports only for its own time (a pregnancy status), by the value it reports:
#: older than this many days it says nothing about the evaluation date and is listed as not used (an active
#: Condition of it recorded longer ago gives only its warning sign, ``_stale_state``).
#: mednec's editorial decision: "pregnant" holds for 300 days (a pregnancy lasts at most about 43 weeks;
#: ACOG Committee Opinion No. 579, "Definition of Term Pregnancy", 2013: post-term is 42 0/7 weeks and
#: beyond); "not pregnant" only for 30 days (about one menstrual cycle), so an older negative status never
#: removes the presumption and attestation a policy puts on pregnancy.
#: A pregnancy "not yet confirmed" (pregnancy_possible) holds as long as the pregnancy it doubts could: 300 days.
CURRENT_FOR_DAYS: dict[tuple[str, object], int] = {("pregnant", True): 300, ("pregnant", False): 30,
                                                    ("pregnancy_possible", True): 300}
#: the types of R4 Condition.abatement[x]
_ABATEMENT = ("DateTime", "Age", "Period", "Range", "String")


def _status(concept: Mapping[str, Any] | None) -> str | None:
    return next((code for _, code, _ in codings(concept) if code), None)


def _icd(code: str) -> str:
    code = code.strip().upper()
    return code if "." in code or len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def map_condition(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """An active MDS diagnosis becomes a ``diagnosis`` candidate, an active condition its boolean fact; an
    inactive, resolved or in-remission one still gives a past event's fact (``fhir_history``)."""
    verification = _status(resource.get("verificationStatus"))
    clinical = _status(resource.get("clinicalStatus"))
    if clinical is None and any(resource.get(f"abatement{t}") is not None for t in _ABATEMENT):
        clinical = "abated"  # R4 con-4: an abated condition is inactive, resolved or in remission, never active
    active = clinical is None or clinical in _ACTIVE
    if verification in _DOUBTED_VERIFICATION:
        return _doubted(resource, verification, active, src, ctx)
    if verification in _EXCLUDED_VERIFICATION:
        raise NotMapped(f"verificationStatus is {verification}")
    concept = resource.get("code")
    key, conditions = _coded(concept, ctx)
    ranged = _ranged(concept, ctx) if active else []
    if not active:
        past = _history_facts(ctx.dictionary)
        key, conditions = None, [(fid, code) for fid, code in conditions if fid in past]
        if not conditions:
            raise NotMapped(f"clinicalStatus is {clinical}")
    if key is None and not conditions and not ranged:
        shown = "; ".join(f"{s.rsplit('/', 1)[-1]} {c} {d}".strip() for s, c, d in codings(concept)) or "no code"
        raise NotMapped(f"not a diagnosis in the fact dictionary ({shown})")
    when = (
        fhir_datetime(resource["recordedDate"], path=f"{src.path}.recordedDate")
        if resource.get("recordedDate")
        else fhir_date_of(resource, "onset", path=src.path)
    )
    out = _findings(key, conditions, when, src, "Condition.code" if active else f"Condition ({clinical}).code")
    out = [_stale_state(f, ctx) for f in out]
    out += [Finding(fid, value, ctx.dictionary.facts[fid].unit, when, src, f"Condition.code {code}", 0,
                    comparator=comparator) for fid, code, value, comparator in ranged]
    if key is not None and active and resource.get("stage"):
        out += _ipss_r_stage(resource["stage"], when, src, ctx)
    return out


def _ranged(concept: Any, ctx: Context) -> list[tuple[str, str, float, str]]:
    """(fact, code, bound, comparator) for each number fact an active Condition's ICD-10-CM code names as a range
    (Z68.36: BMI 36.0-36.9, mednec.facts.icd10.code_ranges). A FHIR case value holds one bound: the low end
    (``>=``), or the high end (``<=``) when the range starts at the fact's plausible minimum (Z68.1: 19.9 or less),
    so a threshold inside the range, or past its other end, stays asked; rank 0: a measured value of the same day
    wins."""
    out: list[tuple[str, str, float, str]] = []
    for system, code, _ in codings(concept):
        if system != ICD10CM or not code:
            continue
        for fid, listed, low, high in icd10.code_ranges(_icd(code), ctx.dictionary):
            floor = (ctx.dictionary.facts[fid].range or (low, high))[0]
            out.append((fid, listed, high, "<=") if low <= floor else (fid, listed, low, ">="))
    return out


def _stale_state(finding: Finding, ctx: Context) -> Finding:
    """An active Condition of a state that lasts a bounded time (a pregnancy: at most about 43 weeks, the
    pregnancy-status Observation's 300 days) recorded longer ago than that cannot be the same state now: it gives
    the fact's warning sign (``doubt_to``: pregnancy_possible), so the presumption is asked, never a 'no' on a
    problem list entry nobody closed."""
    days = CURRENT_FOR_DAYS.get((finding.fact, finding.value))
    sign = doubt_to(ctx.dictionary).get(finding.fact)
    if days is None or sign is None or finding.when is None or (ctx.as_of - finding.when.date()).days <= days:
        return finding
    return finding._replace(fact=sign, detail=f"{finding.detail}, recorded more than {days} days ago")


_IPSS_R = re.compile(r"\bIPSS[- ]?R\b|revised international prognostic", re.I)
_STAGE_NOISE = re.compile(r"\bIPSS[- ]?R\b|revised international prognostic scoring system|\(?\bIPSS\b\)?|"
                          r"\brisk\b|\bcategory\b|\bgroup\b|[:=,;()]", re.I)


def _ipss_r_stage(stages: Any, when: Any, src: Source, ctx: Context) -> list[Finding]:
    """The IPSS-R risk category an MDS Condition carries in ``Condition.stage`` (R4: "clinical stage or grade of a
    condition ... formal assessments"), as Epic and Cerner staging write it: a stage whose ``summary`` or ``type``
    names the IPSS-R ("IPSS-R: Low", type "Revised International Prognostic Scoring System") and whose summary is one
    of the dictionary's categories. A stage naming the original IPSS, or another system, is not read here."""
    fd = ctx.dictionary.facts.get("ipss_r_category")
    if fd is None or not isinstance(stages, list):
        return []
    out: list[Finding] = []
    for i, stage in enumerate(stages):
        if not isinstance(stage, Mapping):
            continue
        summary = concept_texts(stage.get("summary"))
        if not any(_IPSS_R.search(t) for t in summary + concept_texts(stage.get("type"))):
            continue
        for text in summary:
            words = " ".join(_STAGE_NOISE.sub(" ", text).split())
            try:
                value, _ = validated_value(fd, words, None, when, path=f"{src.path}.stage[{i}].summary")
            except InputError:
                continue
            out.append(Finding("ipss_r_category", value, None, when, src, f"Condition.stage[{i}] {text!r}"))
            break
    return out[:1]


def _doubted(resource: Mapping[str, Any], verification: str, active: bool, src: Source, ctx: Context) -> list[Finding]:
    """A condition the record itself doubts: the warning sign of each fact it names that text intake reads with
    doubt as one (``doubt_to``), when it is active or the fact is a past event's; nothing else (listed)."""
    concept = resource.get("code")
    doubt = doubt_to(ctx.dictionary)
    named = [(fid, code) for fid, code in _condition_facts(concept, ctx) if fid in doubt or fid in doubt.values()]
    texts = concept_texts(concept)
    named += [(fid, f'"{t}"') for t in texts for fid, pattern in _doubt_names(ctx.dictionary) if pattern.search(t)]
    past = _history_facts(ctx.dictionary)
    signs = dict.fromkeys((doubt.get(fid, fid), code) for fid, code in named
                          if active or fid in past or doubt.get(fid, fid) in past)
    if not signs:
        raise NotMapped(f"verificationStatus is {verification}")
    when = (
        fhir_datetime(resource["recordedDate"], path=f"{src.path}.recordedDate")
        if resource.get("recordedDate")
        else fhir_date_of(resource, "onset", path=src.path)
    )
    seen: set[str] = set()
    out: list[Finding] = []
    for fid, code in signs:
        if fid not in seen:
            seen.add(fid)
            out.append(Finding(fid, True, None, when, src, f"Condition ({verification}).code {code}", 1))
    return out


@cache
def doubt_to(dictionary: FactDictionary) -> dict[str, str]:
    """The facts a doubt turns into a warning sign (text intake's ``uncertain.doubt_to``), those this dictionary has."""
    from mednec.intake.text.context import context_rules

    return {k: v for k, v in context_rules().unc_to.items() if k in dictionary.facts and v in dictionary.facts}


@cache
def _doubt_names(dictionary: FactDictionary) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each ``doubt_to`` fact with its label, names and FHIR texts as one whole-word pattern: a doubted
    condition's text ("?MTC - calcitonin elevated", "? MEN 2B - RET testing sent") names it anywhere in it."""
    out = []
    for fid in doubt_to(dictionary):
        fd = dictionary.facts[fid]
        words = sorted({w for w in (fd.label, *fd.names, *fd.fhir_texts) if w}, key=len, reverse=True)
        out.append((fid, re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, words)) + r")(?![A-Za-z0-9])", re.I)))
    return tuple(out)


def map_procedure(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """A completed Procedure whose code the dictionary gives a past event's fact (``fhir_history``: a coronary
    intervention or bypass -> ``arterial_revascularization``) documents that event; any other status
    (preparation, in-progress, not-done, stopped, entered-in-error) documents nothing. Run beside the
    transfusion mapper (``ALSO_MAPPERS``): any other procedure gives nothing here."""
    past = _history_facts(ctx.dictionary)
    conditions = [(fid, code) for fid, code in _condition_facts(resource.get("code"), ctx) if fid in past]
    if not conditions:
        return []  # not this mapper's procedure (a transfusion's reasons stand)
    status = resource.get("status")
    if status != "completed":
        raise NotMapped(f"status is {status}")
    return _findings(None, conditions, fhir_date_of(resource, "performed", path=src.path), src, "Procedure.code")


def map_claim(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """A Claim's diagnoses (Da Vinci PAS puts the reason for the request there, often with no Condition
    resource): each ``diagnosisCodeableConcept`` read as an active, confirmed condition. They are the
    request's statement, not the chart's: undated and ranked below any Condition giving the same fact, so
    they count only where the bundle's Conditions say nothing. A ``diagnosisReference`` points at a
    Condition the bundle holds, read on its own."""
    out: list[Finding] = []
    for n, dx in enumerate(resource.get("diagnosis") or ()):
        key, conditions = _coded(dx.get("diagnosisCodeableConcept"), ctx)
        out += [f._replace(part=f".diagnosis[{n}]", rank=-1)
                for f in _findings(key, conditions, None, src, "Claim.diagnosis")]
    if not out:
        raise NotMapped("no diagnosis in the fact dictionary on the Claim")
    return out


_FAMILY_EXCLUDED = {"entered-in-error", "health-unknown"}


def map_family_history(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """A relative's conditions (FamilyMemberHistory.condition) -> the facts a relative's condition
    establishes (``fhir_family`` in the dictionary: a family history of medullary thyroid carcinoma);
    a relative's myocardial infarction is not the patient's, so no other fact is read."""
    status = resource.get("status")
    if status in _FAMILY_EXCLUDED:
        raise NotMapped(f"status is {status}")
    family = _family_facts(ctx.dictionary)
    when = fhir_datetime(resource.get("date"), path=f"{src.path}.date")
    out: list[Finding] = []
    for n, cond in enumerate(resource.get("condition") or ()):
        for fid, code in _condition_facts(cond.get("code"), ctx):
            if fid in family:
                out.append(Finding(fid, True, None, when, src, f"FamilyMemberHistory.condition {code}", 1,
                                   part=f".condition[{n}]"))
    if not out:
        raise NotMapped("no relative's condition that a fact reads (only a family history of MTC / MEN 2 is read)")
    return out


@cache
def _family_facts(dictionary: FactDictionary) -> frozenset[str]:
    return frozenset(fid for fid, fd in dictionary.facts.items() if fd.fhir_family)


def _coded(concept: Any, ctx: Context) -> tuple[str | None, list[tuple[str, str]]]:
    """The ``diagnosis`` value and the boolean condition facts a code names (by code, else by text)."""
    fd = ctx.dictionary.facts["diagnosis"]
    by_code = _diagnosis_codes(ctx.dictionary)
    key = None
    for system, code, _ in codings(concept):
        key = by_code.get((system, _icd(code) if system == ICD10CM else code))
        if key:
            break
    if key is None:
        key = next((k for t in concept_texts(concept) if (k := fd.category_key(t))), None)
    return key, _condition_facts(concept, ctx)


def _findings(key: str | None, conditions: list[tuple[str, str]], when: Any, src: Source, what: str) -> list[Finding]:
    out = [Finding(fid, True, None, when, src, f"{what} {code}", 1) for fid, code in conditions]
    if key is not None:
        rank = 0 if key == _UNSPECIFIED else 1
        out.append(Finding("diagnosis", key, None, when, src, f"{what} {key}", rank))
    return out


@cache
def _history_facts(dictionary: FactDictionary) -> frozenset[str]:
    """The facts about a past event, which an inactive or resolved Condition still documents."""
    return frozenset(fid for fid, fd in dictionary.facts.items() if fd.fhir_history)


@cache
def _diagnosis_codes(dictionary: FactDictionary) -> dict[tuple[str, str], str]:
    """(system URI, code) -> the ``diagnosis`` value it codes, built once per dictionary (not per Condition)."""
    fd = dictionary.facts["diagnosis"]
    return {(system_uri(c.system), c.code): key for key, cv in fd.values.items() for c in cv.codes}


@cache
def _condition_codes(dictionary: FactDictionary) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Each boolean fact with its ICD-10-CM and SNOMED CT codes (system URI, code), in dictionary order,
    built once per dictionary."""
    out: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for fid, fd in dictionary.facts.items():
        if fd.type == "boolean":
            codes = tuple((system_uri(c.system), c.code) for c in fd.codes if system_uri(c.system) in (ICD10CM, SNOMED))
            if codes:
                out.append((fid, codes))
    return tuple(out)


def _condition_facts(concept: Any, ctx: Context) -> list[tuple[str, str]]:
    """The boolean facts (a condition such as hypertension or type 2 diabetes) whose codes in the fact
    dictionary name this Condition: an ICD-10-CM code matches itself and every code under it in the tabular
    (E11: E11.9, E11.65; I63.8: I63.81; mednec.facts.icd10); a SNOMED CT code matches exactly."""
    out: list[tuple[str, str]] = []
    coded_as = codings(concept)
    icds = [_icd(code) for system, code, _ in coded_as if system == ICD10CM and code]
    scts = [code.strip() for system, code, _ in coded_as if system == SNOMED and code]
    if icds or scts:
        key = (tuple(icds), tuple(scts))
        known = _code_hits(ctx.dictionary)
        hits = known.get(key)
        if hits is None:
            hits = _hits(icds, scts, ctx.dictionary)
            if len(known) >= 4096:
                known.clear()
            known[key] = hits
        out = list(hits)
    signs = set(doubt_to(ctx.dictionary).values())
    if all(fid in signs for fid, _ in out):  # text only, codes that cannot decide, or codes that leave it open (C73,
        # a thyroid cancer of a kind not stated, beside the text "Medullary thyroid cancer"): the text is exactly a
        # fact's name
        names = _condition_names(ctx.dictionary)
        coded = _coded_facts(ctx.dictionary, bool(icds), bool(scts)) - _broader(tuple(icds), ctx.dictionary)
        out += list(dict.fromkeys((named, f'"{t}"') for t in concept_texts(concept, coded_as)
                                  if (named := names.get(fold(t)) or _past_event_named(t, ctx.dictionary))
                                  and named not in coded))
    return out


#: how a problem list names a past event: "History of myocardial infarction", "Hx of MI (2019)", "Old MI"
_PAST_PREFIX = re.compile(r"^\s*(?:personal\s+)?(?:history\s+of|hx\s+of|h/o|old|prior|previous|past|remote|s/p|"
                          r"status\s+post)\s+", re.I)
_TRAILING_ASIDE = re.compile(r"\s*\([^()]*\)\s*$")
#: what a problem list writes after the event: what was done with it ("with DES to LAD", "w/ PCI"), its date
#: ("2019", "in 2015", ", 2017", "- 03/2019") -- dropped, so the event itself is what is named
_TRAILING_CLAUSE = re.compile(r"\s+(?:with|w/)\s.*$", re.I)
_TRAILING_WHEN = re.compile(r"\s*(?:[,;]|\s-|\s+(?:in|on))?\s*(?:\d{1,2}/)?(?:19|20)\d{2}\s*$", re.I)


def _past_event_named(text: str, dictionary: FactDictionary) -> str | None:
    """A past event's fact (``fhir_history``: prior MI, ischemic stroke, ...) a text names after "history of",
    "hx of", "old", "prior", "s/p", "status post" (a trailing aside, what was done with it -- "with DES to LAD" --
    and its year dropped); never a current state's, never a relative's ("family history of MI" does not begin so),
    never an event said otherwise ("s/p MI ruled out" names no event)."""
    m = _PAST_PREFIX.match(text)
    if m is None:
        return None
    rest = _TRAILING_ASIDE.sub("", text[m.end():])
    names = _condition_names(dictionary)
    named = names.get(fold(rest)) or names.get(fold(_TRAILING_WHEN.sub("", _TRAILING_CLAUSE.sub("", rest))))
    return named if named in _history_facts(dictionary) else None


def _hits(icds: list[str], scts: list[str], dictionary: FactDictionary) -> tuple[tuple[str, str], ...]:
    """Each boolean fact one of whose codes the ICD-10-CM codes ``icds`` or SNOMED CT codes ``scts`` match,
    with the code matched (see :func:`_condition_facts`), in dictionary order."""
    out: list[tuple[str, str]] = []
    for fid, codes in _condition_codes(dictionary):
        for system, code in codes:
            if system == SNOMED:
                hit = code if code in scts else None
            else:
                hit = next((i for i in icds if icd10.under(i, code)), None)
            if hit:
                out.append((fid, hit))
                break
    return tuple(out)


@cache
def _code_hits(dictionary: FactDictionary) -> dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[tuple[str, str], ...]]:
    """:func:`_hits` already worked out for this dictionary, by the codes (a Condition's and a Procedure's codes
    recur across patients; the scan runs over every boolean fact's codes). Bounded: cleared when full."""
    return {}


@lru_cache(maxsize=4096)  # a Condition's codes recur across patients; the scan runs over every fact's codes
def _broader(icds: tuple[str, ...], dictionary: FactDictionary) -> frozenset[str]:
    """The facts one of whose ICD-10-CM codes lies beneath a Condition's code (I20.8 above the listed I20.89): the
    code is too broad for the listed codes to decide, so the Condition's text may ("Stable angina")."""
    return frozenset(fid for fid, codes in _condition_codes(dictionary) for system, code in codes
                     if system == ICD10CM and any(icd10.under(code, i) and code != i for i in icds))


@cache
def _coded_facts(dictionary: FactDictionary, icd: bool, sct: bool) -> frozenset[str]:
    """The boolean facts the dictionary gives codes in a system the Condition is coded in (ICD-10-CM ``icd``,
    SNOMED CT ``sct``): for such a Condition the codes decide them (a CVA of unstated kind, SNOMED CT 230690007,
    displayed "CVA", is not an ischemic stroke; I20.1 displayed "Angina" is no angina the LDL policies read), its
    text only the other facts (a TIA coded in SNOMED CT alone, the fact listing ICD-10-CM G45.9 only) -- and the
    exclusions a policy presumes absent (``doubt_to``'s facts: pregnant), whose exact name on a Condition coded
    otherwise ("Pregnant", a local SNOMED CT concept) is read as before their own codes were listed: never a
    silent presumption."""
    exclusions = set(doubt_to(dictionary))
    systems = {s for s, on in ((ICD10CM, icd), (SNOMED, sct)) if on}
    return frozenset(fid for fid, codes in _condition_codes(dictionary)
                     if fid not in exclusions and any(s in systems for s, _ in codes))


@cache
def _condition_names(dictionary: FactDictionary) -> dict[str, str]:
    """Folded label and names -> the boolean fact ("Pregnant" -> pregnant, "TIA" -> tia), built once.
    A text shared by two facts names neither."""
    seen: dict[str, set[str]] = {}
    for fid, fd in dictionary.facts.items():
        if fd.type == "boolean" and fd.may_give:
            for name in (fd.label, *fd.names, *fd.fhir_texts):
                seen.setdefault(fold(name), set()).add(fid)
    return {text: next(iter(fids)) for text, fids in seen.items() if len(fids) == 1 and text}
