"""Target rules: one regex and one handler per kind of statement.

Each :class:`Rule` is a plain regex string (so medspaCy can take it as a
``TargetRule(pattern=...)`` for notes, and ``re`` can run it on questions) and a handler
that turns one match, with its sentence and context flags (negated, hypothetical,
historical, family), into :class:`Finding` and :class:`Unused` items.

This module holds the framework and the numeric and demographic rules; the cytogenetic and
risk rules are in :mod:`.cyto`, transfusion and ESA history in :mod:`.history`.
"""

# ruff: noqa: E501  (regex tables read best one alternative per line, unbroken)

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mednec.intake.text.model import Finding, TextSpan, Unused
from mednec.intake.text.numbers import DATE, NUM, number, parse_date_text

DNUM = r"\d+(?:\.\d+)?"

__all__ = ["CMP", "PCT", "SEP", "cmp", "g", "Ctx", "Item", "Rule", "bound_reason", "core_rules", "lab_rules"]

Item = Finding | Unused


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where a match sits: the source text, its sentence, its context flags and date."""

    text: str
    sent_start: int
    sent_end: int
    source: str
    as_of: dt.date
    negated: bool = False
    hypothetical: bool = False
    historical: bool = False
    family: bool = False
    date: dt.date | None = None
    cue_start: int | None = None  # where the negation cue begins, to include it in the span

    @property
    def modifiers(self) -> tuple[str, ...]:
        return tuple(n for n, on in (("negated", self.negated), ("hypothetical", self.hypothetical),
                                     ("historical", self.historical), ("family", self.family)) if on)

    def span(self, start: int, end: int) -> TextSpan:
        """``text[start:end]`` without surrounding spaces and punctuation."""
        t = self.text
        while start < end and t[start] in " \t\r\n,;:.-(":
            start += 1
        while end > start and t[end - 1] in " \t\r\n,;:(-":
            end -= 1
        if end > start and t[end - 1] == ")" and t.count("(", start, end) < t.count(")", start, end):
            end -= 1
        return TextSpan(start, end, t[start:end])

    def finding(self, fact: str, value: object, start: int, end: int, *, unit: str | None = None,
                date: dt.date | None | bool = True, kind: str = "stated", note: str = "", rank: int = 0) -> Finding:
        """A finding at ``start:end`` (widened to include a negation cue); ``date=True`` means the context's date."""
        if self.negated and self.cue_start is not None and self.cue_start < start:
            start = self.cue_start
        when = self.date if date is True else (date or None)
        return Finding(fact, value, self.span(start, end), unit=unit, date=when, kind=kind, note=note,
                       source=self.source, modifiers=self.modifiers, rank=rank)

    def unused(self, reason: str, start: int, end: int, fact: str | None = None) -> Unused:
        return Unused(self.span(start, end), reason, fact, self.source)

    def sentence(self) -> str:
        return self.text[self.sent_start:self.sent_end]


