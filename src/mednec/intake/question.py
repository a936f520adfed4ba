"""Plain-language questions -> the case format, with the words each fact came from.

::

    u = understand("Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, "
                   "SF3B1-mutated, Hb 8.1, needing 2 units twice a month, ESA-naive?",
                   rt.catalog, rt.dictionary, dt.date(2026, 11, 20))
    u.drug.policy_id            # 'luspatercept-mds'
    u.case["facts"]["hemoglobin"]  # {'value': 8.1, 'unit': 'g/dL', 'source': 'question [..] "Hb 8.1"'}
    rt.parse_case(u.case)       # ready for the engine

Questions are short, so this runs plain regex rules with a small ConText
(:mod:`mednec.intake.text.context`) and never loads spaCy. Decisions, recorded here and in the
``understood`` list each answer prints:

* "lower-risk" names a group, not a category: it is listed as understood but not used, and
  ``ipss_r_category`` is set only when a category is named ("IPSS-R low", "very low risk");
  "int-1" / "intermediate-1" are IPSS; a bare "low risk" is read as IPSS-R and says so.
* A bound ("hemoglobin below 10 g/dL", "EPO > 500") is not a value: it is listed with the
  reason and no value is invented.
* Transfusion and ESA phrases become dated lists (see :mod:`mednec.intake.text.history`),
  each marked ``synthesized`` with the phrase it came from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from mednec.errors import ConfigError
from mednec.facts.dictionary import FactDictionary
from mednec.facts.drugs import DrugVocabulary
from mednec.intake.text.assemble import assemble
from mednec.intake.text.context import run_rules
from mednec.intake.text.cyto import diagnosis_rules
from mednec.intake.text.drugs import find_drugs
from mednec.intake.text.generic import fact_rules
from mednec.intake.text.model import Conflict, DrugMention, Finding, TextSpan, Unused
from mednec.intake.text.pairs import pair_rules
from mednec.intake.text.rules import Rule, core_rules
from mednec.intake.text.speaker import Speaker, speaker_of
from mednec.intake.text.treatments import treatment_rules
from mednec.policies.loader import Catalog, pack_module

__all__ = ["Understanding", "all_rules", "intent_of", "understand"]

_NECESSITY = re.compile(
    r"medically\s+necessary|necessity|necessary|appropriate|approv|\bcover|qualif|eligib|criteria|authori[sz]|prior\s+auth"
    r"|indicated|justif|\bmeets?\b|\bden(?:y|ied|ial)|reimburs|pay\s+for|candidate"
    r"|\bcan\s+(?:i|we|he|she|they|the\s+patient)\s+(?:give|get|use|start|prescribe|receive)"
    r"|\bshould\s+(?:he|she|they|i|we|the\s+patient)\s+(?:get|receive|start|be\s+(?:given|started))"
    # a re-authorisation or a switch of drug is a request too ("Re-auth Rytelo: ... 8 doses so far", "Switching from
    # Procrit to Aranesp for every-2-week dosing"): the dose words in it do not make it a dosing question
    r"|\bre-?auth|\brenew|\bcontinuation\b|\bre-?certif|\bswitch(?:ing|ed)?\s+(?:\w+\s+)?(?:from|to)\b"
    r"|\b(?:chang|mov|transition|convert)\w*\s+(?:\w+\s+)?from\s+\w[\w-]*\s+to\b", re.I)
_CHOICE = re.compile(r"best\s+(?:treatment|option|approach|course|therapy)|treatment\s+(?:approach|options?|plan|choice)"  # noqa: E501
                     r"|what\s+(?:treatment|therapy|drug|medication)|which\s+(?:treatment|therapy|drug|medication)"
                     r"|next\s+(?:step|line)|management|suitable|recommend|options?", re.I)
_OTHER = re.compile(r"risk\s+of|thromboembol|thrombosis|\bclots?\b|side[\s-]+effects?|adverse|safety|\bsafe\b|\bdos(?:e|es|ing|age)\b|how\s+much"  # noqa: E501
                    r"|mechanism|interaction|compar|half[\s-]life|monitor|predict|infection\b"
                    # "X vs Y in MDS?" stays a request about X (tests/intake/questions.yaml q056, h22); "better than" asks which is better
                    r"|\b(?:better|worse|stronger|safer|cheaper|more\s+effective|less\s+effective)\s+than\b", re.I)
# where or how a drug is given, asked as a question (held-out round 7 z22: "Can Leqvio be given at home or does it have
# to be in the clinic?"); only in a sentence ending with "?" -- "seen in the office today" opens many a request
_LOGISTICS = re.compile(r"\bat\s+home\b|\bself[\s-]*(?:inject|administ)|\b(?:in|at)\s+(?:the\s+|an?\s+)?(?:clinic|office|infusion\s+(?:center|centre|suite))\b"
                        r"|\bstored\b|\bstorage\b|\brefrigerat|\bwhere\s+(?:is|are|can|should|will|do|does)\b|\badministered\b"
                        # how it is kept (held-out round 8 l29: "Can Repatha pens be kept at room temperature ...?")
                        r"|\broom\s+temp(?:erature)?\b|\bfridge\b|\bshelf\s+life\b|\bleft\s+out\b|\bkept\s+(?:at|in|out)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?:\s*(?:%|[A-Za-z/^µμ]+(?:/[A-Za-z]+)?))?")


# a price question ("What's the copay for Repatha?", "What would my out-of-pocket cost be", "is there a coupon"),
# asked before the necessity words ("copay for" holds "pay for"); a stop "because of cost" in a request is none
_PRICE = re.compile(r"\bwhat(?:'s|\s+is|\s+are|\s+would|\s+will)\s+(?:\w+\s+){0,2}?(?:co-?pay(?:ment)?|cost|price|out[\s-]of[\s-]pocket)\b"
                    r"|\b(?:co-?pay|savings|discount)\s+card|\bcoupons?\b|\bis\s+there\s+a\s+(?:co-?pay|generic|cheaper)", re.I)


def _asking_parts(text: str) -> list[str]:
    """The parts of a text that ask: its first sentence and every sentence ending with "?" -- a dose or side effect
    named later is the history of a request ("stopped on her own (no side effects)"; held-out round 6 w29, w55)."""
    sentences = [p for p in re.split(r"(?<=[.;?!])\s+|\n+", text.strip()) if p.strip()]
    asking = sentences[:1] + [p for p in sentences[1:] if p.rstrip().endswith("?")]
    return [re.sub(r"\([^()]*\)", " ", p) for p in asking]  # an aside "(lowest dose)" asks nothing


def intent_of(text: str) -> str:
    """``necessity`` (is drug X necessary / covered), ``choice`` (which treatment) or ``other``."""
    if _PRICE.search(text) and not re.search(r"medically\s+necessary|prior\s+auth|\bPA\b|request", text, re.I):
        return "other"
    if _NECESSITY.search(text):
        return "necessity"
    parts = _asking_parts(text)
    if any(_OTHER.search(part) for part in parts) or any(_LOGISTICS.search(p) for p in parts if p.rstrip().endswith("?")):
        return "other"
    if _CHOICE.search(text):
        return "choice"
    return "necessity"


@cache
def all_rules(catalog: Catalog) -> tuple[Rule, ...]:
    """Every text rule, in priority order for equal-length matches: diagnoses, each pack's own
    rules (its ``text_rules.py``), the core rules (age, sex, birth date, height in feet and inches),
    then one rule per fact with ``names`` (:mod:`mednec.intake.text.generic`), and the treatment-history
    rule for every drug the packs know (:mod:`mednec.intake.text.treatments`)."""
    own: list[Rule] = []
    for pack in catalog.packs:
        module = pack_module(Path(pack.path), "text_rules")
        rules = getattr(module, "RULES", ()) if module is not None else ()
        if not isinstance(rules, tuple) or not all(isinstance(r, Rule) for r in rules):
            raise ConfigError("RULES must be a tuple of Rule", field=str(Path(pack.path) / "text_rules.py"))
        own += rules
    names = [r.name for r in own]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"text rules named twice: {', '.join(dup)}", field="text_rules.py")
    return (*diagnosis_rules(catalog), *own, *core_rules(), *pair_rules(catalog.dictionary.facts.values()),
            *fact_rules(catalog.dictionary.facts.values()),
            *treatment_rules(catalog_drugs(catalog)))


@cache
def catalog_drugs(catalog: Catalog) -> DrugVocabulary:
    """Every drug the catalog's packs know by name (their policies' drugs and ``pack.yaml``'s): the
    vocabulary the catalog's calculators read treatment histories with, built once per catalog."""
    return catalog.calculators.drugs


