"""Answer a plain-language question (optionally with a clinical note) with a determination.

:func:`answer` reads the question (and the note), merges what they say -- where they disagree
the newer dated value wins and the conflict is kept -- picks the drug (``--drug``, else the
question's, else the one the note requests) and then gives one of four answers:

``determination``
    the drug and condition are in a pack: the engine's determination for the merged case
    (too little detail gives the engine's ``insufficient_information`` with its questions);
``no_policy``
    the drug or the condition is outside every pack: "no computable policy for this", with
    the closest questions mednec can answer;
``not_necessity``
    the question asks something other than medical necessity (risk, dosing, comparison);
``choose_drug``
    an MDS question that names no drug: each drug in the pack, decided for this patient.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mednec.engine.determination import Determination
from mednec.errors import UnknownDrugError
from mednec.intake.question import Understanding, dedupe, understand
from mednec.intake.text.assemble import assemble, condition_facts
from mednec.intake.text.context import DOUBTED_DRUG
from mednec.intake.text.model import DrugMention, Finding, TextSpan, Unused
from mednec.policies import payer_match
from mednec.policies.model import Policy
from mednec.policies.steps import with_courses
from mednec.runtime import Runtime

if TYPE_CHECKING:
    from mednec.facts.factset import FactSet

__all__ = ["Answer", "answer", "closest_questions", "merge"]

NO_POLICY = "no computable policy for this"
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(["a", "an", "the", "is", "for", "with", "of", "and", "or", "to", "in", "on", "who", "has", "have", "patient", "patients", "what", "how", "it", "this", "that", "be"])  # noqa: E501


@dataclass(frozen=True)
class Answer:
    """What ``mednec ask`` answers: the kind, what was understood and the determination (if any)."""

    kind: str
    understood: Understanding
    sources: tuple[Understanding, ...]
    determination: Determination | None = None
    policy: Policy | None = None
    message: str = ""
    closest: tuple[str, ...] = ()
    overview: tuple[dict[str, Any], ...] = field(default=())

    def understood_dict(self) -> dict[str, Any]:
        out = self.understood.to_dict()
        out.pop("text", None)
        out["sources"] = [s.source for s in self.sources]
        out["question"] = next((s.text for s in self.sources if s.source == "question"), None)
        return out

    def to_dict(self) -> dict[str, Any]:
        if self.determination is not None:
            out = self.determination.to_dict()
            out["understood"] = self.understood_dict()
            return out
        return {
            "determination": None,
            "answer": self.kind,
            "message": self.message,
            "closest_questions": list(self.closest),
            "drugs": list(self.overview),
            "as_of": self.understood.as_of.isoformat(),
            "understood": self.understood_dict(),
        }


def merge(sources: list[Understanding], runtime: Runtime, as_of: dt.date) -> Understanding:
    """One understanding from several (a note first, then the question): the newer dated value wins."""
    if len(sources) == 1:
        return sources[0]
    findings = [f for s in sources for f in s.findings]
    unused = [u for s in sources for u in s.unused]
    asm = assemble(findings, unused, runtime.dictionary, as_of)
    q = sources[-1]
    drug = q.drug or next((s.drug for s in sources if s.drug), None)
    return Understanding(
        text=q.text, source=" + ".join(s.source for s in sources), as_of=as_of, case=asm.case,
        findings=tuple(findings), facts=asm.used, unused=dedupe(asm.unused),
        conflicts=tuple(c for c in asm.conflicts if c.kept.source != c.dropped.source) + tuple(
            c for c in asm.conflicts if c.kept.source == c.dropped.source),
        drugs=tuple(d for s in sources for d in s.drugs), drug=drug, intent=q.intent,
        not_understood=q.not_understood,
    )


_ABOVE = re.compile(r"(?:>=?|≥|\b(?:above|over|greater\s+than|more\s+than|exceeding|at\s+least)\b)\s*(\d+)", re.I)
_BELOW = re.compile(r"(?:<=?|≤|\b(?:below|under|less\s+than|at\s+most|up\s+to|no\s+more\s+than)\b)\s*(\d+)", re.I)


def _words(text: str) -> list[str]:
    """Content words, crudely stemmed ("transfusions" -> "transfusion"); a bound becomes one word with
    its side ("above 500", "> 500" -> "gt500"; "≤500", "below 500" -> "le500"), so a question about EPO
    above 500 is nearest the policies for EPO above 500, not those for EPO at most 500."""
    text = _BELOW.sub(lambda m: f" le{m.group(1)} ", _ABOVE.sub(lambda m: f" gt{m.group(1)} ", text))
    out = []
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        out.append(w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w)
    return out


@dataclass(frozen=True)
class _Candidate:
    question: str
    policy: str
    words: tuple[str, ...]


def _candidates(runtime: Runtime) -> list[_Candidate]:
    """The questions mednec can answer: per policy, one for its pack's condition and one per pathway;
    each is matched on its words and its policy's title, drug names, class and pathway text."""
    out = []
    for p in runtime.catalog.policies():
        pack = runtime.catalog.pack_of(p)
        brands = f" ({', '.join(p.drug.brands)})" if p.drug.brands else ""
        drug_words = " ".join((p.drug.generic, *p.drug.brands, *p.drug.names, p.drug.drug_class or "", p.title))
        base = f"Is {p.drug.generic}{brands} medically necessary for this patient with {pack.title[0].lower() + pack.title[1:]}?"
        out.append(_Candidate(base, p.id, tuple(_words(f"{base} {drug_words}"))))
        for pw in p.pathways:
            name = re.sub(r"\s*\([^)]*\)\s*$", "", pw.name).strip()
            if len(name) > 1 and name[1].islower():
                name = name[0].lower() + name[1:]
            q = f"Is {p.drug.generic}{brands} medically necessary for this patient ({name})?"
            out.append(_Candidate(q, p.id, tuple(_words(f"{q} {pw.description or ''} {drug_words}"))))
    return out