Handler = Callable[[re.Match[str], Ctx], list[Item]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named regex (case-insensitive) and the handler that reads its matches."""

    name: str
    pattern: str
    handle: Handler
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern, re.I))


def g(m: re.Match[str], *names: str) -> str | None:
    """The first of the named groups that matched."""
    d = m.groupdict()
    return next((d[n] for n in names if d.get(n) is not None), None)


def gspan(m: re.Match[str], *names: str) -> tuple[int, int]:
    d = m.groupdict()
    n = next(n for n in names if d.get(n) is not None)
    return m.span(n)


# between a name and its value: "Hb of 8.1", "hemoglobin is now 8.1", "EPO level: 210"
SEP = (
    r"(?:\s*(?:level|count|concentration|value|result|lab))?(?:\s*\((?![\s\d.,%<>=~]*\))[^)\n]{0,40}\))?"  # "(g/dL)", not "(60%)"
    # an aside between commas, only when a verb or sign leads on to the value: "serum erythropoietin level,
    # drawn before any ESA, was 62" (not "SF3B1 wt, not for immediate correction, 2 units")
    r"(?:\s*,\s*(?-i:[a-z][A-Za-z ]{0,28}),(?=\s*(?:(?:is|was|were|of|at|came\s+back|measured|remains|remained|has\s+been)\b|[=:])))?"
    rf"(?:\s+(?:(?:on|dated|from)\s+)?\(?{DATE}\)?(?=\s*[:=(]|\s+(?:was|is|of)\b))?"  # "hemoglobin on 10/24/2026 was 8.7", "EPO 10/21/2026: 410"
    r"(?:\s*\.{2,})?"  # dot leaders in lab tables: "Hemoglobin ..... 9.2"
    r"(?:\s*(?:is|was|of|at|=|:|-|–|now|currently|today|measured|recently|around|about|approximately|approx\.?|~|only|just|exactly|precisely|"
    r"still|persistently|stays|stayed|remaining|"
    r"remains|remained|has\s+been|were|would\s+be|will\s+be|became|(?:dropped|fell|decreased|declined|drifted|went\s+down|went|increased|rose|improved|changed)\s+from|dropped\s+to|fell\s+to|down\s+to|increased\s+to|rose\s+to|came\s+back(?:\s+at)?|reads?)){0,3}\s*"
)
CMP_BODY = (
    r"(?:<=|>=|=<|=>|≤|≥|<|>|below|under|less\s+than|lower\s+than|above|over|greater\s+than|"
    r"more\s+than|higher\s+than|at\s+least|at\s+most|no\s+more\s+than|up\s+to|exceeding|exceeds|not\s+above|not\s+below)"
)


def cmp(name: str = "cmp") -> str:
    """A comparison word or sign ("below", ">=") captured as group ``name``."""
    return rf"(?P<{name}>{CMP_BODY})\s*"


CMP = cmp()
PCT = r"\s*(?:%|percent\b|per\s*cent\b|pct\b)"
_APPROX = re.compile(r"\b(?:around|about|approximately|approx|~)", re.I)


def bound_reason(label: str, m: re.Match[str]) -> str:
    word = " ".join((g(m, "cmp", "cmp2") or "").split())
    return f"{label} {word} a number is a bound, not a measured value; not used (give the value)"


# ---- numbers with units -------------------------------------------------------------------

_HB_NAME = r"\b(?:h(?:a)?emoglobin|hgb|hb)\b"
_BASELINE = r"(?:baseline|pre-?treatment|pre-?therapy|starting)"
_HB_UNIT = (r"(?P<u>g\s*/\s*dl|gm?\s*/\s*dl|g\s*/\s*l|mmol\s*/\s*l|g\s*%|gm\s*%|grams?\s+per\s+deci-?lit(?:er|re)|"
            r"grams?\s+per\s+lit(?:er|re)|g\s+per\s+dl)")
_LH = r"(?:\s*(?:\(?\b[LH]\b\)?|\((?:low|high)\)))?"


def _hb_unit(u: str | None, value: float) -> tuple[str, str]:
    """Unit for a hemoglobin value; without one, >25 is read as g/L."""
    if u:
        t = u.lower().replace(" ", "")
        if "mmol" in t:
            return "mmol/L", ""
        if "/l" in t and "dl" not in t or "perlit" in t:
            return "g/L", ""
        return "g/dL", ""
    if value > 25:
        return "g/L", "no unit given; a value above 25 is read as g/L"
    return "g/dL", ""


def _h_hemoglobin(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused(f"{'hypothetical' if ctx.hypothetical else 'family history'}; not used",
                           m.start(), m.end(), "hemoglobin")]
    if g(m, "cmp", "cmp2"):
        return [ctx.unused(bound_reason("hemoglobin", m), m.start(), m.end(), "hemoglobin")]
    if m.group("base") or m.group("base2"):  # "Hb 8.1 before starting", "pre-treatment Hgb 7.8"
        return _hb_baseline(m, ctx)
    v = number(m.group("v2") or m.group("v"))
    if v is None:
        return []
    unit, note = _hb_unit(m.group("u"), v)
    if m.group("v2"):
        note = f"the latest of two values ({m.group('v')} then {m.group('v2')})"
    if _APPROX.search(m.group(0)):
        note = (note + "; " if note else "") + "stated as approximate"
    return [ctx.finding("hemoglobin", v, m.start(), m.end(), unit=unit, note=note)]


def _hb_baseline(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """A hemoglobin said to be from before the treatment is its baseline (what a re-authorisation
    measures the rise against); a second value after it ("8.4 before treatment to 8.9 now") is
    the current one."""
    base = number(m.group("v"))
    if base is None:
        return []
    unit, note = _hb_unit(m.group("u"), base)
    s, e = m.start(), m.end()
    out: list[Item] = [ctx.finding("hemoglobin_baseline", base, s, m.end("v"), unit=unit,
                                   note=(note + "; " if note else "") + "stated as before the treatment")]
    now = number(m.group("v2") or "")
    if now is not None:
        unit2, note2 = _hb_unit(m.group("u2") or m.group("u"), now)
        out.append(ctx.finding("hemoglobin", now, m.start("v2"), e, unit=unit2, note=note2))
    return out


_PLT_NAME = r"\b(?:platelets?(?:\s+count)?|plts?|plt\s+count|thrombocytes)\b"
_ANC_NAME = r"\b(?:anc|absolute\s+neutrophils?(?:\s+count)?|neutrophils?(?:\s+count)?|abs\.?\s+neut(?:rophils?)?|neuts)\b"
_COUNT_UNIT = (
    r"(?P<u>(?:x|×|\*)?\s*10\s*(?:\^|\*\*|e)?\s*\(?9\)?\s*/\s*l|(?:x|×|\*)?\s*10\s*(?:\^|\*\*|e)?\s*\(?3\)?\s*/\s*(?:u|µ|μ|mc|m)?(?:l|mm3)"
    r"|k\s*/\s*(?:u|µ|μ|mc)l|(?:cells\s*)?/\s*(?:u|µ|μ|mc)l|(?:cells\s*)?/\s*mm3|/\s*cmm|g\s*/\s*l|k\b|thousand)"
)


def _count_unit(u: str | None, value: float, big: float) -> tuple[float, str, str]:
    """A blood count in 10^9/L; bare values above ``big`` are per microlitre."""
    if u:
        t = u.lower().replace(" ", "")
        if t.startswith("k") or t == "thousand" or "^3" in t or "103" in t or "(3)" in t:
            return value, "10^9/L", ""
        if "/u" in t or "/µ" in t or "/μ" in t or "/mc" in t or "mm3" in t or "cmm" in t:
            return value, "/uL", ""
        return value, "10^9/L", ""
    if value > big:
        return value, "/uL", f"no unit given; {value:g} is read as cells per microlitre"
    return value, "10^9/L", ""


def _count_handler(fact: str, label: str, big: float) -> Callable[[re.Match[str], Ctx], list[Item]]:
    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        if ctx.hypothetical or ctx.family:
            return [ctx.unused("hypothetical; not used", m.start(), m.end(), fact)]
        if g(m, "cmp", "cmp2"):
            return [ctx.unused(bound_reason(label, m), m.start(), m.end(), fact)]
        v = number(m.group("v"))
        if v is None:
            return []
        value, unit, note = _count_unit(m.group("u"), v, big)
        return [ctx.finding(fact, value, m.start(), m.end(), unit=unit, note=note)]
    return handle


_EPO_NAME = r"\b(?:(?:serum|endogenous|baseline|pre-?treatment|s)[\s-]*)?(?:epo|erythropoietin)(?:,?\s+serum)?(?:\s+levels?)?\b"
_EPO_UNIT = (
    r"(?P<u>m?i?u\s*/\s*m?l\b|milli-?(?:international\s+)?units?\s*(?:per|/)\s*(?:milli-?)?lit(?:er|re)s?|"
    r"milli-?units?\s*(?:per|/)\s*ml|(?:international\s+)?units?\s+per\s+lit(?:er|re))"
)
_DOSE_GUARD = r"(?!\s*(?:units?|u|iu)\b(?!\s*(?:/|per\b)))(?!\s*(?:mcg|µg|ug|mg)\b)"


def _h_epo(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical; not used", m.start(), m.end(), "serum_epo")]
    if g(m, "cmp", "cmp2"):
        return [ctx.unused(bound_reason("serum EPO", m), m.start(), m.end(), "serum_epo")]
    v = number(m.group("v"))
    if v is None:
        return []
    return [ctx.finding("serum_epo", v, m.start(), m.end(), unit="mU/mL")]


# ---- percentages --------------------------------------------------------------------------

_BLASTS = r"(?:(?:bone\s+)?marrow\s+|bm\s+|myelo)?blasts?\b(?:\s+(?:percentage|count))?"
_PERIPHERAL = re.compile(r"(?:peripheral|circulating|\bpb\b|blood\s+smear|in\s+(?:the\s+)?blood)[^.;\n]{0,12}$", re.I)


def _h_blasts(m: re.Match[str], ctx: Ctx) -> list[Item]:
    before = ctx.text[max(ctx.sent_start, m.start() - 25):m.start()]
    if _PERIPHERAL.search(before) or re.search(r"peripheral|circulating|\bpb\b", m.group(0), re.I):
        return [ctx.unused("peripheral blood blasts, not marrow blasts; not used", m.start(), m.end(), "marrow_blasts_pct")]
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical; not used", m.start(), m.end(), "marrow_blasts_pct")]
    if g(m, "cmp", "cmp2"):
        return [ctx.unused(bound_reason("marrow blasts", m), m.start(), m.end(), "marrow_blasts_pct")]
    v = number(g(m, "v", "v2", "v3") or "")
    if v is None:
        return []
    return [ctx.finding("marrow_blasts_pct", v, m.start(), m.end(), unit="%")]


_RS = r"ring(?:ed)?[\s-]+sideroblasts?"


def _h_rs_pct(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical; not used", m.start(), m.end(), "ring_sideroblasts_pct")]
    if g(m, "cmp", "cmp2"):
        return [ctx.unused(bound_reason("ring sideroblasts", m), m.start(), m.end(), "ring_sideroblasts_pct")]
    v = number(g(m, "v", "v2") or "")
    if v is None:
        return []
    out: list[Item] = [ctx.finding("ring_sideroblasts_pct", v, m.start(), m.end(), unit="%")]
    if m.group("mds") or m.group("mds2"):  # "MDS with ring sideroblasts 18%", "MDS with 15% ring sideroblasts"
        out.append(ctx.finding("diagnosis", "D46.1", m.start(), m.end(), rank=1))
    return out


def _h_rs_word(m: re.Match[str], ctx: Ctx) -> list[Item]:
    st = (g(m, "st", "st2") or "").lower()
    if ctx.hypothetical or ctx.family:
        return []
    absent = ctx.negated or st.startswith(("absent", "not", "none"))
    if absent and not st.startswith("neg"):
        return [ctx.finding("ring_sideroblasts_pct", 0.0, m.start(), m.end(), unit="%",
                            note="no ring sideroblasts: read as 0%")]
    if st.startswith("neg") or st == "-":
        return [ctx.unused("ring-sideroblast negative is a bound (below 15%), not a percentage; not used",
                           m.start(), m.end(), "ring_sideroblasts_pct")]
    return [ctx.unused("ring sideroblasts mentioned without a percentage; not used", m.start(), m.end(),
                       "ring_sideroblasts_pct")]


# ---- demographics -------------------------------------------------------------------------

_SEX_WORDS = {
    "male": "male", "femal": "female", "man": "male", "gentleman": "male", "mr": "male", "boy": "male", "m": "male", "he": "male",
    "female": "female", "woman": "female", "lady": "female", "mrs": "female", "ms": "female", "girl": "female",
    "f": "female",
}


def _h_age(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.family:
        return []
    v = number(g(m, "a1", "a2", "a3", "a4", "a5") or "")
    if v is None or v > 120:
        return []
    out: list[Item] = [ctx.finding("age", v, m.start(), m.end(), unit="years", date=None)]
    sx = g(m, "s1", "s4")
    if sx:
        out.append(ctx.finding("sex", _SEX_WORDS[sx.lower().rstrip(".")], *gspan(m, "s1", "s4"), date=None))
    return out


def _h_sex(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.family or ctx.hypothetical:
        return []
    word = (g(m, "s", "s2", "s3") or "").lower().rstrip(".")
    return [ctx.finding("sex", _SEX_WORDS[word], m.start(), m.end(), date=None)]


def _h_dob(m: re.Match[str], ctx: Ctx) -> list[Item]:
    d = parse_date_text(m.group("d"))
    if d is None:
        return []
    return [ctx.finding("birth_date", d, m.start(), m.end(), date=None)]


# ---- statements ---------------------------------------------------------------------------


#: "symptomatic" followed by a word that names no other condition: the anemia's, or the patient's ("symptomatic
#: with fatigue", "symptomatic patient", "symptomatic, Hb 8.1", "symptomatic lower-risk MDS"). Any other next word
#: makes it another condition's adjective ("symptomatic peripheral artery disease", "asymptomatic carotid
#: stenosis"): not read, so the anemia's symptoms stay asked rather than taken from another disease.
_SYMPTOMATIC_OF_ANOTHER = (
    r"(?!\s+(?!(?:with|w(?=/)|from|of|despite|since|due|secondary|and|or|but|on|in|at|for|to|today|now|currently|still|again"
    r"|yet|as|because|when|while|after|before|during|until|without|x|patient|pt|man|woman|male|female|gentleman|lady"
    r"|individual|person|he|she|they|is|was|were|are|has|had|hb|hgb|hemoglobin|haemoglobin|low|lower|low-risk"
    r"|lower-risk|mds|myelodysplastic|anemic|anaemic|fatigue|fatigued|dyspnea|dyspnoea|sob|doe|tired|weak)\b)[A-Za-z])")


#: a symptom said to come from something else ("dyspnea from COPD", "fatigue due to hypothyroidism", "SOB 2/2 CHF"):
#: the cause named is not the anemia (nor its blood count, the MDS or a transfusion need)
_OTHER_CAUSE = re.compile(
    r"\s*,?\s*(?:(?:is|was|thought|felt|likely|probably|possibly)\s+)*+(?:due\s+to|from|secondary\s+to|2/2|d/t|related\s+to"
    r"|because\s+of|attributed\s+to|caused\s+by|owing\s+to|in\s+the\s+setting\s+of|from\s+known)\s+"
    r"(?:(?:his|her|their|the|a|an|known|chronic|severe|underlying|poorly\s+controlled)\s+)*+"
    r"(?!(?:anemia|anaemia|anemic|anaemic|low\s+(?:hb|hgb|hemoglobin|haemoglobin|blood\s+counts?|counts?)|hb|hgb|hemoglobin"
    r"|haemoglobin|mds|myelodysplas\w*|cytopenias?|transfusion|the\s+anemia|blood\s+loss)\b)[A-Za-z]", re.I)


def _h_symptomatic(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return []
    if _OTHER_CAUSE.match(ctx.text, m.end(), ctx.sent_end):  # another disease's symptom: says nothing of the anemia
        return [ctx.unused("a symptom said to come from another cause; not the anemia's", m.start(), m.end(),
                           "anemia_symptomatic")]
    word = m.group(0).lower()
    if word.startswith("asymptomatic"):
        return [ctx.finding("anemia_symptomatic", ctx.negated, m.start(), m.end())]
    if "symptomatic" in word or "symptoms" in word:
        return [ctx.finding("anemia_symptomatic", not ctx.negated, m.start(), m.end())]
    if ctx.negated:  # "denies fatigue" is not evidence either way
        return []
    return [ctx.finding("anemia_symptomatic", True, m.start(), m.end(), kind="inferred",
                        note="a symptom of anemia is documented")]


_FORM_ANSWER = re.compile(r"[^.?:\n]{0,40}?[?:]\s*(?P<yn>yes|no)\b", re.I)


def _h_immediate(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical:
        return []
    text = m.group(0).lower()
    value = not ctx.negated
    if text.startswith(("not ", "no ", "non")):
        value = False
    yn = (m.group("yn") or "").lower()
    answer = _FORM_ANSWER.match(ctx.text, m.end(), min(len(ctx.text), m.end() + 60))
    if answer and not yn:  # a form: "Requested to correct anemia immediately (instead of transfusion)? No"
        yn = answer.group("yn").lower()
    if yn:
        value = yn.startswith("yes")
    return [ctx.finding("immediate_correction_needed", value, m.start(), m.end())]


_ESA_WORDS = (r"(?:ESAs?|epoetin(?:[\s-]+(?:alfa|alpha))?|darbepoetin(?:[\s-]+(?:alfa|alpha))?|EPO|erythropoie\w+"
              r"(?:[\s-]+stimulating\s+agents?)?|Aranesp|Procrit|Epogen|Retacrit)")


def _h_concurrent(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical:
        return []
    t = m.group(0).lower()
    stopped = bool(re.search(r"stopp|discontinu|held|^off\b|^not\b|^no\s+longer|^no\s.*\b(?:now|currently|present|time)$", t))
    value = not stopped and not ctx.negated
    note = "no ESA at present" if stopped else ""
    return [ctx.finding("concurrent_esa", value, m.start(), m.end(), note=note)]


def lab_rules() -> list[Rule]:
    """The MDS anemia pack's numeric and statement rules (the pack's ``text_rules.py`` lists them)."""
    v = rf"(?P<v>{NUM})"
    return [
        Rule("HEMOGLOBIN", rf"(?P<base>\b{_BASELINE}[\s-]+)?{_HB_NAME}{SEP}(?:{CMP})?{v}{_LH}(?:\s*{_HB_UNIT})?"
                           rf"(?P<base2>\s*\(?\s*(?:(?:before|prior\s+to)\s+(?:starting|start|treatment|therapy|initiation|the\s+first\s+dose)"
                           r"(?:\s+(?!to\b)[a-z][\w-]*)?|at\s+baseline|pre-?treatment)\s*\)?)?"
                           rf"(?:(?:\s*,?\s*(?:to|->|→|and\s+now)\s*|\s*,\s*(?=\d+(?:\.\d+)?\s*(?:g\s*/\s*dl\s*)?(?:now|today|currently)\b))(?P<v2>\d+(?:\.\d+)?)(?:\s*{_HB_UNIT.replace('P<u>', 'P<u2>')})?)?(?![\d%])",
             _h_hemoglobin),
        Rule("PLATELETS", rf"{_PLT_NAME}{SEP}(?:{CMP})?{v}{_LH}(?:\s*{_COUNT_UNIT})?(?![\d%])",
             _count_handler("platelets", "platelets", 3000)),
        Rule("ANC", rf"{_ANC_NAME}{SEP}(?:{CMP})?{v}{_LH}(?:\s*{_COUNT_UNIT})?(?![\d%])",
             _count_handler("anc", "ANC", 100)),
        Rule("SERUM_EPO", rf"{_EPO_NAME}{SEP}(?:{CMP})?{v}{_DOSE_GUARD}(?:\s*{_EPO_UNIT})?(?![\d%])", _h_epo),
        Rule("MARROW_BLASTS",
             rf"\b(?:peripheral\s+)?{_BLASTS}{SEP}(?:{CMP})?{v}{PCT}|\b(?:(?:bone\s+)?marrow\s+|bm\s+)?blasts?\s*(?:%|percent(?:age)?)\s*[:=]\s*(?P<v3>{DNUM})(?![\d.%])|(?P<cmp2>[<>≤≥]=?\s*)?(?P<v2>{DNUM}){PCT}\s*(?:of\s+)?(?:bone\s+)?(?:marrow\s+)?(?:myelo)?blasts\b",
             _h_blasts),
        Rule("RING_SIDEROBLASTS_PCT",
             rf"(?P<mds>\bMDS\s+(?:with|w/|w|and)\s+)?\b(?:{_RS}|RS)\b(?:\s*(?:\+|\(\+\)|pos\b|positive\b))?(?:\s+(?:are|were))?{SEP}(?:\(\s*)?(?:{CMP})?{v}{PCT}\)?|(?P<mds2>\bMDS\s+(?:with|w/|w|and)\s+)?(?P<cmp2>[<>≤≥]=?\s*)?(?P<v2>{DNUM}){PCT}\s*(?:of\s+erythroid\s+precursors\s+(?:are|were)\s+)?(?:{_RS}|(?-i:RS)\b)",
             _h_rs_pct),
        Rule("RING_SIDEROBLASTS",
             rf"\b{_RS}(?:[\s:-]+(?P<st>absent|not\s+(?:seen|identified|present)|none(?:\s+seen)?|negative|positive|present|seen|identified))?"
             rf"|\bRS[\s-]*(?P<st2>positive|negative|\+|-)(?![\w-])",
             _h_rs_word),
        Rule("SYMPTOMATIC",
             rf"\b(?:a?symptomatic(?:\s+(?:anemia|anaemia)|{_SYMPTOMATIC_OF_ANOTHER})|symptoms?\s+of\s+(?:anemia|anaemia)|(?:anemia|anaemia)[\s-]+related\s+symptoms"
             r"|(?:exertional\s+)?dyspn(?:o)?ea(?:\s+on\s+exertion)?|fatigued?|shortness\s+of\s+breath|short\s+of\s+breath(?:\s+on\s+exertion)?"
             r"|(?-i:DOE|SOB))\b",
             _h_symptomatic),
        Rule("IMMEDIATE_CORRECTION",
             r"\b(?:(?:not|no)\s+(?:for\s+|needed\s+for\s+|need\s+for\s+)?)?(?:immediate|urgent|rapid|acute)\s+correction(?:\s+of\s+(?:the\s+)?(?:anemia|anaemia))?"
             r"(?:\s*(?:needed|required)?\s*[:?-]\s*(?P<yn>yes|no|none|not\s+needed)\b)?"
             r"|\b(?:in\s+place\s+of|instead\s+of|as\s+a\s+substitute\s+for)\s+(?:an?\s+)?(?:RBC\s+|red\s+(?:blood\s+)?cell\s+)?transfusions?\b"
             r"(?:\s+(?:for|to)\s+(?:the\s+)?(?:immediate|urgent|rapid|acute)\s+correction(?:\s+of\s+(?:the\s+)?(?:anemia|anaemia))?)?"
             r"|\bcorrect\s+(?:the\s+|her\s+|his\s+|their\s+)?(?:anemia|anaemia)\s+(?:immediately|urgently|rapidly)\b",
             _h_immediate),
        Rule("CONCURRENT_ESA",
             rf"\b(?:concurrent|concomitant|together\s+with|alongside|in\s+combination\s+with|combined\s+with)\s+(?:an?\s+)?{_ESA_WORDS}\b"
             rf"|\b{_ESA_WORDS}\s+(?:will\s+be\s+|was\s+|has\s+been\s+|is\s+)?(?:stopped|discontinued|held)\b(?!\s+(?:working|responding|helping))"
             rf"|\b(?:not|no\s+longer)\s+(?:currently\s+)?(?:on|receiving|taking)\s+(?:an?\s+|any\s+)?{_ESA_WORDS}(?:\s+(?:now|currently))?\b"
             rf"|\boff\s+(?:an?\s+|the\s+)?{_ESA_WORDS}\b"
             # "ESA alongside", "an ESA will be given concurrently"
             rf"|\b{_ESA_WORDS}\s+(?:\w+\s+){{0,3}}?(?:alongside|concurrently|concomitantly|together|with\s+it)\b"
             rf"|\bno\s+{_ESA_WORDS}\s+(?:now|currently|at\s+present|at\s+this\s+time)\b"
             rf"|\b(?:continue|continuing|keep|maintain)\s+(?:the\s+)?{_ESA_WORDS}(?:\s+[\w,]+){{0,3}}?\s+(?:alongside|together\s+with|in\s+combination\s+with|with|plus)\b",
             _h_concurrent),
    ]


_FT = r"(?:'|’|ft\.?|feet|foot)"
_IN = r"(?:\"|”|''|’’|in\.?(?![a-z])|inch(?:es)?)"


def _h_height_ft_in(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), "height")]
    ft, inch = number(g(m, "ft", "ft2") or ""), number(m.group("in") or "0")
    if ft is None or inch is None or inch >= 12:
        return []
    cm = round((ft * 12 + inch) * 2.54, 1)
    return [ctx.finding("height", cm, m.start(), m.end(), unit="cm", note=f"{g(m, 'ft', 'ft2')} ft {m.group('in') or 0} in")]


# a body weight said bare beside a height ("5'6\" and 186 lbs", "5 ft 10 in, 224 lb", "92 kg / 1.65 m"): the mass is
# the weight (alone, "224 lb" could be a loss or a relative's); never one followed by a change word ("40 lb down")
_HT_FORMS = (r"(?:\b(?:height|ht|stands)\s*(?:is|of|:|=)?\s*)?(?:(?<![\d.])(?P<{p}f>[3-7])\s*{ft}\s*(?P<{p}i>\d{{1,2}}(?:\.\d)?)\s*{inch}?"
             r"|(?<![\d.])(?P<{p}m>[12]\.\d{{1,2}})\s*m\b|(?<![\d.])(?P<{p}c>1\d\d(?:\.\d)?)\s*cm\b)(?:\s+tall)?")
_WT_FORM = (r"(?:(?:weighs?|weighing|wt|weight)\s*(?:is|of|:|=)?\s*)?(?<![\d.])(?P<{p}w>\d{{2,3}}(?:\.\d)?)\s*(?P<{p}u>lbs?|pounds?|kgs?|kilograms?)\b"
            r"(?!\s*(?:weight\s+)?(?:loss|lost|down|less|gain(?:ed)?|up|heavier|lighter|reduction|drop))")
_HW_JOIN = r"\s*(?:[,;/&+]|\band\b)?\s*"


def _h_height_weight(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), "weight")]
    p = "a" if m.group("aw") is not None else "b"
    w, unit = number(m.group(p + "w")), m.group(p + "u").lower()
    kg = unit.startswith("k")
    if w is None or not (30 <= (w if kg else w * 0.45359237) <= 300):
        return []
    out: list[Item] = []
    if m.group(p + "f") is not None:
        ft, inch = number(m.group(p + "f")), number(m.group(p + "i"))
        if ft is not None and inch is not None and inch < 12:
            out.append(ctx.finding("height", round((ft * 12 + inch) * 2.54, 1), *m.span(p + "f"), unit="cm",
                                   note=f"{m.group(p + 'f')} ft {m.group(p + 'i')} in"))
    elif m.group(p + "m") is not None:
        out.append(ctx.finding("height", number(m.group(p + "m")), *m.span(p + "m"), unit="m"))
    else:
        out.append(ctx.finding("height", number(m.group(p + "c")), *m.span(p + "c"), unit="cm"))
    out.append(ctx.finding("weight", w, m.start(p + "w"), m.end(p + "u"), unit="kg" if kg else "lb",
                           note="the weight said beside the height"))
    return out


def core_rules() -> list[Rule]:
    """The rules every pack shares: age, sex, date of birth, height in feet and inches (weight and
    height otherwise come from the dictionary's ``names``, :mod:`.generic`)."""
    return [
        Rule("AGE",
             rf"\b(?=[\defnst-z])(?P<a1>\d{{1,3}}|{NUM})[\s-]*(?:years?|yrs?|y)[\s-]*(?:old|o\b|/o)(?:\s+(?P<s1>male|female|man|woman|gentleman|lady|m|f)\b)?"
             r"|\b(?P<a2>\d{1,3})\s*(?:yo|y/o|y\.o\.|yr\s+old)(?=\W|$)"
             r"|\bage[ds]?\s*(?::|of|is)?\s*(?P<a3>\d{1,3})\b(?!\s*(?:years?\s+ago|%))"
             r"|\b(?P<a4>\d{2})\s?(?P<s4>M|F)\b(?![/\w])"
             r"|\b(?:she|he)(?:'s|\s+is)\s+(?P<a5>\d{2,3})\b(?!\s*(?:%|[a-z/]|\.\d))",
             _h_age),
        Rule("SEX", r"\b(?P<s>male|female|femal|man|woman|gentleman|lady|girl|boy|mr\.|mrs\.|ms\.|(?-i:Mr|Mrs|Ms)(?=\s+(?-i:[A-Z])))(?![\w-])(?!\s+karyotype)"
                    r"|\b(?:sex|gender)\s*:\s*(?P<s2>male|female|m|f)\b"
                    # a header's lone capital after "Patient:" ("Patient: F   DOB: ..."), never a name's initial
                    r"|\b(?:patient|pt)\s*:[ \t]*(?-i:(?P<s3>[MF]))(?=[ \t]*(?:[,;|\t\n]|$)|[ \t]{2,}|[ \t]+\d|[ \t]+(?:DOB|MRN|age)\b)", _h_sex),
        Rule("BIRTH_DATE", rf"\b(?:DOB|D\.O\.B\.|date\s+of\s+birth|born(?:\s+on)?)\s*:?\s*(?P<d>{DATE})", _h_dob),
        Rule("HEIGHT_FT_IN",
             rf"(?:\b(?:height|ht|stands)\s*(?:is|of|:|=)?\s*)?(?<![\d.])(?P<ft>[3-7])\s*{_FT}\s*(?P<in>\d{{1,2}}(?:\.\d)?)\s*{_IN}?(?:\s+tall)?"
             rf"|\b(?:height|ht)\s*(?:is|of|:|=)?\s*(?P<ft2>[3-7])\s*{_FT}(?!\s*\d)",
             _h_height_ft_in),
        Rule("HEIGHT_AND_WEIGHT",
             _HT_FORMS.format(p="a", ft=_FT, inch=_IN)
             + _HW_JOIN + _WT_FORM.format(p="a")
             + "|" + _WT_FORM.format(p="b") + _HW_JOIN + _HT_FORMS.format(p="b", ft=_FT, inch=_IN),
             _h_height_weight),
    ]