@dataclass(frozen=True)
class Understanding:
    """What was understood from one text, and the case it gives.

    ``findings`` are every fact read (before resolution); ``facts`` the ones the case uses;
    ``unused`` what was recognised but not used (with the reason); ``conflicts`` the
    disagreements resolved; ``not_understood`` numbers and phrases nothing accounted for.
    """

    text: str
    source: str
    as_of: dt.date
    case: dict[str, Any]
    findings: tuple[Finding, ...]
    facts: tuple[Finding, ...]
    unused: tuple[Unused, ...]
    conflicts: tuple[Conflict, ...]
    drugs: tuple[DrugMention, ...]
    drug: DrugMention | None
    intent: str
    not_understood: tuple[TextSpan, ...] = field(default=())

    @property
    def condition(self) -> Finding | None:
        return next((f for f in self.facts if f.fact == "diagnosis"), None)

    @property
    def other_conditions(self) -> tuple[Unused, ...]:
        return tuple(u for u in self.unused if u.fact == "condition")

    @property
    def outside_drugs(self) -> tuple[DrugMention, ...]:
        return tuple(d for d in self.drugs if d.policy_id is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "intent": self.intent,
            "drug": self.drug.to_dict() if self.drug else None,
            "drugs": [d.to_dict() for d in self.drugs],
            "condition": self.condition.to_dict() if self.condition else None,
            "facts": [f.to_dict() for f in self.facts],
            "unused": [u.to_dict() for u in self.unused],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "not_understood": [s.to_dict() for s in self.not_understood],
        }