def closest_questions(text: str, runtime: Runtime, n: int = 3) -> tuple[str, ...]:
    """The questions mednec can answer that are nearest to ``text``: TF-IDF cosine over content words
    (deterministic; ties keep catalog order), the best question of each of the ``n`` nearest policies.
    Word weights are computed within each pack, so adding a pack does not reorder another pack's
    questions."""
    cands = _candidates(runtime)
    pack_of = {p.id: p.pack for p in runtime.catalog.policies()}
    asked_words = _words(text)
    scored = []
    for pack in dict.fromkeys(pack_of[c.policy] for c in cands):
        group = [(i, c) for i, c in enumerate(cands) if pack_of[c.policy] == pack]
        df: dict[str, int] = {}
        for _, c in group:
            for w in set(c.words):
                df[w] = df.get(w, 0) + 1
        idf = {w: math.log((1 + len(group)) / (1 + k)) + 1 for w, k in df.items()}

        def vec(words: Sequence[str], idf: dict[str, float] = idf) -> dict[str, float]:
            v: dict[str, float] = {}
            for w in words:
                if w in idf:
                    v[w] = v.get(w, 0.0) + idf[w]
            return v

        asked = vec(asked_words)
        norm_a = math.sqrt(sum(x * x for x in asked.values())) or 1.0
        for i, c in group:
            cv = vec(c.words)
            dot = sum(asked[w] * cv.get(w, 0.0) for w in asked)
            norm_c = math.sqrt(sum(x * x for x in cv.values())) or 1.0
            scored.append((-dot / (norm_a * norm_c), i, c))
    best: dict[str, tuple[float, int, _Candidate]] = {}
    for sc in sorted(scored, key=lambda t: (t[0], t[1])):
        best.setdefault(sc[2].policy, sc)
    return tuple(c.question for _, _, c in sorted(best.values(), key=lambda t: (t[0], t[1]))[:n])


