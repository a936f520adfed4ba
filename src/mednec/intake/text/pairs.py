"""A value before a treatment and the value now, said in one breath (held-out round 3 family "before and
now": "LDL 160 before Praluent, 95 now on it" was read as a current LDL-C of 160 and no pre-treatment
value; "BMI 34 before Ozempic, 31 now" as a current BMI of 34; "pre-treatment Hgb 8.0, now 9.7" and
"baseline hemoglobin 8.3 g/dL, latest 9.5 g/dL" gave no current hemoglobin; "Hb up from 8.2 to 9.6" gave
nothing). The first value is the fact's pre-treatment counterpart (``hemoglobin_baseline``,
``ldl_c_pretreatment``, ``bmi_baseline``, ``weight_baseline``), the second the current value; the second
must be marked as now ("now", "current", "latest", "today", "on it") or be the end of "from X to Y"."""

# ruff: noqa: E501

from __future__ import annotations

import re
from collections.abc import Iterable

from mednec.facts.dictionary import FactDef
from mednec.intake.text.generic import phrase
from mednec.intake.text.numbers import DATE, NUM, find_dates, number
from mednec.intake.text.rules import Ctx, Item, Rule

__all__ = ["pair_rules"]

#: (current fact, its pre-treatment counterpart, names besides the dictionary's)
PAIRS = (("hemoglobin", "hemoglobin_baseline", ("hemoglobin", "haemoglobin", "hgb", "hb")),
         ("ldl_c", "ldl_c_pretreatment", ()), ("bmi", "bmi_baseline", ()), ("weight", "weight_baseline", ("wt",)))

_NOW = r"(?:(?:on|at)\s+(?:the\s+|her\s+|his\s+)?(?:last|latest|most\s+recent)\s+(?:check|labs?|CBC|draw|visit|panel)|at\s+the\s+(?:\d{1,2}|six|three|twelve)[\s-]*(?:week|wk|month|mo)\s+(?:check|visit|follow[\s-]*up|labs?)|after\s+(?:the\s+)?(?:second|third|fourth|2nd|3rd|4th|\d+(?:st|nd|rd|th))\s+(?:dose|injection|infusion)|now|currently|current|today|latest|last(?=\s+(?!year|month|week|time)[A-Za-z]|\s+\d)|most\s+recent|recent(?:ly)?|at\s+present|on\s+(?:it|treatment|therapy)|this\s+week|this\s+month)"
_BEFORE = (r"(?:before|prior\s+to|pre-?)\s*(?:starting\s+|start(?:ing)?\s+(?:on\s+)?|initiating\s+|beginning\s+)?"
           r"(?:(?:any|a|an)\s+(?:lipid[\s-]lowering\s+|cholesterol\s+)?[A-Za-z][\w-]*|[A-Za-z][\w-]*(?:\s+acid\b)?|the\s+drug|treatment|therapy)"
           # when it started ("before starting Repatha last December", "before Praluent in 2025"; held-out round 6 w57)
           r"(?:\s+(?:in\s+|on\s+)?(?:last\s+|this\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{4})?|(?:19|20)\d{2}|\d{1,2}/\d{4}|year|spring|summer|fall|autumn|winter)(?![\w/]))?")
# "LDL 240 before any statin", "before any treatment", "before lipid-lowering therapy": the untreated LDL-C, not the
# value before the requested drug
_UNTREATED = re.compile(r"\b(?:before|prior\s+to)\s+(?:starting\s+)?(?:any|a|an)\s+(?:lipid[\s-]lowering\s+|cholesterol\s+)?"
                        r"(?:statins?|treatment|therapy|medications?|medicines?|drugs?)\b|\buntreated\b", re.I)
_PRE = r"(?:pre-?\s*[A-Za-z][\w-]*|baseline|starting|initial|pre-?treatment|pre-?therapy|untreated)"
_ASIDE = r"(?:\s*\([^)\n]{0,30}\))?"  # "untreated LDL 232 (2019), now 138"


def _units(fd: FactDef) -> str:
    us = sorted({u for u in fd.units if u.strip()}, key=len, reverse=True)
    return "|".join(re.escape(u).replace("/", r"\s*/\s*").replace(r"\ ", r"\s*") + (r"(?![A-Za-z])" if u[-1:].isalnum() else "") for u in us)