# the drug a switch goes to ("switching from Procrit to Aranesp", "Aranesp -> Procrit", "change her from X to Y"),
# and a drug asked for beside one left ("came off Zepbound ...; now asking for Wegovy")
_SWITCH_TO = re.compile(r"\b(?:switch(?:ing|ed)?|chang(?:e|ing|ed)|mov(?:e|ing|ed)|transition(?:ing|ed)?|convert(?:ing|ed)?)\b"
                        r"(?:[^.;:]|(?<=\d)\.(?=\d)){0,60}?\bto\s+$|(?:->|→|=>)\s*$", re.I)
# a switch target that then ran for a stated time is a past course ("then switched to Nexlizet for 4 months -
# neither worked"), not the drug asked about (held-out round 5 v63)
_COURSE_RAN = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*(?:mg|mcg)\b\s*)?(?:(?:q\w+|weekly|daily|monthly)\s+)?(?:for|x|×)\s*"
                         r"(?:\d+|an?|one|two|three|four|five|six|eight|ten|twelve)[\s-]*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)\b", re.I)
_ASKING_FOR = re.compile(r"\b(?:now\s+)?(?:asking|requesting|request(?:ed)?|wants?|would\s+like|applying)\s+(?:for\s+|to\s+(?:start|try|get)\s+)?$"
                         r"|\b(?:start(?:ing)?|initiat(?:e|ing))\s+$"
                         # a form's field: "Drug req: REBLOZYL", "Requested drug: Leqvio", "Drug: evolocumab" (held-out round 6 w07)
                         r"|\b(?:(?:drug|med(?:ication)?s?|product|agent)(?:\s+(?:req(?:uested)?|request(?:ed)?)\.?)?|(?:req(?:uested)?|request(?:ed)?)\.?\s+(?:drug|med(?:ication)?|product|agent))\s*[:=-]\s*$", re.I)