def _overview(runtime: Runtime, facts: FactSet, packs: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    from mednec.engine.evaluate import decide, prepare

    full = prepare(facts, runtime.dictionary, runtime.catalog.calculators)
    values = with_courses({k: fv.value for k, fv in full.items()}, full.as_of, runtime.catalog.calculators.drugs)
    out = []
    for p in runtime.catalog.policies():
        if p.pack not in packs:
            continue
        verdict, pathway = decide(p, values, dictionary=runtime.dictionary)
        out.append({"policy": p.id, "drug": p.drug.generic, "brands": list(p.drug.brands),
                    "determination": verdict, "pathway": pathway})
    return tuple(out)


def answer(question: str, runtime: Runtime, *, as_of: dt.date, note: str | None = None, note_name: str = "note",
           drug: str | None = None) -> Answer:
    """Understand ``question`` (and ``note``) and answer it."""
    q = understand(question, runtime.catalog, runtime.dictionary, as_of)
    sources = [q]
    if note is not None:
        from mednec.intake.notes import read_note

        sources.insert(0, read_note(note, runtime.catalog, runtime.dictionary, as_of, name=note_name))
    u = merge(sources, runtime, as_of)
    closest = closest_questions(question, runtime)
    policy: Policy | None = None
    if drug:
        try:
            policy = runtime.catalog.find_drug(drug)
        except UnknownDrugError:
            return Answer("no_policy", u, tuple(sources), message=f"{NO_POLICY}: no policy covers {drug!r}",
                          closest=closest)
        u = _with_drug(u, DrugMention(drug, TextSpan(0, 0, ""), policy.id, "option"))
    elif u.drug is not None and u.drug.policy_id:
        policy = runtime.catalog.policy(u.drug.policy_id)
    packs = packs_asked_about(u, runtime)
    outside = [d.name for d in u.outside_drugs if not d.consumed]
    others = [c.span.text for c in u.other_conditions]
    if policy is None:
        if outside or (others and u.condition is None) or not packs:
            what = ", ".join(dict.fromkeys(outside + ([] if u.condition else others))) or "this question"
            return Answer("no_policy", u, tuple(sources), message=f"{NO_POLICY}: {what} is outside every pack",
                          closest=closest)
        if u.intent == "other":
            return Answer("not_necessity", u, tuple(sources), closest=closest,
                          message="mednec answers medical-necessity questions; this one asks something else")
        facts = runtime.parse_case(u.case, as_of=as_of, source="question").facts
        return Answer("choose_drug", u, tuple(sources), closest=closest, overview=_overview(runtime, facts, packs),
                      message="no drug named: each drug in the pack, decided for this patient")
    if u.condition is None and others:
        return Answer("no_policy", u, tuple(sources), closest=closest,
                      message=f"{NO_POLICY}: {', '.join(dict.fromkeys(others))} is outside every pack")
    if u.intent == "other" and not drug:
        return Answer("not_necessity", u, tuple(sources), policy=policy, closest=closest,
                      message="mednec answers medical-necessity questions; this one asks something else")
    payer = payer_match.match(policy, (question, note or ""))
    policy = policy.with_variant(payer.variant)  # the plan named in the question or note, if modelled
    u = _with_payer_notes(u, payer, (question, note or ""), ("question", note_name))
    phase = phase_in(question, tuple(d.span.start for d in u.drugs if d.consumed))
    u = _policy_diagnosis(u, policy, runtime)
    u = own_drug_doubt(u, policy, runtime)
    u = other_product_taken(u, policy, runtime)
    said = tuple(t for t in (question, note) if t)
    raw = log_from_start(course_start(u.case, policy, runtime, said, as_of), policy, runtime) \
        if phase == "continuation" else u.case
    case = runtime.parse_case(raw, as_of=as_of, source="question")
    det = runtime.evaluate(case.facts, policy, program=program_in(question), phase=phase)
    return Answer("determination", u, tuple(sources), determination=det, policy=policy, closest=closest)


def own_drug_doubt(u: Understanding, policy: Policy, runtime: Runtime) -> Understanding:
    """A class's warning sign read from a doubt about the requested drug itself ("possibly still injecting Mounjaro"
    when Mounjaro is requested: a renewal) is no sign of ANOTHER drug of the class taken with it, the only thing the
    sign stands for (the policies' own treatment-history check leaves the requested molecule out too): dropped, and
    listed as not used. A sign that also names another drug stays, and so does one naming another product of the
    requested molecule ("possibly still injecting Zepbound" when Mounjaro is requested: :func:`other_product_taken`)."""
    vocab = runtime.catalog.calculators.drugs
    facts = u.case.get("facts") or {}
    other = _other_products(policy, runtime)

    def own(f: Finding) -> bool:
        named = [m.removeprefix(DOUBTED_DRUG) for m in f.modifiers if m.startswith(DOUBTED_DRUG)]
        return bool(named) and all(vocab.matches(d, policy.drug.generic) for d in named) \
            and (other is None or other.search(f.span.text) is None)  # another product of the molecule: asked

    signs = {f.fact for f in u.findings if any(m.startswith(DOUBTED_DRUG) for m in f.modifiers)}
    drop = {s for s in signs if s in facts and all(own(f) for f in u.findings if f.fact == s)}
    if not drop:
        return u
    why = (f"{policy.drug.generic}, the drug requested, said with doubt to be taken now: a renewal or a switch, "
           "not another drug of its class taken with it; not used")
    unused = tuple(Unused(f.span, why, f.fact, f.source) for f in u.findings if f.fact in drop)
    return replace(u, case={**u.case, "facts": {k: v for k, v in facts.items() if k not in drop}},
                   facts=tuple(f for f in u.facts if f.fact not in drop), unused=dedupe((*u.unused, *unused)))


#: Words that make another product of the requested molecule a switch, not a second product taken with it
_SWITCH = re.compile(r"\b(?:switch(?:ed|ing)?|transition(?:ed|ing)?|chang(?:e|ed|ing)\s+(?:from|over)|instead\s+of"
                     r"|replac(?:e|ed|es|ing)|convert(?:ed|ing)?|will\s+(?:be\s+)?stop(?:ped)?|to\s+be\s+stopped"
                     r"|(?:is\s+)?being\s+stopped|stop(?:ping)?\s+(?:it\s+)?when)\b", re.I)


def other_product_taken(u: Understanding, policy: Policy, runtime: Runtime) -> Understanding:
    """Another product of the requested molecule named as taken ("currently on Ozempic 1 mg weekly", "current meds:
    Ozempic 1 mg weekly" when Wegovy, semaglutide both, is requested) is the class's warning sign
    (``concurrent_glp1_possible``): a switch or two products of one molecule taken together, which the labels advise
    against, and the words do not say which. The policies' treatment-history check leaves the requested molecule out
    (a renewal must not count its own drug), which hid the other product (held-out round 7 y23). Nothing when the words
    name a switch ("switching from Ozempic", "Ozempic will be stopped"), when a clause naming the other product says
    it was stopped, tried or not taken ("stopped Ozempic in 2025", "no Ozempic"; held-out round 3 r38), or when the policy reads no such sign
    (mednec's GLP-1 decisions, 7 December 2026; tests/intake/test_other_product_of_the_molecule.py)."""
    from mednec.intake.text.context import context_rules

    sign = context_rules().unc_drug_to.get(policy.drug.generic.lower())
    facts = u.case.get("facts") or {}
    if sign is None or sign in facts or sign not in runtime.dictionary.facts or _SWITCH.search(u.text):
        return u
    brand = _other_products(policy, runtime)
    if brand is None:
        return u
    mentions: dict[str, list[re.Match[str]]] = {}
    for named in brand.finditer(u.text):
        mentions.setdefault(named.group(0).lower(), []).append(named)
    for found_all in mentions.values():
        if any(_NOT_NOW.search(_clause(u.text, m)) for m in found_all):
            continue  # said somewhere to be stopped, tried or not taken: not taken now
        named = found_all[0]
        why = (f"{named.group(0)}, another product of {policy.drug.generic}, named as taken: a switch or two products "
               "taken together, which the words do not say")
        span = TextSpan(named.start(), named.end(), named.group(0))
        found = Finding(sign, True, span, kind="inferred", note=why, source=u.source)
        return replace(u, case={**u.case, "facts": {**facts, sign: {"value": True, "source": why}}},
                       facts=(*u.facts, found), findings=(*u.findings, found))
    return u


def _other_products(policy: Policy, runtime: Runtime) -> re.Pattern[str] | None:
    """The brands of the other policies' products of the requested molecule (Ozempic for Wegovy, Zepbound for
    Mounjaro), as one pattern; ``None`` when the molecule has no other product."""
    vocab = runtime.catalog.calculators.drugs
    own = {n.lower() for n in policy.names()}
    others = sorted({b for p in runtime.catalog.policies() if p.id != policy.id
                     and vocab.matches(p.drug.generic, policy.drug.generic) for b in p.drug.brands
                     if b.lower() not in own}, key=str.lower)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, others)) + r")\b", re.I) if others else None