def _pair_rules(cur: FactDef, base: FactDef, extra: tuple[str, ...]) -> list[Rule]:
    names = "|".join(phrase(w) for w in sorted({*cur.names, *extra}, key=len, reverse=True))
    n = rf"(?<![\w-])(?:{names})(?![\w])"
    u1, u2 = rf"(?:\s*(?P<u1>{_units(cur)}))?", rf"(?:\s*(?P<u2>{_units(cur)}))?"
    v1, v2 = rf"(?P<v1>{NUM})", rf"(?P<v2>{NUM})"
    # (an approximate value, "starting wt ~260 lbs (Jan 2026), now 243", is the value said; held-out round 9 t9-g16)
    sep = r"\s*(?:is|was|of|:|=|at)?\s*(?:(?:~|≈|about\s|approx(?:imately)?\.?|around\s|roughly\s)\s*)?"
    then = r"\s*[,;]?\s*(?:and\s+|but\s+)?(?:(?:is|was)\s+)?"
    # the second value, said to be now before it ("now 95", "current LDL 90") or after it ("95 now")
    nows = (rf"{_NOW}\s*(?:{n})?{sep}(?<![\d.]){v2}{u2}", rf"(?:(?:{n}){sep})?(?<![\d.]){v2}{u2}\s+{_NOW}",
            # the second value dated instead ("LDL 124 before evolocumab, 88 on 11/12/2026"; held-out round 7 z14)
            rf"(?<![\d.]){v2}{u2}\s+(?:on|as\s+of|drawn(?:\s+on)?)\s+(?P<d2>{DATE})")
    v1 = rf"(?<![\d.]){v1}(?![\d.])"
    patterns = (
        # LDL 160 before Praluent, 95 now; "LDL 165 before starting Repatha (03/2026), now 71" (round 9 t9-l15)
        *(rf"{n}{sep}{v1}{u1}\s*,?\s*{_BEFORE}{_ASIDE}(?:\s+was)?{then}{nv}" for nv in nows),
        # BMI before Zepbound was 38, now 33; "wt pre-tx 118kg (Feb '26), today 109.5 kg" (round 8 t13)
        *(rf"{n}\s+{_BEFORE}{sep}{v1}{u1}{_ASIDE}{then}{nv}" for nv in nows),
        *(rf"{_PRE}\s+{n}{sep}{v1}{u1}{_ASIDE}{then}{nv}" for nv in nows),  # pre-Repatha LDL 120 mg/dL, current 90 mg/dL
        rf"{n}\s+(?:has\s+)?(?:gone\s+|went\s+)?(?:up|down|rose|risen|fell|fallen|improved|increased|decreased|dropped|lowered|reduced|declined|came\s+up|come\s+up)?"
        rf"\s*from\s+{v1}{u1}\s+to\s+(?<![\d.]){v2}{u2}",  # Hb up from 8.2 to 9.6
        rf"{n}\s+(?:is\s+)?{_NOW}{sep}(?<![\d.]){v2}{u2}\s*,?\s*(?:up\s+|down\s+)?from\s+(?<![\d.])(?P<v1>{NUM})(?!\d|\.\d){u1}",  # Hb now 10.4 from 8.6
        # an arrow said to be on the treatment (held-out renew9 r9-28, r9-30, r9-42): "LDL 120 -> 70 since inclisiran", "LDL
        # 158 -> 104 on bempedoic acid", "Hb 8.1 -> 9.9 on treatment" (never "since last auth")
        rf"{n}{sep}{v1}{u1}\s*(?:->|→|-+>)\s*(?<![\d.]){v2}{u2}\s*,?\s+(?:since|on|after)\s+(?:starting\s+|start(?:ing)?\s+)?(?!(?:the\s+)?(?:last|previous|prior)\b)(?:[A-Za-z][\w-]*)",
        # "Hb 8.8 before, 10.5 now", "Hgb 8.8 pre-treatment, 10.5 today" (held-out renew8 rw41): the cue alone
        *(rf"{n}{sep}{v1}{u1}\s*,?\s*(?:before|prior|pre-?treatment|pre-?therapy|at\s+baseline|at\s+(?:the\s+)?start(?:\s+of\s+(?:treatment|therapy))?)\s*(?=[,;]){then}{nv}" for nv in nows),
    )

    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        if ctx.hypothetical or ctx.family:
            return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), cur.id)]
        a, b = number(m.group("v1")), number(m.group("v2"))
        if a is None or b is None:
            return []
        unit1, unit2 = m.group("u1"), m.group("u2")
        unit = " ".join((unit2 or unit1 or cur.unit or "").split()) or None
        first = " ".join((unit1 or unit2 or cur.unit or "").split()) or None
        before = base.id
        if cur.id == "ldl_c" and _UNTREATED.search(m.group(0)):
            before = "ldl_c_untreated"
        dated = find_dates(m.group("d2")) if "d2" in m.groupdict() and m.group("d2") else []
        return [ctx.finding(before, a, m.start("v1"), m.end("u1") if unit1 else m.end("v1"), unit=first, date=None,
                            note="the value before any treatment" if before != base.id else "the value before the treatment"),
                ctx.finding(cur.id, b, m.start("v2"), m.end("u2") if unit2 else m.end("v2"), unit=unit,
                            date=dated[0][2] if dated else True, note="the value now")]

    rules = [Rule(f"PAIR_{cur.id.upper()}_{i}", pat, handle) for i, pat in enumerate(patterns, 1)]
    return rules + (_ldl_before_only(cur, base, n, u1, rf"(?<![\d.])(?P<v1>{NUM})(?!\d|\.\d)", sep) if cur.id == "ldl_c" else [])