_LEFT = frozenset(["stopped", "failed", "intolerant", "not_given", "contraindicated", "lost_response", "none", "partial"])


def _asked_among(chosen: list[DrugMention], findings: list[Finding], text: str) -> list[DrugMention]:
    """Among two or more pack drugs named, the one asked about: the target of a switch, the one the words
    ask for ("now asking for Wegovy"), else the first not named only as a course that ended or failed
    (the ESA a patient failed, the GLP-1 stopped for cost); the first named when nothing tells."""
    for rx in (_SWITCH_TO, _ASKING_FOR):
        hit = [d for d in chosen if rx.search(text[max(0, d.span.start - 80):d.span.start])
               and not (rx is _SWITCH_TO and _COURSE_RAN.match(text, d.span.end))]
        if hit:
            return hit
    ended = [(f.span.start, f.span.end) for f in findings if f.fact in ("medication_history", "esa_history")
             and isinstance(f.value, list) and f.value
             and all(isinstance(e, dict) and (e.get("end") is not None or e.get("response") in _LEFT) for e in f.value)]
    live = [d for d in chosen if not any(a <= d.span.start < b for a, b in ended)]
    return live or chosen


def requested_drug(drugs: list[DrugMention], findings: list[Finding], unused: list[Unused], text: str = "") -> tuple[
        list[DrugMention], DrugMention | None]:
    """Mark drug mentions that are ESA history (not the request); the first other pack drug is requested."""
    history = [(f.span.start, f.span.end) for f in findings if f.fact in ("esa_history", "concurrent_esa", "concurrent_esa_possible")]
    history += [(u.span.start, u.span.end) for u in unused if u.fact == "esa_history"]
    marked = [DrugMention(d.name, d.span, d.policy_id, d.how, d.note,
                          consumed=any(a <= d.span.start < b for a, b in history)) for d in drugs]
    free = [d for d in marked if not d.consumed and d.policy_id]
    specific = [d for d in free if d.how != "class"]
    chosen = specific or free
    if len({d.policy_id for d in chosen}) > 1:
        chosen = _asked_among(chosen, findings, text)
    if not chosen:  # no other drug: a running course of a pack drug is the one asked about ("renewal of
        # epoetin alfa: started 09/01/2026")
        running = [(f.span.start, f.span.end) for f in findings if f.fact == "esa_history" and isinstance(f.value, list)
                   and f.value and all(isinstance(e, dict) and e.get("end") is None for e in f.value)]
        chosen = [d for d in marked if d.policy_id and d.how != "class" and any(a <= d.span.start < b for a, b in running)]
    return marked, chosen[0] if chosen else None


# where a question names the drug it asks about: "Is X medically necessary", "X request:", "Would X be
# covered", "Can we get X approved"; X is read as a drug outside every pack when nothing else reads it
_SLOT = re.compile(
    r"^\W*(?:is|are|would|will|can|could|does|should)\s+(?P<a>[A-Za-z][\w-]{2,30})\s+(?:be\s+)?(?:medically\s+necessary|necessary|covered|"
    r"approved|appropriate|indicated|approvable)\b"
    r"|^\W*(?P<b>[A-Za-z][\w-]{2,30})\s+(?:request|PA|prior\s+auth\w*)\b"
    r"|\b(?:get|use|start|give|prescribe)\s+(?P<c>[A-Za-z][\w-]{2,30})\s+(?:approved|covered|for)\b"
    r"|\bwould\s+(?P<d>[A-Za-z][\w-]{2,30})\s+be\s+(?:covered|approved|appropriate)",
    re.I)
_NOT_A_DRUG = frozenset(
    ["it", "this", "that", "there", "he", "she", "they", "we", "i", "you", "treatment", "therapy", "transfusion", "transfusions", "patient", "pt", "insurance", "drug", "medication", "medicine", "anything", "something", "coverage", "approval", "what", "which", "who", "how", "why", "when", "where", "it's", "the", "a", "an", "esa", "esas", "epo", "mds", "anemia", "anaemia", "her", "his", "their", "my", "our", "one"])