def _clause(text: str, m: re.Match[str]) -> str:
    """The clause around a match: from its sentence's start (:func:`~mednec.intake.text.context.sentences`, which keeps
    a decimal such as "0.5 mg" and "Dr." inside the sentence) to the next ',' or the sentence's end."""
    from mednec.intake.text.context import sentences

    lo, hi = next((a, b) for a, b in sentences(text) if a <= m.start() < b)
    comma = text.find(",", m.end(), hi)
    return text[lo:comma if comma >= 0 else hi]


#: A clause that says a product was not taken now: stopped, tried before, never, not, a history
_NOT_NOW = re.compile(r"\b(?:stop(?:ped|s)?|discontinu(?:ed|e)|d/?c(?:'?d)?|quit|held|hold|previous(?:ly)?|prior|former(?:ly)?"
                      r"|history\s+of|h/o|fail(?:ed|ure)|tried|trial|was\s+on|used\s+to|off|no|never|not|denies|allerg\w*"
                      r"|intoleran\w*|(?:19|20)\d\d\s*-\s*(?:19|20)\d\d)\b", re.I)


def _policy_diagnosis(u: Understanding, policy: Policy, runtime: Runtime) -> Understanding:
    """A patient with several diagnoses ("MDS ... Other: T2DM on metformin"): the case keeps the one of the
    policy's own conditions when one was stated, not the one the words named last; every other diagnosis stated
    still gives the boolean condition fact whose ICD-10-CM code or category it is (type2_diabetes from E11.9),
    unless the words state that fact themselves."""
    facts = u.case.get("facts") or {}
    kept = facts.get("diagnosis")
    if not isinstance(kept, dict):
        return u
    own = {code for _system, code, _display in policy.conditions}
    stated = [f for f in u.findings if f.fact == "diagnosis" and f.kind != "inferred"]
    mine = [f for f in stated if f.value in own]
    diagnosis = kept
    if kept.get("value") not in own and mine:
        best = max(mine, key=lambda f: (f.rank, f.span.start))
        diagnosis = {"value": best.value, "source": best.where}
    more: dict[str, Any] = {}
    for f in [*stated, Finding("diagnosis", kept.get("value"), TextSpan(0, 0, ""))]:
        if f.value == diagnosis.get("value"):
            continue
        for fact in condition_facts(str(f.value), runtime.dictionary):
            if fact not in facts and fact not in more:
                more[fact] = {"value": True, "source": f"the diagnosis {f.value} is also stated"}
    if diagnosis is kept and not more:
        return u
    return replace(u, case={**u.case, "facts": {**facts, **more, "diagnosis": diagnosis}})