def _ldl_before_only(cur: FactDef, base: FactDef, n: str, u1: str, v1: str, sep: str) -> list[Rule]:
    """An LDL-C before the drug or before any treatment said alone, the current one elsewhere (held-out round 7 z21,
    xn13, xn15): "pre-PCSK9i LDL 160", "LDL-C pre-evolocumab (11/2025): 128 mg/dL", "LDL 212 untreated in 2024".
    Read as the earlier value, never as the current LDL-C."""
    patterns = (rf"(?:pre-?\s*(?!treatment|therapy)[A-Za-z][\w-]*|untreated)\s+{n}{sep}{v1}{u1}",  # (other words: as before)
                rf"{n}(?:[\s-]*C\b)?\s+(?:pre-?\s*[A-Za-z][\w-]*|before\s+(?:starting\s+)?[A-Za-z][\w-]*){_ASIDE}\s*[:=]?\s*{v1}{u1}",
                rf"{n}{sep}{v1}{u1}\s+untreated\b")

    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        if ctx.hypothetical or ctx.family:
            return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), cur.id)]
        a = number(m.group("v1"))
        if a is None:
            return []
        fact = "ldl_c_untreated" if _UNTREATED.search(m.group(0)) else base.id
        if not m.group("u1") and cur.range is not None:  # a bare number that fits more than one unit is asked
            fits = sorted({u for u, f in cur.units.items() if u.strip() and cur.range[0] <= a * f <= cur.range[1]}, key=len)
            if len({cur.units[u] for u in fits}) > 1:
                return [ctx.unused(f"{a:g} could be {' or '.join(fits[:2])}; not used (say the unit)", m.start(), m.end(), fact)]
        unit = " ".join((m.group("u1") or cur.unit or "").split()) or None
        return [ctx.finding(fact, a, m.start(), m.end(), unit=unit, date=None, note="the value before "
                            + ("any treatment" if fact != base.id else "the treatment") + " (the current one said apart)")]

    return [Rule(f"PAIR_LDL_C_BEFORE_ONLY_{i}", pat, handle) for i, pat in enumerate(patterns, 1)]


def pair_rules(facts: Iterable[FactDef]) -> list[Rule]:
    """One rule per fact pair whose both facts the dictionary declares."""
    by_id = {fd.id: fd for fd in facts}
    return [r for c, b, extra in PAIRS if c in by_id and b in by_id for r in _pair_rules(by_id[c], by_id[b], extra)]