def slot_drugs(text: str, drugs: list[DrugMention], spans: list[tuple[int, int]]) -> list[DrugMention]:
    """The word a question asks about as a drug, when no drug, finding or unused item accounts for it."""
    out = []
    for m in _SLOT.finditer(text):
        name = next(g for g in m.groups() if g)
        s = m.start(next(k for k in "abcd" if m.group(k)))
        e = s + len(name)
        if name.lower() in _NOT_A_DRUG or any(a < e and s < b for a, b in spans):
            continue
        if any(d.span.start < e and s < d.span.end for d in drugs):
            continue
        out.append(DrugMention(name, TextSpan(s, e, name), None, "slot",
                               "named where a question names its drug; no policy covers it"))
    return out


def dedupe(unused: tuple[Unused, ...]) -> tuple[Unused, ...]:
    """One unused item per (fact, reason, words)."""
    seen: dict[tuple[str | None, str, str], Unused] = {}
    for u in unused:
        seen.setdefault((u.fact, u.reason, u.span.text.lower()), u)
    return tuple(seen.values())


def leftovers(text: str, spans: list[tuple[int, int]]) -> tuple[TextSpan, ...]:
    """Numbers (with their unit) that no finding, unused item or drug accounts for."""
    out = []
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        lo = max(0, text.rfind(" ", 0, max(0, m.start() - 1)) + 1)
        lo = max(0, text.rfind(" ", 0, max(0, lo - 1)) + 1)
        out.append(TextSpan(lo, m.end(), text[lo:m.end()]))
    return tuple(out)


def _speaker_findings(text: str, who: Speaker, findings: list[Finding]) -> list[Finding]:
    """The patient's age and sex a relative or the patient gives in the first person ("My mom is 84",
    "my 15-year-old son", "I'm 45, my LDL is 170"), unless the words state them otherwise; an age the
    rules read from the writer ("I'm 52" when the father is the patient) is not the patient's."""
    out = list(findings)
    have = {f.fact for f in out}
    if who.age is not None and who.age_span is not None and "age" not in have:
        a, b = who.age_span
        note = f"the age of the patient ({who.relative})" if who.relative else "the writer's own age (the writer is the patient)"
        out.append(Finding("age", who.age, TextSpan(a, b, text[a:b]), unit="years", note=note))
    if who.sex is not None and who.sex_span is not None and "sex" not in have:
        a, b = who.sex_span
        out.append(Finding("sex", who.sex, TextSpan(a, b, text[a:b]), note=f"the patient is the writer's {who.relative}"))
    return out


def understand(question: str, catalog: Catalog, dictionary: FactDictionary, as_of: dt.date) -> Understanding:
    """Read a question: the drug, the condition and every fact stated, each with its span."""
    who = speaker_of(question)
    items = run_rules(question, all_rules(catalog), source="question", as_of=as_of,
                      patient_words=who.patient_words if who is not None else ())
    findings = [i for i in items if isinstance(i, Finding)]
    if who is not None:
        findings = _speaker_findings(question, who, findings)
    unused = [i for i in items if isinstance(i, Unused)]
    found = find_drugs(question, catalog)
    spans = [(f.span.start, f.span.end) for f in findings] + [(u.span.start, u.span.end) for u in unused]
    found = sorted(found + slot_drugs(question, found, spans), key=lambda d: d.span.start)
    drugs, drug = requested_drug(found, findings, unused, question)
    asm = assemble(findings, unused, dictionary, as_of)
    spans += [(d.span.start, d.span.end) for d in drugs]
    return Understanding(
        text=question, source="question", as_of=as_of, case=asm.case, findings=tuple(findings),
        facts=asm.used, unused=dedupe(asm.unused), conflicts=asm.conflicts, drugs=tuple(drugs), drug=drug,
        intent=intent_of(question), not_understood=leftovers(question, spans),
    )