def course_start(case: dict[str, Any], policy: Policy, runtime: Runtime, texts: tuple[str, ...] = (),
                 as_of: dt.date | None = None) -> dict[str, Any]:
    """The case with the requested drug's course start (the pack's ``course: start`` fact) when the case gives it
    no other way: a start the words state and tie to the requested drug or to no drug ("C1D1 06/12/2026", "started
    Reblozyl 6/2026", "on it since June", "3 months in": :func:`mednec.intake.text.course_start.stated_starts`),
    else the start of a running course of it in the words' treatment history ("on Reblozyl since 06/01/2026").
    Two different starts, or none, leave it unknown (asked), never guessed."""
    vocab = runtime.catalog.calculators.drugs
    target = _course_start_fact(policy, runtime)
    facts = case.get("facts") or {}
    if not target or target in facts:
        return case
    stated = _stated_start(texts, as_of, policy, vocab) if as_of is not None else None
    if stated is not None:
        return {**case, "facts": {**facts, target: stated}}
    starts = [ev["start"] for value in facts.values() if isinstance(value, list) for ev in value
              if isinstance(ev, dict) and ev.get("start") is not None and ev.get("end") is None
              and ev.get("response") not in ("not_given", "contraindicated", "stopped")
              and vocab.matches(str(ev.get("drug", "")), policy.drug.generic)]
    if len(set(starts)) != 1:  # none, or two running courses of it: not guessed
        return case
    return {**case, "facts": {**facts, target: starts[0]}}


def log_from_start(case: dict[str, Any], policy: Policy, runtime: Runtime) -> dict[str, Any]:
    """A renewal's transfusions the words date only from the course start on are the record of the time on
    treatment, not of the 16 weeks before it: the case gets ``rbc_transfusions_since`` (the start), so the
    pre-treatment count -- and with it the fall, and "not transfusion-dependent before treatment" -- is asked,
    never read as 0 units (helper renew8's finding: "started luspatercept 06/01/2026. Hb 8.6 before starting,
    10.2 now. Transfusions: 2u 11/10/2026" was a confident 'meets'). A transfusion the words place before the start
    (a dated one, or a count or rate said of the time before, placed there) keeps the record as it is."""
    target = _course_start_fact(policy, runtime)
    facts = case.get("facts") or {}
    start, log = _as_date(facts.get(target)) if target else None, facts.get("rbc_transfusions")
    if start is None or not isinstance(log, list) or not log or "rbc_transfusions_since" in facts \
            or "rbc_transfusions_since" not in runtime.dictionary.facts:
        return case
    dates = [_as_date(e.get("date")) for e in log if isinstance(e, dict)]
    if any(d is None or d < start for d in dates):  # a transfusion before the start, or one not dated: as it is
        return case
    return {**case, "facts": {**facts, "rbc_transfusions_since": start}}


def _course_start_fact(policy: Policy, runtime: Runtime) -> str:
    """The fact that holds the requested drug's course start (the pack's ``course: start``), or "" when it has none."""
    entry = runtime.catalog.calculators.drugs.entry(policy.drug.generic)
    return entry.course.start if entry is not None and entry.course is not None else ""


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _stated_start(texts: tuple[str, ...], as_of: dt.date, policy: Policy, vocab: Any) -> dt.date | None:
    """The one start the words tie to the requested drug (or to no drug), or None (none, or two that differ)."""
    from mednec.intake.text.course_start import drug_pattern, stated_starts

    names = drug_pattern(n for e in vocab.entries for n in (e.generic, *e.names))
    mine = {s.date for t in texts for s in stated_starts(t, as_of, names)
            if s.drug is None or vocab.matches(s.drug, policy.drug.generic)}
    return next(iter(mine)) if len(mine) == 1 else None


# a re-authorisation asked about ("renewal of Zepbound", "Wegovy continuation", "can she continue Wegovy"):
# the policy's continuation criteria decide, not the initial ones (held-out h14, h15, hn05)
_CONTINUATION = re.compile(
    r"\b(?:continuation|renewal|renew(?:ed|ing)?|re-?auth(?:ori[sz]ation|ori[sz]e)?|re-?certif\w*|re-?approv\w*)\b"
    r"|\b(?:continu(?:e|ing)|keep(?:ing)?|stay(?:ing)?)\s+(?:on\s+)?(?:(?:her|his|their|the)\s+)?(?:current\s+)?(?!to\b)[A-Za-z]"
    # "Is continued Zepbound medically necessary?", "continued treatment with Reblozyl", "continued use of
    # Repatha" (held-out round 6 wn07); a drug's name after "continued" is capitalised, as a question writes it
    r"|\bcontinued\s+(?:(?:use|treatment|therapy)\s+(?:with\s+|of\s+|on\s+)?|(?-i:[A-Z])[\w-]+\s+(?:therapy|treatment)\b|(?-i:[A-Z]))",
    re.I)


def phase_in(text: str, others: tuple[int, ...] = ()) -> str:
    """``continuation`` when the question asks about renewing or continuing the drug, else ``initial``; continuing
    another drug (``others``: where the mentions of drugs that are not the one asked about start: "may continue
    Aranesp alongside" in a Rytelo request) is no renewal of it."""
    return "continuation" if any(m.end() - 1 not in others for m in _CONTINUATION.finditer(text)) else "initial"


# a plan's program named in a question ("under Medicare Part D", "his Part D plan"): its benefit
# exclusions are reported beside the determination (README, Benefit versus necessity)
_PROGRAMS = (
    ("medicare_part_d", re.compile(r"\b(?:medicare\s+)?part\s*d\b|\bmedicare\s+(?:drug|prescription\s+drug)\s+plan", re.I)),
    ("medicare_advantage_part_b", re.compile(r"\bmedicare\s+advantage\b.{0,20}\bpart\s*b\b|\bpart\s*b\b", re.I)),
)


def program_in(text: str) -> str | None:
    """The Medicare program a question names, if any (a State Medicaid programme's exclusions differ
    by State, so "Medicaid" alone applies none)."""
    return next((pid for pid, rx in _PROGRAMS if rx.search(text)), None)


def packs_asked_about(u: Understanding, runtime: Runtime) -> tuple[str, ...]:
    """The packs a question is about: the pack of the diagnosis it names, and of each of a pack's
    signal facts it states (``signal_facts`` in its vocabulary, default every fact the pack declares;
    a core fact such as age or weight points at no pack), in pack order."""
    signals = {p.id: p.vocabulary.signal_facts for p in runtime.catalog.packs}
    found: set[str] = set()
    if u.condition is not None:
        cv = runtime.dictionary.facts["diagnosis"].values.get(str(u.condition.value))
        if cv is not None and cv.pack:
            found.add(cv.pack)
    for f in u.facts:
        fd = runtime.dictionary.facts.get(f.fact)
        if fd is not None and fd.pack and (signals.get(fd.pack) is None or f.fact in (signals[fd.pack] or ())):
            found.add(fd.pack)
    return tuple(p.id for p in runtime.catalog.packs if p.id in found)


def _with_payer_notes(u: Understanding, payer: payer_match.PayerMatch, texts: tuple[str, str], sources: tuple[str, str]) -> Understanding:
    """A payer named but not applied (not the current plan; plans of two variants) is listed as not used."""
    if not payer.notes:
        return u
    from dataclasses import replace

    return replace(u, unused=u.unused + tuple(
        Unused(TextSpan(m.start, m.end, texts[m.text][m.start:m.end]), why, fact="payer", source=sources[m.text])
        for m, why in payer.notes))


def _with_drug(u: Understanding, d: DrugMention) -> Understanding:
    from dataclasses import replace

    return replace(u, drug=d)

